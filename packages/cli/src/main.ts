/** Runs the `sgd` program on an argument list and turns every failure into a message and an exit code. */
import { CommanderError } from 'commander';
import type { PluginRegistry } from '@sgdiff/core';
import { UserError } from './errors.ts';
import { buildProgram, type Output } from './program.ts';

/**
 * Runs `sgd` with `args` (without the node and script paths).
 * @example Run a file from TypeScript and read its result (test/doc-examples.test.ts runs this):
 * ```ts
 * import { runCli, type RunDocument } from '@sgdiff/cli';
 *
 * const out: string[] = [];
 * const code = await runCli(['run', 'examples/least-squares.sgd', '--set', 'solve.iterations=200', '--json'], {
 *   out: (text) => out.push(text),
 *   err: (text) => console.error(text),
 * });
 * const result = JSON.parse(out.join('\n')) as RunDocument;
 * console.log(code, result.final.distance); // 0 and ‖x_200 − x*‖
 * ```
 * @returns the exit code: 0 success, 1 a user mistake (bad file or flags), 2 a run that
 *   diverged, 69 the queue's Redis unreachable (`--queue`), 70 an internal error
 * @category CLI
 */
export async function runCli(args: readonly string[], io: Output, registry?: PluginRegistry): Promise<number> {
  try {
    await buildProgram(io, registry).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests end through exitOverride too, with exit code 0.
      return error.exitCode === 0 ? 0 : 1;
    }
    if (error instanceof UserError) {
      io.err(error.message);
      return error.exitCode;
    }
    const detail = process.env.SGD_DEBUG ? (error as Error).stack : (error as Error).message;
    io.err(`sgd: internal error: ${detail}\n(this is a bug in sgdiff, not in your file; SGD_DEBUG=1 shows the stack)`);
    return 70;
  }
}
