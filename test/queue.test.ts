/**
 * `sgd run --queue` and `sgd sweep --queue` against a real redis-server, with `sgd worker`
 * processes of the built command: the same bytes as the local run with two workers (and with a
 * data file sent through Redis to a worker in another directory), a worker SIGKILLed mid-run
 * (its job is restarted by the other, the result is still exact), an interrupted submitter
 * re-attached with --resume, a failure of the problem recorded once, and the bad inputs: Redis
 * unreachable, a malformed URL, a payload over the limit, a job of another sgdiff version.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sgd } from './support/cli.ts';
import { freePort, SGD_BIN, startRedis, startWorker, waitFor, type RedisServer, type WorkerProcess } from './support/redis-server.ts';

/** Least squares with a tracked Jacobian: a few hundred milliseconds per run. */
const PROGRAM = (iterations: number): string => `dim n = 20
dim d = 5
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
solve sgd { iterations = ${iterations}  step = 1 / (mu * (k + 8 * kappa^2))  track = forward }
report every log 30 { suboptimality, distance, jacobian_error }
`;

/** The same problem with A read from a CSV file next to it. */
const FROM_CSV = PROGRAM(300).replace('data A : R[n, d] ~ normal(0, 1)', 'data A : R[n, d] from csv(file = "A.csv")');

/** A 20 × 5 matrix of full rank as CSV (a hash-like sequence in [−2, 2]), 949 bytes. */
const A_CSV =
  Array.from({ length: 20 }, (_, i) => Array.from({ length: 5 }, (_, j) => (((Math.sin((i * 5 + j + 1) * 12.9898) * 43758.5453) % 1) * 2).toFixed(6)).join(',')).join('\n') + '\n';

let redis: RedisServer;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  redis.cli('FLUSHALL');
});
afterAll(async () => {
  await redis?.stop();
});

/** Starts a worker and stops it after the test. */
async function worker(args: readonly string[] = [], cwd?: string): Promise<WorkerProcess> {
  const started = await startWorker(redis.url, args, cwd);
  workers.push(started);
  return started;
}

/** A fresh directory with `p.sgd` holding `program` (and any other files). */
function problemDir(program: string, files: Record<string, string> = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sgd-queue-'));
  writeFileSync(join(dir, 'p.sgd'), program);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, file: join(dir, 'p.sgd') };
}

