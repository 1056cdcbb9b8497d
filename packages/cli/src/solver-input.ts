/**
 * The solver plugin's checks of a file, as positioned diagnostics: what the solver reads of the
 * problem and of its drawn instance (`SolverPlugin.checkInstance`: for sinkhorn, the inputs by
 * name and shape, histograms on the simplex, ε > 0, finite costs). `sgd check` runs them on the
 * instance of seed 0, `sgd run` meets them when it builds the step map: both report each problem
 * at the declaration it names (else at the solver's name in the solve block).
 */
import { drawInstance, SolverInputError, type PluginRegistry, type Problem, type SolverInputProblem } from '@sgdiff/core';
import { formatDiagnostics, parseSgd, type Diagnostic, type SgdFile, type SourceRange } from '@sgdiff/dsl';
import { registrySourceReader } from './sources.ts';

/** The seed `sgd check` draws the instance with: `sgd run`'s default. */
export const CHECK_SEED = 0;

/** Where a problem points: the name of the declaration it names, else the solver's name in the solve block. */
function rangeOf(ast: SgdFile, problem: SolverInputProblem): SourceRange | undefined {
  let solver: SourceRange | undefined;
  for (const statement of ast.statements) {
    if (statement.$type === 'SolveDecl') solver = statement.solver.range;
    if ((statement.$type === 'TensorDecl' || statement.$type === 'ConstDecl' || statement.$type === 'DimDecl') && statement.name.name === problem.declaration) return statement.name.range;
  }
  return solver;
}

/** The problems as diagnostics (`solver-input`), each at its declaration. */
export function solverInputDiagnostics(source: string, problems: readonly SolverInputProblem[]): Diagnostic[] {
  const { ast } = parseSgd(source, '');
  if (!ast) return [];
  return problems.flatMap((problem) => {
    const range = rangeOf(ast, problem);
    return range ? [{ range, severity: 'error' as const, code: 'solver-input' as const, message: problem.message }] : [];
  });
}

/** Every problem the solver of `problem` finds with the file and the instance of {@link CHECK_SEED}, as diagnostics. */
export function checkSolverInput(problem: Problem, registry: PluginRegistry, source: string): Diagnostic[] {
  const solver = problem.solve && registry.solvers.get(problem.solve.solver);
  if (!solver?.checkInstance) return [];
  const instance = drawInstance(problem, CHECK_SEED, registrySourceReader(registry));
  const problems = solver.checkInstance(problem, instance.values).map((p) => (typeof p === 'string' ? { message: p } : p));
  return solverInputDiagnostics(
    source,
    problems.map((p) => ({ ...p, message: `solve ${solver.name}: ${p.message}` })),
  );
}

/** A {@link SolverInputError} met by `sgd run`, as `file:line:col` errors (or `file: error:` lines when the source has no solve block to point at). */
export function formatSolverInputError(file: string, source: string, error: SolverInputError): string {
  const diagnostics = solverInputDiagnostics(source, error.problems);
  if (diagnostics.length === error.problems.length) return formatDiagnostics(file, source, diagnostics);
  return error.messages.map((m) => `${file}: error: ${m}`).join('\n');
}
