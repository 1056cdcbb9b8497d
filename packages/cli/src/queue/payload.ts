/**
 * The submitter's side of a job's payload: the data files a source names (found by checking it
 * with a path resolver that records them), and the upload of the spec and those files into Redis
 * under their SHA-256, each under the size limit.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { PluginRegistry } from '@sgdiff/core';
import { compileSgd } from '@sgdiff/dsl';
import { UserError } from '../errors.ts';
import { checkEnvironment } from '../load.ts';
import type { RunJob } from '../run/job.ts';
import { encode } from './codec.ts';
import { BLOB_TTL_SECONDS, blobKey, portableFileName, SGD_VERSION, type DataFileRef, type JobSpec } from './protocol.ts';

/** The default largest blob (a spec or one data file) sent through Redis: 64 MiB. */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

/** SHA-256 of `bytes`, hex. */
export function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `bytes` in the unit a reader expects (B, KiB, MiB). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The data files `source` reads: each path as written, with the file it resolves to on this machine. */
function dataFilesOf(job: RunJob, registry: PluginRegistry): Map<string, string> {
  const found = new Map<string, string>();
  const environment = checkEnvironment(registry, job.file);
  const resolvePath = environment.resolvePath;
  if (!resolvePath) return found;
  compileSgd(job.source, job.file, {
    ...environment,
    resolvePath: (path) => {
      const resolved = resolvePath(path);
      found.set(path, resolved);
      return resolved;
    },
  });
  return found;
}

/** Stores `text` or `bytes` under its hash unless Redis has it (then only its expiry is renewed). */
async function putBlob(redis: Redis, hash: string, contents: string | Buffer): Promise<void> {
  const key = blobKey(hash);
  if ((await redis.expire(key, BLOB_TTL_SECONDS)) === 1) return;
  await redis.set(key, contents, 'EX', BLOB_TTL_SECONDS);
}

/** Fails when `bytes` is over `limit`, naming `what` and the flag that raises the limit. */
function checkSize(what: string, bytes: number, limit: number): void {
  if (bytes > limit) {
    throw new UserError(`${what}: error: ${formatBytes(bytes)} is over the queue's payload limit of ${formatBytes(limit)} per blob; raise it with --max-payload, or keep the data smaller`);
  }
}

/**
 * Uploads the spec of `job` (its data files first) and returns the spec's hash; throws a
 * {@link UserError} when the spec or a data file is over `limit` bytes, before anything is queued.
 */
export async function uploadSpec(redis: Redis, job: RunJob, registry: PluginRegistry, limit: number): Promise<string> {
  const data: DataFileRef[] = [];
  const files: Array<{ hash: string; bytes: Buffer }> = [];
  for (const [path, resolved] of dataFilesOf(job, registry)) {
    checkSize(`${job.file}: data file ${path}`, statSync(resolved).size, limit);
    const bytes = readFileSync(resolved);
    const hash = sha256(bytes);
    data.push({ path, hash, bytes: bytes.length });
    files.push({ hash, bytes });
  }
  const spec: JobSpec = { ...job, file: portableFileName(job.file), version: SGD_VERSION, data };
  const text = encode(spec);
  checkSize(`${job.file}: job spec (source, instance reference)`, Buffer.byteLength(text), limit);
  for (const file of files) await putBlob(redis, file.hash, file.bytes);
  const hash = sha256(text);
  await putBlob(redis, hash, text);
  return hash;
}
