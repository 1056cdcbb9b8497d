/**
 * The checker: names, kinds, declaration order, constants, shapes, arity, the objectives, the
 * solve blocks and the report. It reports every error of a file in one run and resolves what
 * lowering needs (values, shapes, initializers, option values) when there is none.
 */
import type { ReportSpec } from '@sgdiff/core';
import type { Expr, OuterDecl, OuterSolveDecl, SampleDecl, SgdFile, SolveDecl, Statement } from './ast.ts';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { CheckContext, type DeclaredSymbol } from './check/context.ts';
import { checkConst, checkDim, checkSample, checkTensor, type CheckedTensor } from './check/declarations.ts';
import type { CheckEnvironment } from './check/environment.ts';
import { checkFirstSteps } from './check/first-step.ts';
import { checkEstimator, checkOuterSolveHasOuter } from './check/hyper.ts';
import { StatementLimits } from './check/limits.ts';
import { checkObjective, type ObjectiveNames } from './check/objective.ts';
import { checkOuter, resolveOuter, type CheckedOuter } from './check/outer.ts';
import { checkReport } from './check/report.ts';
import { checkSampleArguments, type CheckedSample, type ObjectiveUse } from './check/samples.ts';
import { checkReferenceBudget } from './check/reference-budget.ts';
import { checkSolve, type CheckedSolve } from './check/solve.ts';
import { declareSymbols } from './check/symbols.ts';
import { pointRange } from './source-range.ts';

/**
 * A named number: a dim or a const.
 * @category Language
 */
export interface NamedValue {
  /** The declared name. */
  readonly name: string;
  /** Its value. */
  readonly value: number;
}

/**
 * Everything lowering needs from a file without errors, resolved.
 * @category Language
 */
export interface CheckedFile {
  /** Dims in declaration order. */
  readonly dims: readonly NamedValue[];
  /** Consts in declaration order. */
  readonly consts: readonly NamedValue[];
  /** Data, params and vars in declaration order. */
  readonly tensors: readonly CheckedTensor[];
  /** The sample `minimize` lists, when it lists one. */
  readonly sample?: CheckedSample;
  /** The objective's name and per-sample body. */
  readonly objective: { readonly name: string; readonly body: Expr };
  /** The upper-level objective, when `outer` is declared. */
  readonly outer?: CheckedOuter;
  /** The solve block, when present. */
  readonly solve?: CheckedSolve;
  /** The `outer_solve` block, when present. */
  readonly outerSolve?: CheckedSolve;
  /** The report line, when present, with defaults filled in. */
  readonly report?: ReportSpec;
}

/**
 * The outcome of checking a file.
 * @category Language
 */
export interface CheckResult {
  /** The resolved file; present only when there is no error (warnings allowed). */
  readonly checked?: CheckedFile;
  /** Every error and warning, in source order. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Checks a parsed file against the installed plugins. Never throws for a user mistake.
 * @category Language
 */
export function checkFile(file: SgdFile, env: CheckEnvironment): CheckResult {
  const ctx = new CheckContext(env);
  declareSymbols(file, ctx);
  const limits = new StatementLimits(ctx);
  const outerDecl = file.statements.find((s): s is OuterDecl => s.$type === 'OuterDecl');
  const dims: NamedValue[] = [];
  const consts: NamedValue[] = [];
  const tensors: CheckedTensor[] = [];
  const samples: SampleDecl[] = [];
  const laws = new Map<string, CheckedSample>();
  const blocks: Array<SolveDecl | OuterSolveDecl> = [];
  let minimize: ObjectiveUse | undefined;
  let outerNames: ObjectiveNames | undefined;
  let objective: CheckedFile['objective'] | undefined;
  let solve: CheckedSolve | undefined;
  let outerSolve: CheckedSolve | undefined;
  let report: ReportSpec | undefined;

  for (const statement of file.statements) {
    if (!limits.admit(statement)) continue;
    const symbol = (): DeclaredSymbol => declaredSymbol(ctx, statement);
    switch (statement.$type) {
      case 'DimDecl':
        dims.push(...named(checkDim(statement, symbol(), ctx)));
        break;
      case 'ConstDecl':
        consts.push(...named(checkConst(statement, symbol(), ctx)));
        break;
      case 'TensorDecl': {
        const tensor = checkTensor(statement, symbol(), ctx);
        if (tensor) tensors.push(tensor);
        break;
      }
      case 'SampleDecl': {
        samples.push(statement);
        const law = checkSample(statement, symbol(), ctx);
        if (law) laws.set(statement.name.name, { name: statement.name.name, ...law });
        break;
      }
      case 'MinimizeDecl': {
        const names = checkObjective(statement, ctx, 'the objective');
        minimize = { name: statement.name, listedSamples: statement.samples.length, names };
        objective = { name: statement.name.name, body: statement.body };
        break;
      }
      case 'OuterDecl':
        outerNames = checkOuter(statement, ctx);
        break;
      case 'SolveDecl':
        blocks.push(statement);
        solve = checkSolve(statement, ctx);
        break;
      case 'OuterSolveDecl':
        blocks.push(statement);
        checkOuterSolveHasOuter(statement, outerDecl, ctx);
        outerSolve = checkSolve(statement, ctx);
        break;
      case 'ReportDecl':
        report = checkReport(statement, ctx);
        break;
    }
  }
  for (const block of blocks) {
    checkEstimator(block, outerDecl, ctx);
    if (block.$type === 'SolveDecl') checkReferenceBudget(block, solve, tensors, ctx);
    checkFirstSteps(block, ctx);
  }
  if (minimize) checkSampleArguments(samples, objectiveUses(minimize, outerDecl, outerNames), ctx);
  if (!objective) {
    ctx.error(pointRange(file.range.start), 'missing-minimize', "the file has no objective: add 'minimize f(x; i) = ...'");
  }
  const diagnostics = sortDiagnostics(ctx.diagnostics);
  if (hasErrors(diagnostics) || !objective) return { diagnostics };
  const sampleOf = (name: string | undefined): CheckedSample | undefined => (name === undefined ? undefined : laws.get(name));
  const outer = outerDecl && resolveOuter(outerDecl, outerNames, sampleOf);
  const sample = sampleOf(minimize?.names.sample);
  return { checked: { dims, consts, tensors, sample, objective, outer, solve, outerSolve, report }, diagnostics };
}

/** `minimize`, then `outer E(...)` when declared with a signature: the objectives that may list samples. */
function objectiveUses(minimize: ObjectiveUse, outer: OuterDecl | undefined, names: ObjectiveNames | undefined): ObjectiveUse[] {
  if (outer?.kind !== 'expression' || !names) return [minimize];
  return [minimize, { name: outer.name, listedSamples: outer.samples.length, names }];
}

/** The symbol `declareSymbols` made for a declaring statement. */
function declaredSymbol(ctx: CheckContext, statement: Statement): DeclaredSymbol {
  const symbol = ctx.symbolOf.get(statement);
  if (!symbol) throw new Error(`internal error: no symbol for ${statement.$type}`);
  return symbol;
}

/** The checked dim or const as a list of zero (after an error) or one named value. */
function named(symbol: DeclaredSymbol): NamedValue[] {
  return symbol.value === undefined ? [] : [{ name: symbol.name, value: symbol.value }];
}
