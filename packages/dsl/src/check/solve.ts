/**
 * Checks of `solve NAME { key = value ... }` and `outer_solve NAME { ... }` against the options
 * the solver plugin declares (their types, bounds, enum values and expression variables).
 */
import { SCALAR, type OptionSpec } from '@sgdiff/core';
import type { Expr, NameRef, OuterSolveDecl, SolveDecl, SolveOption } from '../ast.ts';
import { evaluateConstant } from './constants.ts';
import { describeKind, type CheckContext } from './context.ts';
import type { SolverDescription } from './environment.ts';
import { inferShape, type ExpressionScope } from './shapes.ts';
import { didYouMean, quotedList } from './suggest.ts';

/**
 * A checked option value: a number, an enum identifier, identifiers joined by `,` (for `enums`
 * options), or an expression (for `expression` options).
 * @category Language
 */
export type OptionValue = number | string | Expr;

/**
 * A checked `solve` block.
 * @category Language
 */
export interface CheckedSolve {
  /** The solver's name. */
  readonly solver: string;
  /** Every option the solver declares, for filling in defaults. */
  readonly specs: readonly OptionSpec[];
  /** The options given in the block, by key. */
  readonly given: ReadonlyMap<string, OptionValue>;
}

/** Which solvers a block chooses from, and how messages call them. */
export interface SolverCatalog {
  /** The solvers by name. */
  readonly solvers: ReadonlyMap<string, SolverDescription>;
  /** `solver` or `outer solver`. */
  readonly noun: string;
}

/** The catalog a block draws from: `solve` from `env.solvers`, `outer_solve` from `env.outerSolvers`. */
export function solverCatalog(decl: SolveDecl | OuterSolveDecl, ctx: CheckContext): SolverCatalog {
  return decl.$type === 'SolveDecl' ? { solvers: ctx.env.solvers, noun: 'solver' } : { solvers: ctx.env.outerSolvers, noun: 'outer solver' };
}

/** Checks a `solve` or `outer_solve` block; returns its options when the solver is known. */
export function checkSolve(decl: SolveDecl | OuterSolveDecl, ctx: CheckContext): CheckedSolve | undefined {
  const { solvers, noun } = solverCatalog(decl, ctx);
  const solver = solvers.get(decl.solver.name);
  if (!solver) {
    const name = decl.solver.name;
    const hint = didYouMean(name, solvers.keys());
    ctx.error(decl.solver.range, 'unknown-solver', `unknown ${noun} '${name}'${hint}; known ${noun}s: ${quotedList(solvers.keys())}`);
    return undefined;
  }
  const specs = new Map(solver.options.map((o) => [o.name, o]));
  const given = new Map<string, OptionValue>();
  const firstLine = new Map<string, number>();
  for (const option of decl.options) {
    const key = option.key.name;
    const spec = specs.get(key);
    if (!spec) {
      const valid = quotedList(specs.keys());
      ctx.error(option.key.range, 'unknown-option', `'${decl.solver.name}' has no option '${key}'${didYouMean(key, specs.keys())}; valid options: ${valid}`);
      continue;
    }
    const line = firstLine.get(key);
    if (line !== undefined) {
      ctx.error(option.key.range, 'duplicate-option', `option '${key}' is already set on line ${line}`);
      continue;
    }
    firstLine.set(key, option.key.range.start.line);
    const value = checkOptionValue(option, spec, ctx);
    if (value !== undefined) given.set(key, value);
  }
  return { solver: decl.solver.name, specs: solver.options, given };
}

