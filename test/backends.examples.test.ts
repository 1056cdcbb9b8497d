/**
 * The two kernel backends agree on every example: `sgd derive --eval` (F, ∇ₓF, ∇²ₓₓF, ∇²ₓθF at
 * the start, through the problem's kernels) and a short `sgd run` (the step, forward-tracking,
 * reverse and start kernels of the solver, through `x`, `jacobian` and any
 * hypergradients of result.json) give the same numbers on `--backend js` and `--backend wasm`.
 *
 * Agreement criterion, per array (a block, a var's iterate, a Jacobian block, a hypergradient):
 *   max |wasm − js| ≤ 1e-12 · max(|js|)
 * i.e. relative to the array's largest entry. The WebAssembly backend adds sums in two lanes
 * (another order than JavaScript's), so an entry that is itself a cancellation of much larger
 * terms can differ in relative terms by more than 1e-12; relative to its array it cannot.
 *
 * Also: `--backend wasm` on a problem whose run would exceed WebAssembly's 4 GiB is refused with
 * its size before anything is allocated.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '@sgdiff/cli';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOLERANCE = 1e-12;
/** Steps of the short runs: enough to go through every kernel of the solver many times. */
const ITERATIONS = 40;

function examples(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return examples(path);
    return name.endsWith('.sgd') ? [relative(ROOT, path)] : [];
  });
}

async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Every numeric array of a JSON document, by path (a number alone is an array of one). */
function arrays(value: unknown, path = '', into = new Map<string, number[]>()): Map<string, number[]> {
  if (typeof value === 'number') into.set(path, [value]);
  else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) into.set(path, value as number[]);
  else if (Array.isArray(value)) value.forEach((v, k) => arrays(v, `${path}[${k}]`, into));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) arrays(v, `${path}.${k}`, into);
  return into;
}

function expectAgreement(js: unknown, wasm: unknown, what: string): void {
  const a = arrays(js);
  const b = arrays(wasm);
  expect([...b.keys()], what).toEqual([...a.keys()]);
  for (const [path, left] of a) {
    const right = b.get(path)!;
    const scale = Math.max(...left.map(Math.abs));
    const worst = Math.max(0, ...left.map((v, k) => Math.abs(v - right[k]!)));
    expect(worst, `${what} ${path}: max |wasm − js| = ${worst}, scale ${scale}`).toBeLessThanOrEqual(TOLERANCE * scale);
  }
}

describe('the js and wasm backends agree on every example', () => {
  // Examples that need a plugin module (a solver, a data source) are run by their own tests. The
  // full-size ones (MNIST, d = 784 and n = 5 000; `large/`, d = 20 000) are left out: their
  // `derive --eval` builds the Hessian ∇²ₓₓF over every sample, minutes per backend (measured:
  // 246 s for mnist-one-lambda-batch under load), and their kernels use the operators the
  // smaller examples already compare.
  const FULL_SIZE = /^examples\/(large\/|hypergradients\/mnist-)/;
  const files = examples(join(ROOT, 'examples')).filter(
    (f) => !f.includes('plugins/') && !FULL_SIZE.test(f) && !/orthonormal/.test(readFileSync(join(ROOT, f), 'utf8')),
  );
  const solved = files.filter((f) => /^solve /m.test(readFileSync(join(ROOT, f), 'utf8')));

  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(18);
  });

  it.each(files)('%s: sgd derive --eval', async (file) => {
    // One after the other: the backend is chosen per process (setKernelBackend).
    const js = await cli(['derive', join(ROOT, file), '--eval', '--json', '--seed', '3', '--backend', 'js']);
    const wasm = await cli(['derive', join(ROOT, file), '--eval', '--json', '--seed', '3', '--backend', 'wasm']);
    expect(js.code, js.err).toBe(0);
    expect(wasm.code, wasm.err).toBe(0);
    expectAgreement(JSON.parse(js.out), JSON.parse(wasm.out), file);
  }, 300_000);

  it.each(solved)('%s: a short sgd run', async (file) => {
    const results = [];
    for (const backend of ['js', 'wasm']) {
      const r = await cli(['run', join(ROOT, file), '--json', '--seed', '3', '--set', `solve.iterations=${ITERATIONS}`, '--backend', backend]);
      expect(r.code, r.err).toBe(0);
      // `final` holds errors against the reference (differences of near-equal numbers): not compared.
      const { x, jacobian, hypergradient } = JSON.parse(r.out) as Record<string, unknown>;
      results.push({ x, jacobian, hypergradient });
    }
    expectAgreement(results[0], results[1], file);
  }, 300_000);
});

describe('--backend wasm on a problem over WebAssembly memory', () => {
  it('is refused with its size, before allocation', async () => {
    // A (n × d) and the Jacobian (d × n) are each under the 2 GiB a tensor may take; together over
    // 4 GiB. The run's memory estimate is allowed 64 GiB so that the WebAssembly limit is what refuses.
    const r = await cli(['run', join(ROOT, 'examples/least-squares.sgd'), '--backend', 'wasm', '--set', 'dim.n=13400000', '--set', 'dim.d=20', '--memory-limit', '64GiB']);
    expect(r.code).toBe(1);
    const bytes = 8 * (13400000 * 20 + 13400000 + 20 + 20 * 13400000);
    expect(r.err).toBe(
      `${join(ROOT, 'examples/least-squares.sgd')}: error: this problem (its data, params, vars and Jacobian ∂θx) needs ${(bytes / 2 ** 30).toFixed(2)} GiB (${bytes} bytes) of WebAssembly memory, over WebAssembly's limit of 4.00 GiB; use --backend js (or backend = "js" in the solve block)`,
    );
  });
});
