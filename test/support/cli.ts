/**
 * Running the `sgd` command in-process, as the end-to-end tests do: the exit code and what it
 * printed on each stream (lines joined by newlines).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@sgdiff/cli';

/** What one `sgd` command returned and printed. */
export interface CliOutcome {
  /** The exit code. */
  readonly code: number;
  /** Standard output. */
  readonly out: string;
  /** Standard error. */
  readonly err: string;
}

/** Runs `sgd ARGS...` in this process and collects its output. */
export async function sgd(...args: string[]): Promise<CliOutcome> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Writes `text` as `p.sgd` in a fresh temporary directory (named with `prefix`) and returns its path. */
export function sgdFile(text: string, prefix = 'sgd-test-'): string {
  const path = join(mkdtempSync(join(tmpdir(), prefix)), 'p.sgd');
  writeFileSync(path, text);
  return path;
}

/** The script that starts `sgd` from the sources as a process (`node SGD_FROM_SOURCES run …`; see `sgd-from-sources.mjs`), relative to the repository root. */
export const SGD_FROM_SOURCES = 'test/support/sgd-from-sources.mjs';
