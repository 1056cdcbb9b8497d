/**
 * Connecting to the queue's Redis with a bounded wait: an unreachable server is one line and
 * exit code {@link QUEUE_UNAVAILABLE}, never a hang. Once connected, a dropped connection is
 * retried (Redis restarting does not stop a worker or a submitter).
 */
import type { Redis } from 'ioredis';
import { UserError } from '../errors.ts';
import type { QueueAddress } from './url.ts';

/** Exit code when the queue's Redis cannot be reached (sysexits' EX_UNAVAILABLE). */
export const QUEUE_UNAVAILABLE = 69;

/** How long a first connection is attempted before giving up, in ms. */
export const CONNECT_TIMEOUT_MS = 5000;

/** Opens a connection to `address`, retrying for at most `timeoutMs`; throws a {@link UserError} (exit code 69) when it cannot. */
export async function openRedis(address: QueueAddress, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const deadline = Date.now() + timeoutMs;
  let connected = false;
  let lastError = 'no answer';
  const redis = new Redis({
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username ? { username: address.username } : {}),
    ...(address.password ? { password: address.password } : {}),
    ...(address.tls ? { tls: { servername: address.host } } : {}),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // BullMQ's workers block on Redis: their commands must wait for a reconnection, not fail.
    maxRetriesPerRequest: null,
    // Before the first connection: retry until the deadline; after it, back off up to 2 s, forever.
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : Date.now() + 250 < deadline ? 250 : null),
  });
  // Errors surface through connect() below or through the commands; the event must have a listener.
  redis.on('error', (error: Error) => (lastError = error.message));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(lastError)), timeoutMs);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      redis.once('end', () => {
        clearTimeout(timer);
        reject(new Error(lastError));
      });
      redis.connect().catch((error: Error) => (lastError = error.message));
    });
  } catch (error) {
    redis.disconnect();
    throw new UserError(`--queue ${address.shown}: error: cannot reach Redis within ${timeoutMs / 1000} s (${(error as Error).message})`, QUEUE_UNAVAILABLE);
  }
  connected = true;
  return redis;
}
