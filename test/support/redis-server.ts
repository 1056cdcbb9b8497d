/**
 * A real `redis-server` for the queue tests: on a free loopback port, in a temporary directory,
 * without persistence; and `sgd worker` processes of the built command, with their stderr kept.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built `sgd` command (as installed: dist/, with its worker threads). */
export const SGD_BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'sgd.js');

/** A free TCP port on 127.0.0.1 (free when asked; nothing else on this machine binds ports at random in the tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running Redis server and how to talk to it. */
export interface RedisServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Runs a command with redis-cli and returns its output, trimmed. */
  cli(...args: string[]): string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Starts `redis-server` and waits until it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sgd-redis-'));
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const cli = (...args: string[]): string => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
  for (let attempt = 0; cli('PING') !== 'PONG'; attempt++) {
    if (attempt > 100) throw new Error('redis-server did not start');
    await sleep(50);
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cli,
    stop: async () => {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs`, saying what was awaited. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** An `sgd worker` process. */
export interface WorkerProcess {
  /** The process. */
  readonly child: ChildProcess;
  /** What it printed on stderr so far. */
  readonly log: () => string;
  /** Stops it (SIGTERM: it finishes its runs in progress) and waits for its exit. */
  stop(): Promise<void>;
}

/** Starts `sgd worker --queue URL ARGS...` in `cwd` and waits until it listens for jobs. */
export async function startWorker(url: string, args: readonly string[] = [], cwd?: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [SGD_BIN, 'worker', '--queue', url, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitFor('the worker to listen', () => log.includes('waiting for jobs') || child.exitCode !== null, 30000);
  if (child.exitCode !== null) throw new Error(`sgd worker exited: ${log}`);
  return {
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
