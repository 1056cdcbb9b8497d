/**
 * `--out DIR`: checked before any work, written atomically. Files go to a fresh sibling
 * directory that is renamed to DIR at the end, so DIR is either absent or complete.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';

/** Fails unless DIR can be created (or is an empty directory) in a writable parent, which is created when missing (`--out out/run1` in a fresh clone). */
export function checkOutDir(dir: string): void {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new UserError(`--out ${dir}: error: a file with that name exists`);
    if (readdirSync(target).length > 0) throw new UserError(`--out ${dir}: error: the directory exists and is not empty`);
  }
  const parent = dirname(target);
  try {
    mkdirSync(parent, { recursive: true });
    // access(2) grants root W_OK even where nothing can be created (/proc): probe by creating a directory.
    rmdirSync(mkdtempSync(join(parent, `.${basename(target)}.probe-`)));
  } catch {
    throw new UserError(`--out ${dir}: error: cannot write in ${parent}`);
  }
}

/** Writes `files` (name → content, or content in pieces for a file too large for one string) as the directory `dir`, all at once. */
export function writeOutDir(dir: string, files: Readonly<Record<string, string | Iterable<string>>>): void {
  const target = resolve(dir);
  let staging: string | undefined;
  try {
    staging = mkdtempSync(join(dirname(target), `.${basename(target)}.partial-`));
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === 'string') writeFileSync(join(staging, name), content);
      else writePieces(join(staging, name), content);
    }
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
  } catch (error) {
    if (staging) rmSync(staging, { recursive: true, force: true });
    throw new UserError(`--out ${dir}: error: cannot write the results: ${(error as Error).message}`);
  }
}

function writePieces(path: string, pieces: Iterable<string>): void {
  const fd = openSync(path, 'w');
  try {
    for (const piece of pieces) writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
}
