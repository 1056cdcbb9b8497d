/**
 * The worker's side of a job's payload: the spec's text and the data files, fetched from Redis
 * by hash and checked against it. Data files are kept in a per-user cache directory under their
 * hash, so a worker downloads each file once.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { sha256 } from './payload.ts';
import { blobKey, type DataFileRef } from './protocol.ts';

/** A blob missing or corrupt in Redis: the job cannot run anywhere (it is failed, not retried). */
export class MissingBlobError extends Error {
  override readonly name = 'MissingBlobError';
}

/** The blob `hash`, checked. */
async function getBlob(redis: Redis, hash: string, what: string): Promise<Buffer> {
  const bytes = await redis.getBuffer(blobKey(hash));
  if (!bytes) throw new MissingBlobError(`${what} ${hash.slice(0, 12)} is no longer in Redis (expired or deleted); submit again`);
  if (sha256(bytes) !== hash) throw new MissingBlobError(`${what} ${hash.slice(0, 12)} in Redis does not match its hash`);
  return bytes;
}

/** Specs' texts by hash, the most recent few (a worker meets the same cells again and again). */
export class SpecCache {
  private readonly texts = new Map<string, string>();

  /** @param redis - the worker's connection */
  constructor(private readonly redis: Redis) {}

  /** The text of spec `hash`. */
  async get(hash: string): Promise<string> {
    const hit = this.texts.get(hash);
    if (hit !== undefined) return hit;
    const text = (await getBlob(this.redis, hash, 'the job spec')).toString('utf8');
    if (this.texts.size >= 16) this.texts.delete(this.texts.keys().next().value as string);
    this.texts.set(hash, text);
    return text;
  }
}

/** The directory of the worker's data files. */
function dataCacheDir(): string {
  const dir = join(tmpdir(), `sgd-queue-data-${userInfo().uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The local files of a spec's data files, by the path the source writes. */
export async function localDataFiles(redis: Redis, data: readonly DataFileRef[]): Promise<Record<string, string>> {
  const local: Record<string, string> = {};
  for (const file of data) {
    const path = join(dataCacheDir(), file.hash);
    if (!existsSync(path)) {
      const bytes = await getBlob(redis, file.hash, `the data file ${file.path}`);
      // Written whole or not at all: two threads or workers may fetch the same file.
      const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(temporary, bytes);
      renameSync(temporary, path);
    }
    local[file.path] = path;
  }
  return local;
}
