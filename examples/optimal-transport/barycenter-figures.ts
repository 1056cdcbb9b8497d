/**
 * Fig. 4 of Ablin et al. (Appendix A.2) at a size that runs in minutes here: the final error
 * δ = W̄(x_Q) − W̄(x*) of Q mirror steps with g1 or g2 after t Sinkhorn steps, against t and
 * against the time the Q gradients took. Prints the table of the README and writes
 * `barycenter-inner-steps.svg` and `barycenter-time.svg` into OUTDIR.
 *
 * Run:  npx tsx examples/optimal-transport/barycenter-figures.ts docs/figures/optimal-transport
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderBandChart, type BandPoint } from '@sgdiff/cli';
import { barycenterExperiment, type BarycenterSetup } from './barycenter-experiment.ts';

/** The documented size: barycenter.sgd's N, n, ε, η; x* from t = 100 and Q = 300. */
export const FIGURE_SETUP: BarycenterSetup = {
  N: 8,
  n: 50,
  epsilon: 0.05,
  step: 2,
  outerSteps: 100,
  inner: [1, 2, 3, 4, 6, 8, 12, 16, 20],
  solution: { inner: 100, outerSteps: 300 },
  seed: 0,
};

const out = process.argv[2];
if (!out) throw new Error('usage: barycenter-figures.ts OUTDIR');
mkdirSync(out, { recursive: true });
const started = process.hrtime.bigint();
const result = barycenterExperiment(FIGURE_SETUP);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const label = { g1: 'g1 (analytic)', g2: 'g2 (automatic)' } as const;
const point = (x: number, mean: number, series: string): BandPoint => ({ series, x, mean, low: mean, high: mean });
const { N, n, epsilon, step, outerSteps } = FIGURE_SETUP;
const size = `N = ${N}, n = m = ${n}, ε = ${epsilon}, η = ${step}, Q = ${outerSteps}`;
writeFileSync(
  join(out, 'barycenter-inner-steps.svg'),
  await renderBandChart({
    title: `Barycenter by mirror steps (${size}): final error against t`,
    xTitle: 'Sinkhorn steps t per gradient (from 0 at every outer step)',
    yTitle: 'δ = W̄(x_Q) − W̄(x*)',
    logX: false,
    bands: false,
    markers: true,
    points: result.points.map((p) => point(p.t, p.error, label[p.estimator])),
  }),
);
writeFileSync(
  join(out, 'barycenter-time.svg'),
  await renderBandChart({
    title: `Barycenter by mirror steps (${size}): final error against the time of the Q gradients`,
    xTitle: 'time of the Q gradients (s)',
    yTitle: 'δ = W̄(x_Q) − W̄(x*)',
    logX: true,
    bands: false,
    markers: true,
    points: result.points.map((p) => point(p.milliseconds / 1000, p.error, label[p.estimator])),
  }),
);
console.log(`W̄(x*) = ${result.optimum}; largest marginal violation of the evaluations ${result.violation.toExponential(1)}; ${seconds.toFixed(0)} s`);
console.log('| t | g1: δ | g1: time (s) | g2: δ | g2: time (s) |');
console.log('|---|---|---|---|---|');
for (const t of FIGURE_SETUP.inner) {
  const [g1, g2] = (['g1', 'g2'] as const).map((e) => result.points.find((p) => p.estimator === e && p.t === t)!);
  console.log(`| ${t} | ${g1.error.toExponential(2)} | ${(g1.milliseconds / 1000).toFixed(2)} | ${g2.error.toExponential(2)} | ${(g2.milliseconds / 1000).toFixed(2)} |`);
}