function checkOptionValue(option: SolveOption, spec: OptionSpec, ctx: CheckContext): OptionValue | undefined {
  if (spec.type !== 'enums' && option.values.length > 1) {
    const message = `option '${spec.name}' takes a single value, got a list of ${option.values.length}; only lists of identifiers ('enums' options) are comma-separated`;
    ctx.error(option.values[1].range, 'invalid-option-value', message);
    return undefined;
  }
  switch (spec.type) {
    case 'integer':
    case 'number':
      return checkNumericOption(option, spec, ctx);
    case 'enum':
      return checkEnumOption(option, spec, ctx);
    case 'enums':
      return checkEnumsOption(option, spec, ctx);
    case 'expression':
      return checkExpressionOption(option, spec, ctx) ? option.value : undefined;
  }
}

function checkNumericOption(option: SolveOption, spec: OptionSpec, ctx: CheckContext): number | undefined {
  const value = evaluateConstant(option.value, ctx, Infinity);
  if (value === undefined) return undefined;
  const range = option.value.range;
  if (spec.type === 'integer' && !Number.isInteger(value)) {
    ctx.error(range, 'invalid-option-value', `option '${spec.name}' must be an integer, got ${value}`);
    return undefined;
  }
  if (spec.min !== undefined && value < spec.min) {
    ctx.error(range, 'option-out-of-range', `option '${spec.name}' must be at least ${spec.min}, got ${value}`);
    return undefined;
  }
  if (spec.max !== undefined && value > spec.max) {
    ctx.error(range, 'option-out-of-range', `option '${spec.name}' must be at most ${spec.max}, got ${value}`);
    return undefined;
  }
  return value;
}

function checkEnumOption(option: SolveOption, spec: OptionSpec, ctx: CheckContext): string | undefined {
  const values = spec.values ?? [];
  const value = option.value;
  if (value.$type === 'NameRef' && values.includes(value.name)) return value.name;
  const got = value.$type === 'NameRef' ? `'${value.name}'${didYouMean(value.name, values)}` : 'an expression';
  ctx.error(value.range, 'invalid-option-value', `option '${spec.name}' must be one of ${quotedList(values)}; got ${got}`);
  return undefined;
}

/** A list of distinct identifiers among the option's values, returned joined by `,`. */
function checkEnumsOption(option: SolveOption, spec: OptionSpec, ctx: CheckContext): string | undefined {
  const values = spec.values ?? [];
  const chosen: string[] = [];
  let valid = true;
  for (const value of option.values) {
    if (value.$type === 'NameRef' && values.includes(value.name)) {
      if (chosen.includes(value.name)) {
        ctx.error(value.range, 'invalid-option-value', `option '${spec.name}' lists '${value.name}' twice`);
        valid = false;
      }
      chosen.push(value.name);
      continue;
    }
    const got = value.$type === 'NameRef' ? `'${value.name}'${didYouMean(value.name, values)}` : 'an expression';
    ctx.error(value.range, 'invalid-option-value', `option '${spec.name}' must list identifiers among ${quotedList(values)}; got ${got}`);
    valid = false;
  }
  return valid ? chosen.join(',') : undefined;
}

/** An expression option may use dims, consts and the option's variables, and must be scalar. */
function checkExpressionOption(option: SolveOption, spec: OptionSpec, ctx: CheckContext): boolean {
  const variables = new Set(spec.variables ?? []);
  const allowed = `dims, consts${variables.size > 0 ? ` and ${[...variables].join(', ')}` : ''}`;
  const scope: ExpressionScope = {
    resolveName(ref: NameRef) {
      // The solver's variables shadow declarations of the same name.
      if (variables.has(ref.name)) return SCALAR;
      const symbol = ctx.resolve(ref);
      if (!symbol) return undefined;
      if (symbol.kind === 'dim' || symbol.kind === 'const') return symbol.value === undefined ? undefined : SCALAR;
      ctx.error(ref.range, 'invalid-reference', `option '${spec.name}' may only use ${allowed}; '${ref.name}' is ${describeKind(symbol.kind)}`);
      return undefined;
    },
  };
  // Every leaf is a scalar, so a known shape is the scalar one; unknown means an error was reported.
  return inferShape(option.value, ctx, scope) !== undefined;
}
