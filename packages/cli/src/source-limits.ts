/**
 * Limits of reading and reporting a `.sgd` file, shared by every command that loads one: the
 * file's size, checked before it is read (the front end holds a few kilobytes per line, so a
 * file of hundreds of megabytes would exhaust memory before its first diagnostic), and how many
 * diagnostics are listed before the rest are only counted.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { formatByteSize, parseByteSize, sizeFlagAbove } from './byte-size.ts';
import { UserError } from './errors.ts';
import { parsePositiveInteger } from './flags.ts';

/** Default of `--max-file-size`: about 300,000 lines of typical declarations, checked in about 15 s. */
export const DEFAULT_MAX_FILE_SIZE = 8 * 2 ** 20;

/**
 * Default of `--max-errors`: diagnostics listed before the rest are counted.
 * @category CLI
 */
export const MAX_LISTED_DIAGNOSTICS = 50;

/**
 * The limits of loading one file.
 * @category CLI
 */
export interface SourceLimits {
  /** `--max-file-size`, in bytes. */
  readonly maxFileSize: number;
  /** `--max-errors`. */
  readonly maxErrors: number;
}

/**
 * The defaults, for callers without flags.
 * @category CLI
 */
export const DEFAULT_SOURCE_LIMITS: SourceLimits = { maxFileSize: DEFAULT_MAX_FILE_SIZE, maxErrors: MAX_LISTED_DIAGNOSTICS };

/** Adds `--max-file-size` and `--max-errors` to a command that loads a `.sgd` file. */
export function withSourceLimitOptions(command: Command): Command {
  return command
    .option('--max-file-size <size>', 'refuse a .sgd file larger than this before reading it (e.g. 64MiB)', parseByteSize, DEFAULT_MAX_FILE_SIZE)
    .option('--max-errors <n>', 'list at most this many diagnostics, then how many more there are', parsePositiveInteger, MAX_LISTED_DIAGNOSTICS);
}

/** Throws a {@link UserError} naming the limit and `--max-file-size` when `file` is larger than `limit` bytes (a missing file is left to the reader). */
export function checkFileSize(file: string, limit: number): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return;
  }
  if (size > limit) {
    throw new UserError(`${file}: error: the file is ${formatByteSize(size)}, over the limit of ${formatByteSize(limit)} for a .sgd file; raise it with --max-file-size ${sizeFlagAbove(size)}`);
  }
}
