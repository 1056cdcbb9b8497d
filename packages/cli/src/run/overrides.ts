/**
 * `--set solve.KEY=VALUE`: options of the solve block replaced (or added) from the command line.
 * The value is spliced into the file's text in place of the option's value, so the checker
 * validates it exactly like a written one; a diagnostic that falls inside the splice is then
 * reported against the flag, not the file.
 */
import { parseSgd, type Diagnostic, type SolveDecl } from '@sgdiff/dsl';
import { UserError } from '../errors.ts';

/** One `--set` flag. */
export interface OptionOverride {
  /** The option key (after `solve.`). */
  readonly key: string;
  /** The value's text. */
  readonly value: string;
  /** The flag as written, for messages. */
  readonly flag: string;
}

/** Parses `solve.KEY=VALUE`; throws a {@link UserError} naming the flag otherwise. */
export function parseOverride(flag: string): OptionOverride {
  const match = /^solve\.([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s.exec(flag);
  if (!match || /[\n\r]/.test(match[2])) {
    throw new UserError(`--set ${flag}: error: expected solve.KEY=VALUE (for example solve.iterations=1000)`);
  }
  return { key: match[1], value: match[2].trim(), flag };
}

/** The file's text with the overrides spliced in, and where each splice landed. */
export interface OverriddenSource {
  /** The edited text. */
  readonly source: string;
  /** Splices as [start, end) offsets in the edited text, with their flags. */
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number; readonly override: OptionOverride }>;
}

/** Splices `overrides` into `source`'s solve block. A file that does not parse is returned as is (its errors come first). */
export function applyOverrides(source: string, file: string, overrides: readonly OptionOverride[]): OverriddenSource {
  if (overrides.length === 0) return { source, spans: [] };
  const { ast } = parseSgd(source, file);
  if (!ast) return { source, spans: [] };
  const solve = ast.statements.find((s): s is SolveDecl => s.$type === 'SolveDecl');
  if (!solve) throw new UserError(`--set ${overrides[0].flag}: error: ${file} has no solve block to set options of`);
  // Edits are applied from the end of the text backwards so earlier offsets stay valid.
  const edits = overrides.map((override) => {
    const existing = [...solve.options].reverse().find((o) => o.key.name === override.key);
    return existing
      ? // A list value (`estimator = a, b`) is replaced whole, from its first item to its last.
        { at: existing.values[0].range.start.offset, end: existing.values[existing.values.length - 1].range.end.offset, text: override.value, override }
      : { at: solve.range.end.offset - 1, end: solve.range.end.offset - 1, text: ` ${override.key} = ${override.value} `, override };
  });
  edits.sort((a, b) => b.at - a.at);
  let edited = source;
  for (const e of edits) edited = edited.slice(0, e.at) + e.text + edited.slice(e.end);
  // Recompute each splice's position in the edited text (later splices shift nothing before them).
  const ascending = [...edits].sort((a, b) => a.at - b.at);
  let shift = 0;
  const spans = ascending.map((e) => {
    const start = e.at + shift;
    shift += e.text.length - (e.end - e.at);
    return { start, end: start + e.text.length, override: e.override };
  });
  return { source: edited, spans };
}

/** The override a diagnostic points into, if any. */
export function overrideAt(spans: OverriddenSource['spans'], d: Diagnostic): OptionOverride | undefined {
  return spans.find((s) => d.range.start.offset >= s.start && d.range.start.offset < s.end)?.override;
}
