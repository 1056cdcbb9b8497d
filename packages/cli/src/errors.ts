/** Errors the CLI reports as plain messages (never with a stack trace), with their exit codes. */

/**
 * A mistake in the user's input (file, flags): the message is shown as is, exit code 1.
 * @category CLI
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** @param message - complete, user-facing text (may span lines) */
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
