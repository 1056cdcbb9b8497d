/**
 * A problem a solver cannot solve as written, found when its step map is built or its instance
 * checked (a declaration it reads is missing, or drawn values it needs are out of range): a
 * mistake in the user's file, reported with the file's name and never as an internal error.
 */

/**
 * The user's problem does not give a solver what it needs; the message names the declarations.
 * @category Solvers and tracking
 */
export class SolverInputError extends Error {
  override readonly name = 'SolverInputError';
  /** @param messages - every problem found, each naming the declaration it concerns */
  constructor(readonly messages: readonly string[]) {
    super(messages.join('\n'));
  }
}
