/**
 * The source of one cell of a sweep: the file with the cell's values spliced in (solve options
 * and consts through the `--set` machinery, the sample's batch in its law), checked. Diagnostics
 * caused by a grid value are reported against the `--grid` flag.
 */
import type { PluginRegistry, Problem } from '@sgdiff/core';
import { compileSgd, formatDiagnostics, parseSgd, type ConstDecl, type SampleDecl } from '@sgdiff/dsl';
import { UserError } from '../errors.ts';
import { checkEnvironment } from '../load.ts';
import { applyOverrides, overrideAt, settingOverride, type OptionOverride } from '../run/overrides.ts';
import { valueText, type GridAxis, type GridCell } from './grid.ts';

/** A checked cell. */
export interface CellSource {
  /** The edited source. */
  readonly source: string;
  /** Its lowered problem. */
  readonly problem: Problem;
}

/** Fails, naming the flag, when a key is not a setting of the file (before any cell is built). */
export function checkAxesAgainstFile(file: string, source: string, axes: readonly GridAxis[]): void {
  const { ast } = parseSgd(source, file);
  if (!ast) return; // syntax errors are reported by the first cell's check
  for (const axis of axes) {
    if (axis.target === 'const' && !ast.statements.some((s) => s.$type === 'ConstDecl' && (s as ConstDecl).name.name === axis.name)) {
      throw new UserError(`--grid ${axis.key}: error: ${file} declares no const '${axis.name}'`);
    }
    if (axis.target === 'sample' && !ast.statements.some((s) => s.$type === 'SampleDecl')) throw new UserError(`--grid ${axis.key}: error: ${file} declares no sample`);
    if (axis.target === 'solve' && !ast.statements.some((s) => s.$type === 'SolveDecl')) throw new UserError(`--grid ${axis.key}: error: ${file} has no solve block`);
  }
}

/** The sample's batch set to `batch` (the first sample: the one `minimize` lists comes first in the files this targets). */
function withBatch(source: string, file: string, batch: number): string {
  const { ast } = parseSgd(source, file);
  const sample = ast?.statements.find((s): s is SampleDecl => s.$type === 'SampleDecl');
  if (!sample) return source;
  const call = sample.distribution;
  const existing = call.namedArgs.find((a) => a.name.name === 'batch');
  if (existing) return source.slice(0, existing.value.range.start.offset) + String(batch) + source.slice(existing.value.range.end.offset);
  const end = call.range.end.offset - 1; // before ')'
  return `${source.slice(0, end)}, batch = ${batch}${source.slice(end)}`;
}

/** Builds and checks the source of `cell`; throws a {@link UserError} with every diagnostic. */
export function cellSource(file: string, source: string, axes: readonly GridAxis[], cellValues: GridCell, registry: PluginRegistry): CellSource {
  let text = source;
  const overrides: OptionOverride[] = [];
  axes.forEach((axis, a) => {
    if (axis.target === 'sample') text = withBatch(text, file, cellValues[a]);
    else overrides.push(settingOverride(axis.target, axis.name, valueText(cellValues[a]), `${axis.key}=${valueText(cellValues[a])}`, '--grid'));
  });
  const edited = applyOverrides(text, file, overrides);
  const { problem, diagnostics } = compileSgd(edited.source, file, checkEnvironment(registry));
  if (!problem || diagnostics.some((d) => d.severity === 'error')) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const fromFlags = errors.flatMap((d) => {
      const flag = overrideAt(edited.spans, d);
      return flag ? [`--grid ${flag.flag}: error: ${d.message}`] : [];
    });
    const fromFile = errors.filter((d) => !overrideAt(edited.spans, d));
    // An error elsewhere in the file (e.g. a const computed from a swept one) says which cell caused it.
    const cell = axes.map((a, i) => `${a.key}=${valueText(cellValues[i])}`).join(', ');
    const fromFileText = fromFile.length > 0 ? [`${file}: error: with ${cell}:\n${formatDiagnostics(file, edited.source, fromFile)}`] : [];
    throw new UserError([...fromFlags, ...fromFileText].join('\n\n'));
  }
  return { source: edited.source, problem };
}
