/**
 * A problem a solver cannot solve as written, found when its step map is built or its instance
 * checked (a declaration it reads is missing, or drawn values it needs are out of range): a
 * mistake in the user's file, reported with the file's name and never as an internal error.
 */

/**
 * One problem with the solver's input, at the declaration it concerns when there is one.
 * @category Solvers and tracking
 */
export interface SolverInputProblem {
  /** What is wrong, naming the declaration. */
  readonly message: string;
  /** The name of the declaration (dim, const, data, param or var) to point at; absent: the solve block. */
  readonly declaration?: string;
}

/**
 * The user's problem does not give a solver what it needs; the message names the declarations.
 * @category Solvers and tracking
 */
export class SolverInputError extends Error {
  override readonly name = 'SolverInputError';
  /** Every problem found, with the declaration it concerns. */
  readonly problems: readonly SolverInputProblem[];
  /** @param problems - every problem found: a message naming the declaration, or a message with the declaration's name */
  constructor(problems: readonly (string | SolverInputProblem)[]) {
    const all = problems.map((p) => (typeof p === 'string' ? { message: p } : p));
    super(all.map((p) => p.message).join('\n'));
    this.problems = all;
  }

  /** The messages, one per problem. */
  get messages(): readonly string[] {
    return this.problems.map((p) => p.message);
  }
}