/** The files of an --out directory, by name. */
function read(dir: string, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

/** How many lines of `log` contain `text`. */
function lines(log: string, text: string): number {
  return log.split('\n').filter((line) => line.includes(text)).length;
}

const RUN_FILES = ['trace.csv', 'result.json', 'instance.json'];

describe('sgd run and sgd sweep on a Redis queue', () => {
  it('sgd run --queue with 2 worker processes writes the bytes of the local run', async () => {
    const { dir, file } = problemDir(PROGRAM(400));
    const [a, b] = await Promise.all([worker(), worker()]);
    const local = await sgd('run', file, '--runs', '6', '--seed', '5', '--out', join(dir, 'local'));
    expect(local.code, local.err).toBe(0);
    const queued = await sgd('run', file, '--runs', '6', '--seed', '5', '--out', join(dir, 'queued'), '--queue', redis.url);
    expect(queued.code, queued.err).toBe(0);
    expect(read(join(dir, 'queued'), RUN_FILES)).toEqual(read(join(dir, 'local'), RUN_FILES));
    expect(queued.out).toBe(local.out.replaceAll('local', 'queued'));
    // Six runs, each done once, spread over both processes.
    expect(lines(a.log(), ' done in ') + lines(b.log(), ' done in ')).toBe(6);
    expect(lines(a.log(), ' done in ')).toBeGreaterThan(0);
    expect(lines(b.log(), ' done in ')).toBeGreaterThan(0);
    // The submission's jobs are removed once merged.
    expect(redis.cli('KEYS', 'sgd:sgd-runs:*-0')).toBe('');
  });

  it('sgd sweep --queue writes the summary and the cells of the local sweep', async () => {
    const { dir, file } = problemDir(PROGRAM(300));
    await Promise.all([worker(), worker()]);
    const args = ['sweep', file, '--grid', 'solve.iterations=100,300', '--grid', 'sample.batch=1,2', '--runs', '2', '--seed', '1'];
    const local = await sgd(...args, '--out', join(dir, 'local'));
    expect(local.code, local.err).toBe(0);
    const queued = await sgd(...args, '--out', join(dir, 'queued'), '--queue', redis.url);
    expect(queued.code, queued.err).toBe(0);
    const cells = readdirSync(join(dir, 'local', 'cells')).sort();
    expect(cells).toHaveLength(4);
    const files = ['summary.csv', 'summary.json', ...cells.flatMap((c) => [`cells/${c}/result.json`, `cells/${c}/instance.json`])];
    expect(read(join(dir, 'queued'), files)).toEqual(read(join(dir, 'local'), files));
    expect(readFileSync(join(dir, 'local', 'summary.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(1 + 4 * 2);
  });

  it('a data file travels through Redis to a worker in another directory, with the same result', async () => {
    const { dir, file } = problemDir(FROM_CSV, { 'A.csv': A_CSV });
    await worker([], mkdtempSync(join(tmpdir(), 'sgd-elsewhere-')));
    const local = await sgd('run', file, '--runs', '2', '--out', join(dir, 'local'));
    expect(local.code, local.err).toBe(0);
    const queued = await sgd('run', file, '--runs', '2', '--out', join(dir, 'queued'), '--queue', redis.url);
    expect(queued.code, queued.err).toBe(0);
    expect(read(join(dir, 'queued'), RUN_FILES)).toEqual(read(join(dir, 'local'), RUN_FILES));
  });

  it('a worker SIGKILLed mid-run: the other restarts its job and the result is exact', async () => {
    const { dir, file } = problemDir(PROGRAM(200000));
    const fast = ['--lock-duration', '1000', '--stalled-interval', '300'];
    const local = await sgd('run', file, '--runs', '2', '--seed', '2', '--out', join(dir, 'local'));
    expect(local.code, local.err).toBe(0);
    const victim = await worker(fast);
    const submitted = sgd('run', file, '--runs', '2', '--seed', '2', '--out', join(dir, 'queued'), '--queue', redis.url);
    await waitFor('a job to start', () => redis.cli('LLEN', 'sgd:sgd-runs:active') === '1');
    victim.child.kill('SIGKILL');
    const survivor = await worker(fast);
    const queued = await submitted;
    expect(queued.code, queued.err).toBe(0);
    expect(queued.err).toMatch(/1 restarted after a worker stopped/);
    expect(lines(victim.log(), ' done in ')).toBe(0);
    expect(lines(survivor.log(), ' done in ')).toBe(2);
    expect(read(join(dir, 'queued'), RUN_FILES)).toEqual(read(join(dir, 'local'), RUN_FILES));
  });

  it('an interrupted submitter keeps its jobs; a second submission is refused without --resume and re-attaches with it', async () => {
    const { dir, file } = problemDir(PROGRAM(400));
    const args = ['run', file, '--runs', '4', '--seed', '7', '--queue', redis.url];
    const submitter = spawn(process.execPath, [SGD_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    submitter.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => submitter.once('exit', (code) => resolve(code)));
    await waitFor('four jobs on the queue', () => redis.cli('LLEN', 'sgd:sgd-runs:wait') === '4', 30000);
    submitter.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toMatch(/interrupted; 0 of 4 jobs done, the others stay on the queue: rerun the same command with --resume/);
    await worker(['--concurrency', '2']);
    await waitFor('the four jobs to finish', () => redis.cli('ZCARD', 'sgd:sgd-runs:completed') === '4');
    const again = await sgd(...args);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/4 of the 4 jobs of this run are already on the queue .*add --resume/);
    const resumed = await sgd(...args, '--resume', '--out', join(dir, 'resumed'));
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/4 jobs on redis:\/\/127\.0\.0\.1:\d+, 4 already done before --resume/);
    const local = await sgd('run', file, '--runs', '4', '--seed', '7', '--out', join(dir, 'local'));
    expect(local.code, local.err).toBe(0);
    expect(read(join(dir, 'resumed'), RUN_FILES)).toEqual(read(join(dir, 'local'), RUN_FILES));
  });

  it('a failure of the problem on the worker is reported as a local run reports it, and recorded once', async () => {
    // The plugin path is relative: this worker, started elsewhere, cannot load it.
    const elsewhere = await worker([], mkdtempSync(join(tmpdir(), 'sgd-elsewhere-')));
    const failed = await sgd('run', 'examples/plugins/heavy-ball.sgd', '--plugin', './examples/plugins/heavy-ball.ts', '--set', 'solve.iterations=100', '--queue', redis.url);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/^--plugin \.\/examples\/plugins\/heavy-ball\.ts: error: cannot load the plugin/m);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(lines(elsewhere.log(), 'failed (not retried)')).toBe(1);
  });

  it('Redis unreachable: one line and exit code 69 within the connect timeout', async () => {
    const { file } = problemDir(PROGRAM(100));
    const closed = await freePort();
    const started = performance.now();
    const result = await sgd('run', file, '--queue', `redis://127.0.0.1:${closed}`);
    const seconds = (performance.now() - started) / 1000;
    expect(result.code).toBe(69);
    expect(result.err).toMatch(new RegExp(`^--queue redis://127\\.0\\.0\\.1:${closed}: error: cannot reach Redis within 5 s \\(.*ECONNREFUSED.*\\)$`));
    expect(seconds).toBeLessThan(8);
  });

  it('malformed queue URLs are refused before anything runs, naming the part', async () => {
    const { file } = problemDir(PROGRAM(100));
    const cases: Array<[string, RegExp]> = [
      ['localhost:6379', /--queue localhost:6379: error: the scheme is 'localhost', not redis or rediss/],
      ['http://127.0.0.1:6379', /the scheme is 'http', not redis or rediss/],
      ['redis://127.0.0.1:notaport', /the port 'notaport' is not a number in 1\.\.65535/],
      ['redis://127.0.0.1:70000', /the port '70000' is not a number in 1\.\.65535/],
      ['redis://127.0.0.1:6379/db', /the database 'db' is not a number/],
      ['redis://', /not a URL|no host/],
    ];
    for (const [url, message] of cases) {
      const result = await sgd('run', file, '--queue', url);
      expect(result.code, url).toBe(1);
      expect(result.err, url).toMatch(message);
      expect(result.err, url).toMatch(/expected redis:\/\/HOST:PORT\[\/DB\]/);
    }
    const password = await sgd('worker', '--queue', 'redis://:secret@127.0.0.1:6379/x');
    expect(password.err).toMatch(/--queue redis:\/\/:\*\*\*@127\.0\.0\.1:6379\/x: error/);
    expect(password.err).not.toMatch(/secret/);
  });

  it('a data file over --max-payload is refused before anything is queued', async () => {
    const { file } = problemDir(FROM_CSV, { 'A.csv': A_CSV });
    const result = await sgd('run', file, '--queue', redis.url, '--max-payload', '900');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^\S*p\.sgd: data file A\.csv: error: 949 B is over the queue's payload limit of 900 B per blob; raise it with --max-payload/);
    expect(result.err.split('\n')).toHaveLength(1);
    expect(redis.cli('KEYS', 'sgd:*')).toBe('');
  });

  it('a worker of another sgdiff version refuses the job and leaves it on the queue', async () => {
    const connection = new Redis({ port: redis.port, maxRetriesPerRequest: null });
    const queue = new Queue('sgd-runs', { connection, prefix: 'sgd' });
    try {
      await queue.add('run', { version: '0.0.0-other', spec: 'f'.repeat(64), cell: 0, run: 0, file: 'p.sgd' }, { jobId: 'other-version-0' });
      const w = await worker();
      await waitFor('the refusal', () => w.log().includes('refused'));
      expect(w.log()).toMatch(/refused job other-version-0 \(p\.sgd, cell 0, run 0\): it was submitted by sgdiff 0\.0\.0-other, this worker is sgdiff \d+\.\d+\.\d+; it stays on the queue/);
      expect(await queue.getJobState('other-version-0')).toMatch(/^(delayed|waiting)$/);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
