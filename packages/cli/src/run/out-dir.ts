/**
 * `--out DIR`: checked before any work, written atomically. Files go to a fresh sibling
 * staging directory, each under a temporary name renamed when complete, then `manifest.json`;
 * the staging directory is renamed to DIR at the end, so DIR is either absent or complete.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';

/**
 * The file listing what a complete `--out` directory holds; written after every other file.
 * @category CLI
 */
export const MANIFEST = 'manifest.json';

/**
 * One file of a manifest: its size and SHA-256.
 * @category CLI
 */
export interface ManifestEntry {
  /** Size in bytes. */
  readonly bytes: number;
  /** SHA-256 of the content, hex. */
  readonly sha256: string;
}

/**
 * `manifest.json`: the files of one complete run.
 * @category CLI
 */
export interface Manifest {
  /** SHA-256 of the sorted `name size sha256` lines: the same outputs give the same identity. */
  readonly run: string;
  /** Every other file of the directory, by name, sorted. */
  readonly files: Readonly<Record<string, ManifestEntry>>;
}

/**
 * A file's content: one string, or pieces for a file too large for one string (a large `instance.json`).
 * @category CLI
 */
export type OutFileContent = string | Iterable<string>;

/**
 * Fails unless DIR can be created (or is an empty directory) in a writable parent, which is created when missing (`--out out/run1` in a fresh clone); removes stale staging directories of DIR.
 * @category CLI
 */
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
  removeStaleStaging(target);
}

/** The manifest of files already written, from their entries. */
function manifestFrom(entries: ReadonlyArray<readonly [string, ManifestEntry]>): Manifest {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const run = sha256(sorted.map(([name, f]) => `${name} ${f.bytes} ${f.sha256}\n`).join(''));
  return { run, files: Object.fromEntries(sorted) };
}

/**
 * The manifest of `files` (name → content).
 * @category CLI
 */
export function manifestOf(files: Readonly<Record<string, OutFileContent>>): Manifest {
  return manifestFrom(
    Object.entries(files).map(([name, content]) => {
      const hash = createHash('sha256');
      let bytes = 0;
      for (const piece of typeof content === 'string' ? [content] : content) {
        hash.update(piece);
        bytes += Buffer.byteLength(piece);
      }
      return [name, { bytes, sha256: hash.digest('hex') }] as const;
    }),
  );
}

/**
 * Writes `files` (name → content) and their `manifest.json` as the directory `dir`, all at once.
 * @category CLI
 */
export function writeOutDir(dir: string, files: Readonly<Record<string, OutFileContent>>): void {
  const target = resolve(dir);
  let staging: string | undefined;
  try {
    staging = mkdtempSync(join(dirname(target), `${stagingPrefix(target)}${process.pid}-`));
    const where = staging;
    const entries = Object.entries(files).map(([name, content]) => [name, writeRenamed(where, name, content)] as const);
    writeRenamed(staging, MANIFEST, `${JSON.stringify(manifestFrom(entries), null, 2)}\n`);
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
  } catch (error) {
    if (staging) rmSync(staging, { recursive: true, force: true });
    throw new UserError(`--out ${dir}: error: cannot write the results: ${(error as Error).message}`);
  }
}

/** Writes `name` under a temporary name first, so no reader ever sees it half written; returns its size and hash. */
function writeRenamed(dir: string, name: string, content: OutFileContent): ManifestEntry {
  const temporary = join(dir, `.${name}.tmp`);
  const hash: Hash = createHash('sha256');
  let bytes = 0;
  const fd = openSync(temporary, 'w');
  try {
    for (const piece of typeof content === 'string' ? [content] : content) {
      writeSync(fd, piece);
      hash.update(piece);
      bytes += Buffer.byteLength(piece);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, join(dir, name));
  return { bytes, sha256: hash.digest('hex') };
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
