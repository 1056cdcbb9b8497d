/**
 * `--set solve.KEY=VALUE`, `--set const.NAME=VALUE`, `--set dim.NAME=VALUE`,
 * `--set param.NAME=VALUE`: options of the solve block replaced (or added), and the values of
 * declared constants, dims and params replaced (a param's initializer becomes `= VALUE`), from the
 * command line. (`param.NAME[i]=VALUE`, one entry of a drawn param, is applied to the drawn
 * instance instead: see param-entries.ts.) VALUE must be one value (a number, an identifier or
 * one expression; a list only for a solve option), as the language's parser reads it; what
 * replaces the written value is printed from the parsed tokens, so a flag can change that value
 * and nothing else. The checker then validates it exactly like a written one; a diagnostic that
 * falls inside the replaced span is reported against the flag, not the file.
 */
import { parseSettingValue, parseSgd, type ConstDecl, type Diagnostic, type DimDecl, type SgdFile, type SolveDecl, type TensorDecl } from '@sgdiff/dsl';
import { UserError } from '../errors.ts';
import { isParamEntryFlag, parseParamEntry, type ParamEntryOverride } from './param-entries.ts';

/**
 * What a `--set` flag replaces: a solve option, or the value of a `const`, `dim` or `param` declaration.
 * @category CLI
 */
export type OverrideTarget = 'solve' | 'const' | 'dim' | 'param';

/**
 * One `--set` flag.
 * @category CLI
 */
export interface OptionOverride {
  /** What the flag replaces. */
  readonly target: OverrideTarget;
  /** The option key or the declared name (after `solve.`, `const.`, `dim.` or `param.`). */
  readonly key: string;
  /** The value's canonical text (printed from its tokens; see {@link settingOverride}). */
  readonly value: string;
  /** The flag as written, for messages. */
  readonly flag: string;
}

/**
 * Parses `solve.KEY=VALUE`, `const.NAME=VALUE`, `dim.NAME=VALUE` or `param.NAME=VALUE`; throws a {@link UserError} naming the flag otherwise.
 * @category CLI
 */
