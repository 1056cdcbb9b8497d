/**
 * A metric defined in this file alone, registered on the METRICS token: the checker accepts its
 * name in `report`, the run loop computes it from the registry, and its values match a hand
 * computation from the run's outputs. A metric that needs a reference is left out (with the
 * warning) under reference = none.
 */
import { ContainerModule } from 'inversify';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distance, METRICS, norm, type MetricPlugin, prepareKernelBackend } from '@sgdiff/core';
import { createSession, exactReference, executeRuns, loadProblem, type RunJob } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

/** ‖x_k − x*‖ / ‖x*‖: needs the reference's point. */
const relativeDistance: MetricPlugin = {
  name: 'relative_distance',
  doc: '‖x_k − x*‖ / ‖x*‖.',
  needs: { reference: 'point' },
  compute(point) {
    if (point.reference.mode === 'none') throw new Error('computed without a reference');
    return distance(point.x, point.reference.x) / norm(point.reference.x);
  },
};

/** ‖x_k‖ and ‖x_k‖_∞: two columns, no reference. */
const iterateSize: MetricPlugin = {
  name: 'iterate_size',
  doc: '‖x_k‖ and max |x_k|.',
  needs: {},
  columns: () => ['iterate_norm', 'iterate_max'],
  compute: (point) => [norm(point.x), Math.max(...point.x.map(Math.abs))],
};

const module = new ContainerModule(({ bind }) => {
  bind(METRICS).toConstantValue(relativeDistance);
  bind(METRICS).toConstantValue(iterateSize);
});

const SOURCE = `dim n = 20
dim d = 5
data A : R[n, d] ~ normal(0, 1)
data b : R[n] ~ normal(0, 1)
param s : R = 0.1
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, s; i) = 0.5 * (A[i] . x - b[i])^2 + 0.5 * s * norm2(x)
solve sgd { iterations = 200 step = 0.05 REFERENCE }
report every log 5 { relative_distance, iterate_size, step }
`;

function runOf(reference: string): { columns: readonly string[]; warning?: string; trace: Record<string, number[]>; x: Float64Array; xStar?: Float64Array } {
  const path = join(mkdtempSync(join(tmpdir(), 'sgd-metric-')), 'p.sgd');
  writeFileSync(path, SOURCE.replace('REFERENCE', reference));
  const registry = defaultRegistry([module]);
  const loaded = loadProblem(path, registry);
  const session = createSession(loaded.problem, registry, 0, path);
  const job: RunJob = { file: path, source: loaded.source, seed: 0, plugins: [], logPoints: 5 };
  const [result] = executeRuns(session, job, [0]);
  const xStar = session.reference.mode === 'exact' ? exactReference(session).x : undefined;
  return { columns: session.metrics.columns, warning: session.metrics.warning, trace: result.trace.metrics, x: result.x, ...(xStar ? { xStar } : {}) };
}

describe('a metric plugin defined in a test file', () => {
  it('is checked, chosen from the registry, and computed: its last values equal the hand computation from x_t and x*', () => {
    const run = runOf('');
    expect(run.columns).toEqual(['relative_distance', 'iterate_norm', 'iterate_max', 'step']);
    expect(run.warning).toBeUndefined();
    const last = (c: string): number => run.trace[c][run.trace[c].length - 1];
    const xStar = run.xStar as Float64Array;
    const hand = Math.sqrt(run.x.reduce((s, v, j) => s + (v - xStar[j]) ** 2, 0)) / Math.sqrt(xStar.reduce((s, v) => s + v * v, 0));
    expect(Math.abs(last('relative_distance') - hand)).toBeLessThanOrEqual(1e-15 * hand);
    expect(last('iterate_norm')).toBe(Math.hypot(...run.x));
    expect(last('iterate_max')).toBe(Math.max(...[...run.x].map(Math.abs)));
    expect(last('step')).toBe(0.05);
    // At k = 0 (x₀ = 0) the relative distance is 1 exactly.
    expect(run.trace.relative_distance[0]).toBe(1);
  });

  it('is left out with one warning when its reference is missing; the others are still computed', () => {
    const run = runOf('reference = none');
    expect(run.columns).toEqual(['iterate_norm', 'iterate_max', 'step']);
    expect(run.warning).toBe('metrics left out of the trace: relative_distance (reference = none)');
    expect(run.trace.relative_distance).toBeUndefined();
  });
});
