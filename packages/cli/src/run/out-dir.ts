/**
 * `--out DIR`: checked before any work, written atomically. Files go to a fresh sibling
 * staging directory `.DIR.partial-<pid>-XXXXXX`, each to a temporary name renamed when
 * complete, then `manifest.json` (every file's size and SHA-256, and the run's identity), and
 * last the staging directory is renamed to DIR: DIR is either absent or complete. A run killed
 * before that rename leaves its staging directory behind; the next run writing next to it
 * removes it once the process that made it is gone.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';

/** The file listing what a complete `--out` directory holds; written after every other file. */
export const MANIFEST = 'manifest.json';

/** `manifest.json`: the files of one complete run. */
export interface Manifest {
  /** SHA-256 of the sorted `name size sha256` lines: the same outputs give the same identity. */
  readonly run: string;
  /** Every other file of the directory, by name, sorted. */
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

/** Fails unless DIR can be created (or is an empty directory) in a writable parent; removes stale staging directories of DIR. */
export function checkOutDir(dir: string): void {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new UserError(`--out ${dir}: error: a file with that name exists`);
    if (readdirSync(target).length > 0) throw new UserError(`--out ${dir}: error: the directory exists and is not empty`);
  }
  const parent = dirname(target);
  try {
    // access(2) grants root W_OK even where nothing can be created (/proc): probe by creating a directory.
    rmdirSync(mkdtempSync(join(parent, `.${basename(target)}.probe-`)));
  } catch {
    throw new UserError(`--out ${dir}: error: cannot write in ${parent}`);
  }
  removeStaleStaging(target);
}

/** The manifest of `files` (name → content). */
export function manifestOf(files: Readonly<Record<string, string>>): Manifest {
  const entries = Object.keys(files)
    .sort()
    .map((name) => [name, { bytes: Buffer.byteLength(files[name]), sha256: sha256(files[name]) }] as const);
  const run = sha256(entries.map(([name, f]) => `${name} ${f.bytes} ${f.sha256}\n`).join(''));
  return { run, files: Object.fromEntries(entries) };
}

/** Writes `files` (name → content) and their `manifest.json` as the directory `dir`, all at once. */
export function writeOutDir(dir: string, files: Readonly<Record<string, string>>): void {
  const target = resolve(dir);
  let staging: string | undefined;
  try {
    staging = mkdtempSync(join(dirname(target), `${stagingPrefix(target)}${process.pid}-`));
    for (const [name, content] of Object.entries(files)) writeRenamed(staging, name, content);
    writeRenamed(staging, MANIFEST, `${JSON.stringify(manifestOf(files), null, 2)}\n`);
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
  } catch (error) {
    if (staging) rmSync(staging, { recursive: true, force: true });
    throw new UserError(`--out ${dir}: error: cannot write the results: ${(error as Error).message}`);
  }
}

/** Writes `name` under a temporary name first, so no reader ever sees it half written. */
function writeRenamed(dir: string, name: string, content: string): void {
  const temporary = join(dir, `.${name}.tmp`);
  writeFileSync(temporary, content);
  renameSync(temporary, join(dir, name));
}

function stagingPrefix(target: string): string {
  return `.${basename(target)}.partial-`;
}

/** Removes staging directories of `target` whose process has exited (a run killed before its final rename). */
function removeStaleStaging(target: string): void {
  const prefix = stagingPrefix(target);
  for (const name of readdirSync(dirname(target))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    rmSync(join(dirname(target), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