export function parseOverride(flag: string): OptionOverride {
  const match = /^(solve|const|dim|param)\.([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s.exec(flag);
  if (!match || /[\n\r]/.test(match[3])) {
    throw new UserError(
      `--set ${flag}: error: expected solve.KEY=VALUE, const.NAME=VALUE, dim.NAME=VALUE, param.NAME=VALUE or param.NAME[i]=VALUE (for example solve.iterations=1000)`,
    );
  }
  return settingOverride(match[1] as OverrideTarget, match[2], match[3], flag, '--set');
}

/**
 * The override of `target.key` by `value`, checked to be one value (or, for a solve option, a
 * comma-separated list of them); throws a {@link UserError} naming `option flag` otherwise.
  * @category CLI
 */
export function settingOverride(target: OverrideTarget, key: string, value: string, flag: string, option: '--set' | '--grid'): OptionOverride {
  const parsed = parseSettingValue(value, target === 'solve');
  if (!parsed.ok) {
    const list = target === 'solve' ? ', or a list v1, v2 for an option that takes several' : '';
    throw new UserError(`${option} ${flag}: error: expected one value (a number, an identifier or one expression${list}): ${parsed.message}`);
  }
  return { target, key, value: parsed.text, flag };
}

/**
 * Every `--set` flag parsed: those spliced into the text, and the param entries set on the drawn instance.
 * @category CLI
 */
export function parseSetFlags(flags: readonly string[]): { readonly text: OptionOverride[]; readonly entries: ParamEntryOverride[] } {
  return { text: flags.filter((f) => !isParamEntryFlag(f)).map(parseOverride), entries: flags.filter(isParamEntryFlag).map(parseParamEntry) };
}

/**
 * The file's text with the overrides spliced in, and where each splice landed.
 * @category CLI
 */
export interface OverriddenSource {
  /** The edited text. */
  readonly source: string;
  /** Splices as [start, end) offsets in the edited text, with their flags. */
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number; readonly override: OptionOverride }>;
}

/** A splice: replace [at, end) of the text by `text`. */
interface Edit {
  readonly at: number;
  readonly end: number;
  readonly text: string;
  readonly override: OptionOverride;
}

/** Where a `param.` override goes: the param's initializer, replaced by `= VALUE`. */
function paramEdit(ast: SgdFile, file: string, override: OptionOverride): Edit {
  const decl = ast.statements.find((s): s is TensorDecl => s.$type === 'TensorDecl' && s.kind === 'param' && s.name.name === override.key);
  if (!decl) throw new UserError(`--set ${override.flag}: error: ${file} declares no param '${override.key}'`);
  return { at: decl.init.range.start.offset, end: decl.init.range.end.offset, text: `= ${override.value}`, override };
}

/** Where a `const.` or `dim.` override goes: the declaration's value expression. */
function declarationEdit(ast: SgdFile, file: string, override: OptionOverride): Edit {
  if (override.target === 'param') return paramEdit(ast, file, override);
  const kind = override.target === 'const' ? 'ConstDecl' : 'DimDecl';
  const decl = ast.statements.find((s): s is ConstDecl | DimDecl => s.$type === kind && s.name.name === override.key);
  if (!decl) throw new UserError(`--set ${override.flag}: error: ${file} declares no ${override.target} '${override.key}'`);
  return { at: decl.value.range.start.offset, end: decl.value.range.end.offset, text: override.value, override };
}

/** Where a `solve.` override goes: the option's value, or a new option at the end of the block. */
function optionEdit(solve: SolveDecl, override: OptionOverride): Edit {
  const existing = [...solve.options].reverse().find((o) => o.key.name === override.key);
  return existing
    ? // A list value (`estimator = a, b`) is replaced whole, from its first item to its last.
      { at: existing.values[0].range.start.offset, end: existing.values[existing.values.length - 1].range.end.offset, text: override.value, override }
    : { at: solve.range.end.offset - 1, end: solve.range.end.offset - 1, text: ` ${override.key} = ${override.value} `, override };
}

/**
 * Splices `overrides` into `source`. A file that does not parse is returned as is (its errors come first).
 * @category CLI
 */
export function applyOverrides(source: string, file: string, overrides: readonly OptionOverride[]): OverriddenSource {
  if (overrides.length === 0) return { source, spans: [] };
  const { ast } = parseSgd(source, file);
  if (!ast) return { source, spans: [] };
  const solve = ast.statements.find((s): s is SolveDecl => s.$type === 'SolveDecl');
  // A repeated flag replaces the earlier one (two splices of one value would overlap).
  const last = new Map(overrides.map((o) => [`${o.target}.${o.key}`, o]));
  const edits = [...last.values()].map((override) => {
    if (override.target !== 'solve') return declarationEdit(ast, file, override);
    if (!solve) throw new UserError(`--set ${override.flag}: error: ${file} has no solve block to set options of`);
    return optionEdit(solve, override);
  });
  // Edits are applied from the end of the text backwards so earlier offsets stay valid; options
  // added at the same place (the block's end) go in flag order, so the later flag is applied first.
  const order = new Map(edits.map((e, i) => [e, i]));
  const textOrder = (a: Edit, b: Edit): number => a.at - b.at || (order.get(a) ?? 0) - (order.get(b) ?? 0);
  const ascending = [...edits].sort(textOrder);
  let edited = source;
  for (const e of [...ascending].reverse()) edited = edited.slice(0, e.at) + e.text + edited.slice(e.end);
  // Each splice's position in the edited text: shifted by the splices before it.
  let shift = 0;
  const spans = ascending.map((e) => {
    const start = e.at + shift;
    shift += e.text.length - (e.end - e.at);
    return { start, end: start + e.text.length, override: e.override };
  });
  return { source: edited, spans };
}

/**
 * The override a diagnostic points into, if any.
 * @category CLI
 */
export function overrideAt(spans: OverriddenSource['spans'], d: Diagnostic): OptionOverride | undefined {
  return spans.find((s) => d.range.start.offset >= s.start && d.range.start.offset < s.end)?.override;
}
