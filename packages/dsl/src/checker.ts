/**
 * The checker: names, kinds, declaration order, constants, shapes, arity, the objective, the
 * solve block and the report. It reports every error of a file in one run and resolves what
 * lowering needs (values, shapes, initializers, option values) when there is none.
 */
import type { ReportSpec } from '@sgdiff/core';
import type { Expr, SgdFile, Statement } from './ast.ts';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { CheckContext, type DeclaredSymbol } from './check/context.ts';
import { checkConst, checkDim, checkSample, checkTensor, type CheckedTensor } from './check/declarations.ts';
import type { CheckEnvironment } from './check/environment.ts';
import { checkObjective } from './check/objective.ts';
import { checkReport } from './check/report.ts';
import { checkSolve, type CheckedSolve } from './check/solve.ts';
import { declareSymbols } from './check/symbols.ts';
import { pointRange } from './source-range.ts';

/** A named number: a dim or a const. */
export interface NamedValue {
  /** The declared name. */
  readonly name: string;
  /** Its value. */
  readonly value: number;
}

/** Everything lowering needs from a file without errors, resolved. */
export interface CheckedFile {
  /** Dims in declaration order. */
  readonly dims: readonly NamedValue[];
  /** Consts in declaration order. */
  readonly consts: readonly NamedValue[];
  /** Data, params and vars in declaration order. */
  readonly tensors: readonly CheckedTensor[];
  /** The sample, when one is declared. */
  readonly sample?: { readonly name: string; readonly size: number; readonly batch: number };
  /** The objective's name and per-sample body. */
  readonly objective: { readonly name: string; readonly body: Expr };
  /** The solve block, when present. */
  readonly solve?: CheckedSolve;
  /** The report line, when present, with defaults filled in. */
  readonly report?: ReportSpec;
}

/** The outcome of checking a file. */
export interface CheckResult {
  /** The resolved file; present only when there is no error (warnings allowed). */
  readonly checked?: CheckedFile;
  /** Every error and warning, in source order. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Statements of which a file may have at most one, with how the limit is worded. */
const SINGLETONS: Readonly<Partial<Record<Statement['$type'], string>>> = {
  SampleDecl: 'only one sample declaration is supported',
  MinimizeDecl: "only one 'minimize' is allowed",
  SolveDecl: "only one 'solve' block is allowed",
  ReportDecl: "only one 'report' is allowed",
};

/** Checks a parsed file against the installed plugins. Never throws for a user mistake. */
export function checkFile(file: SgdFile, env: CheckEnvironment): CheckResult {
  const ctx = new CheckContext(env);
  declareSymbols(file, ctx);
  const dims: NamedValue[] = [];
  const consts: NamedValue[] = [];
  const tensors: CheckedTensor[] = [];
  let sample: CheckedFile['sample'];
  let objective: CheckedFile['objective'] | undefined;
  let solve: CheckedSolve | undefined;
  let report: ReportSpec | undefined;
  const firstOfKind = new Map<string, Statement>();

  for (const statement of file.statements) {
    const limit = SINGLETONS[statement.$type];
    const first = firstOfKind.get(statement.$type);
    if (limit && first) {
      ctx.error(statement.range, 'duplicate-statement', `${limit}; the first is on line ${first.range.start.line}`);
      continue;
    }
    firstOfKind.set(statement.$type, statement);
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
        const law = checkSample(statement, symbol(), ctx);
        if (law) sample = { name: statement.name.name, ...law };
        break;
      }
      case 'MinimizeDecl':
        checkObjective(statement, ctx);
        objective = { name: statement.name.name, body: statement.body };
        break;
      case 'SolveDecl':
        solve = checkSolve(statement, ctx);
        break;
      case 'ReportDecl':
        report = checkReport(statement, ctx);
        break;
    }
  }
  if (!objective) {
    ctx.error(pointRange(file.range.start), 'missing-minimize', "the file has no objective: add 'minimize f(x; i) = ...'");
  }
  const diagnostics = sortDiagnostics(ctx.diagnostics);
  if (hasErrors(diagnostics) || !objective) return { diagnostics };
  return { checked: { dims, consts, tensors, sample, objective, solve, report }, diagnostics };
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
