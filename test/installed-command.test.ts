/**
 * The built `sgd` (packages/cli/bin/sgd.js running dist/, what `node_modules/.bin/sgd` and
 * `pnpm sgd` start): it is rebuilt when a source is newer, prints its version, resolves paths
 * against the caller's directory, and loads plugins from anywhere on disk with the command's own
 * `@sgdiff/core` and inversify. The build is brought up to date first (half a second), as every
 * start of the command in the repository does.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages/cli/bin/sgd.js');
const BUILDER = join(ROOT, 'packages/cli/build.mjs');

interface Builder {
  isStale(): boolean;
  ensureBuilt(): Promise<void>;
}

function sgd(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, ...options.env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let builder: Builder;
beforeAll(async () => {
  builder = (await import(BUILDER)) as Builder;
  await builder.ensureBuilt();
}, 60_000);

describe('the built command', () => {
  it('is rebuilt when its build is older than a source, and only then', async () => {
    expect(builder.isStale()).toBe(false);
    // An old stamp stands for a source edited after the build (the sources themselves are left alone).
    utimesSync(join(ROOT, 'packages/cli/dist/.built'), new Date(0), new Date(0));
    expect(builder.isStale()).toBe(true);
    await builder.ensureBuilt();
    expect(builder.isStale()).toBe(false);
  });

  it('prints the version of @sgdiff/cli', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    const r = sgd(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(version);
  });

  it('resolves a file against the directory it is started in', () => {
    const r = sgd(['check', 'least-squares.sgd'], { cwd: join(ROOT, 'examples') });
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^least-squares\.sgd: ok/);
  });

  it('under `pnpm sgd` (started at the workspace root) resolves against INIT_CWD, the caller’s directory', () => {
    const r = sgd(['check', 'least-squares.sgd'], { env: { npm_lifecycle_event: 'sgd', INIT_CWD: join(ROOT, 'examples') } });
    expect(r.out).toMatch(/^least-squares\.sgd: ok/);
  });
});

describe('worker threads of the built command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgd-workers-'));
  const file = join(dir, 'ls.sgd');
  writeFileSync(file, 'dim n = 6\ndata A : R[n, 2] ~ normal(0, 1)\ndata b : R[n] ~ normal(0, 1)\nvar x : R[2] = 0\nsample i ~ uniform(n)\nminimize f(x; i) = (A[i] . x - b[i])^2\nsolve sgd { iterations = 50  step = 0.05 }\n');
  const tree = (out: string, names: string[]): string[] => names.map((name) => readFileSync(join(out, name), 'utf8'));

  // Each executor starts its own worker module by name from dist/: a sweep once got the Monte Carlo one.
  it('runs a Monte Carlo on 2 workers with the bytes of 1', () => {
    const runs = [1, 2].map((w) => {
      const out = join(dir, `run-${w}`);
      const r = sgd(['run', file, '--runs', '4', '--workers', String(w), '--out', out]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      return tree(out, ['trace.csv', 'result.json']);
    });
    expect(runs[1]).toEqual(runs[0]);
  });

  it('runs a sweep on 2 workers with the bytes of 1', () => {
    const sweeps = [1, 2].map((w) => {
      const out = join(dir, `sweep-${w}`);
      const r = sgd(['sweep', file, '--grid', 'solve.step=0.01,0.02,0.05', '--runs', '2', '--workers', String(w), '--out', out]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      return tree(out, ['summary.csv', 'summary.json']);
    });
    expect(sweeps[1]).toEqual(sweeps[0]);
  });
});

describe('the forward-tracking thread of the built command', () => {
  // core.js starts it from its own directory: dist/forward-worker.mjs must be there and start.
  it('starts from dist/ and instantiates its kernel in the shared memory', () => {
    const script = `
      import { createRequire } from 'node:module';
      import { pathToFileURL } from 'node:url';
      const { ForwardThread, KernelMemory, loadBinaryen } = await import(${JSON.stringify(join(ROOT, 'packages/cli/dist/core.js'))});
      await loadBinaryen();
      const binaryenFile = createRequire(${JSON.stringify(join(ROOT, 'packages/core/package.json'))}).resolve('binaryen');
      const binaryen = (await import(pathToFileURL(binaryenFile).href)).default;
      // kernel(x, th, t, u, idx, count, out, h): out[0] = t[0] + u[0] + 1, a column of one entry.
      const text = '(module (import "env" "memory" (memory 1 65536 shared)) (func (export "kernel") (param i32 i32 i32 i32 i32 i32 i32 i32)' +
        ' (f64.store (local.get 6) (f64.add (f64.add (f64.load (local.get 2)) (f64.load (local.get 3))) (f64.const 1)))))';
      const parsed = binaryen.parseText(text);
      parsed.setFeatures(binaryen.Features.All);
      const memory = new KernelMemory();
      const worker = new ForwardThread(new WebAssembly.Module(parsed.emitBinary()), memory, 2, 1);
      const start = Date.now();
      while (!worker.ready && Date.now() - start < 20000) await new Promise((r) => setTimeout(r, 5));
      if (!worker.ready) throw new Error('the worker did not start');
      memory.end();
      console.log('ready');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ready');
  });

  it('runs forward tracking on wasm with threads = 2 and writes the bytes of threads = 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgd-threads-'));
    const file = join(dir, 'ls.sgd');
    writeFileSync(file, 'dim n = 40\ndata A : R[n, 8] ~ normal(0, 1)\nparam theta : R[n] ~ normal(0, 1)\nvar x : R[8] = 0\nsample i ~ uniform(n)\nminimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2\nsolve sgd { iterations = 500  step = 0.02  track = forward  backend = wasm }\n');
    const outs = [1, 2].map((threads) => {
      const out = join(dir, `threads-${threads}`);
      const r = sgd(['run', file, '--set', `solve.threads=${threads}`, '--out', out]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      return ['trace.csv', 'result.json'].map((name) => readFileSync(join(out, name), 'utf8'));
    });
    expect(outs[1]).toEqual(outs[0]);
  });
});

describe('plugins loaded by the built command from outside the repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgd-plugin-'));
  copyFileSync(join(ROOT, 'examples/plugins/heavy-ball.ts'), join(dir, 'heavy-ball.ts'));
  copyFileSync(join(ROOT, 'examples/plugins/heavy-ball.sgd'), join(dir, 'heavy-ball.sgd'));

  it('loads a TypeScript plugin with no node_modules or package.json next to it', () => {
    const r = sgd(['check', 'heavy-ball.sgd', '--plugin', './heavy-ball.ts'], { cwd: dir });
    expect(r.err).toBe('');
    expect(r.out).toMatch(/solver +heavy_ball/);
  });

  it('loads a JavaScript plugin the same way', () => {
    writeFileSync(join(dir, 'empty.js'), "import { ContainerModule } from 'inversify';\nimport { SOLVERS } from '@sgdiff/core';\nexport default new ContainerModule(({ bind }) => void SOLVERS && bind);\n");
    const r = sgd(['plugins', '--plugin', './empty.js'], { cwd: dir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('names what a wrong export is', () => {
    writeFileSync(join(dir, 'wrong.js'), "export const solver = { name: 'x' };\nexport default { name: 'x', stepMap: null };\n");
    const r = sgd(['plugins', '--plugin', './wrong.js'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(
      "--plugin ./wrong.js: error: the module must export an inversify ContainerModule as its default export or as 'plugin', but its 'default' export is an object with keys name, stepMap; its exports: default, solver",
    );
  });
});
