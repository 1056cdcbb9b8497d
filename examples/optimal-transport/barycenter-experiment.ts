/**
 * Ablin et al., Fig. 4 / Appendix A.2: the entropic Wasserstein barycenter by mirror steps with
 * an inexact gradient, g1 (analytic) or g2 (automatic) after t Sinkhorn steps started from 0 at
 * every outer step, and the final optimization error δ = W̄(x_Q) − W̄(x*) against t and against
 * the time the Q gradients took. W̄(x) = (1/N) Σ_k W_ε(x, b_k) is evaluated independently of the
 * runs, by the certified log-domain reference on each b_k.
 *
 * The problem is `barycenter.sgd` at the sizes given. Each outer step is one `sgd run` inner run
 * as the outer loop makes it (the session's compiled batched Sinkhorn, `runSolver` with the
 * hypergradient observer), and the update is the `mirror_ascent` plugin's, so the numbers are the
 * framework's; only the timing loop is this file's: it times the gradients alone, leaving out
 * the μ, L the outer loop computes at every step for step-size schedules (Lanczos), which this
 * fixed step does not read, and it starts every inner run from 0, as the paper does (the `sgd
 * run` outer loop warm-starts the next inner run where the last one ended, which removes the
 * bias this figure is about).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareKernelBackend, runSolver, type PluginRegistry } from '@sgdiff/core';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment, createSession, hypergradientObserver, runSpec } from '@sgdiff/cli';
import { defaultRegistry, sinkhornReference } from '@sgdiff/plugins';

// The sessions below compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

/** Sizes and settings of one experiment. */
export interface BarycenterSetup {
  /** Number of histograms b_k. */
  readonly N: number;
  /** Grid points of the barycenter and of each b_k (n = m). */
  readonly n: number;
  /** Entropic regularization. */
  readonly epsilon: number;
  /** Mirror step η on the mean (N times the paper's step on the sum). */
  readonly step: number;
  /** Outer (mirror) steps Q. */
  readonly outerSteps: number;
  /** The inner Sinkhorn steps t to compare. */
  readonly inner: readonly number[];
  /** t and Q of the run that gives x* (g1, many inner steps). */
  readonly solution: { readonly inner: number; readonly outerSteps: number };
  /** The instance's seed. */
  readonly seed: number;
}

/** One point of the figure. */
export interface BarycenterPoint {
  /** `g1` or `g2`. */
  readonly estimator: 'g1' | 'g2';
  /** Inner Sinkhorn steps per gradient. */
  readonly t: number;
  /** δ = W̄(x_Q) − W̄(x*). */
  readonly error: number;
  /** Milliseconds the Q gradients took. */
  readonly milliseconds: number;
}

/** The experiment's outcome. */
export interface BarycenterResult {
  /** Every (estimator, t) point. */
  readonly points: BarycenterPoint[];
  /** W̄(x*). */
  readonly optimum: number;
  /** The largest marginal violation of the reference evaluations (their certificate). */
  readonly violation: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** barycenter.sgd at the setup's sizes, with t inner steps and estimator g1 or g2. */
function source(setup: BarycenterSetup, t: number, estimator: 'g1' | 'g2'): string {
  let text = readFileSync(join(HERE, 'barycenter.sgd'), 'utf8');
  const edits: Array<[RegExp, string]> = [
    [/^dim N = .*$/m, `dim N = ${setup.N}`],
    [/^dim n = .*$/m, `dim n = ${setup.n}`],
    [/^dim m = .*$/m, `dim m = ${setup.n}`],
    [/^const eps = .*$/m, `const eps = ${setup.epsilon}`],
    [/^ {2}iterations = \d+ +# t inner.*$/m, `  iterations = ${t}`],
    [/^ {2}estimator = analytic$/m, `  estimator = ${estimator === 'g1' ? 'analytic' : 'automatic'}\n  track = ${estimator === 'g1' ? 'none' : 'reverse'}`],
  ];
  for (const [pattern, replacement] of edits) {
    if (!pattern.test(text)) throw new Error(`barycenter.sgd has no line matching ${pattern}`);
    text = text.replace(pattern, replacement);
  }
  return text;
}

/** Q mirror-ascent steps from the uniform histogram with g1 or g2 after t cold-started Sinkhorn steps: the final x and the time of the gradients. */
function mirrorRun(registry: PluginRegistry, setup: BarycenterSetup, t: number, estimator: 'g1' | 'g2', outerSteps: number): { theta: Float64Array; milliseconds: number; b: Float64Array[]; cost: Float64Array } {
  const { problem, diagnostics } = compileSgd(source(setup, t, estimator), join(HERE, 'barycenter.sgd'), checkEnvironment(registry, join(HERE, 'barycenter.sgd')));
  if (!problem) throw new Error(diagnostics.map((d) => d.message).join('; '));
  const session = createSession(problem, registry, setup.seed, 'barycenter.sgd');
  const { kernels } = session;
  const theta = kernels.instance.theta;
  const update = registry.outerSolvers.get('mirror_ascent')!.init(theta);
  if (typeof update === 'string') throw new Error(update);
  const chosen = estimator === 'g1' ? 'analytic' : 'automatic';
  let milliseconds = 0;
  for (let q = 0; q < outerSteps; q++) {
    const observer = hypergradientObserver(session)!;
    const spec = { ...runSpec(session, setup.seed, q, [t], observer), metrics: [] };
    const start = process.hrtime.bigint();
    runSolver(session.program, kernels, session.reference, spec, problem.builder.functions);
    const gradient = observer.last.get(chosen);
    milliseconds += Number(process.hrtime.bigint() - start) / 1e6;
    if (!gradient) throw new Error(`no ${chosen} gradient after the inner run`);
    update.update(theta, gradient, setup.step, q);
  }
  const values = kernels.instance.values;
  const rows = values.get('b')!;
  const b = Array.from({ length: setup.N }, (_, k) => rows.slice(k * setup.n, (k + 1) * setup.n));
  return { theta: Float64Array.from(theta), milliseconds, b, cost: values.get('C')! };
}

/** W̄(x) = mean_k W_ε(x, b_k) by the certified reference, and the largest violation met. */
function meanTransportCost(x: Float64Array, b: readonly Float64Array[], cost: Float64Array, epsilon: number): { value: number; violation: number } {
  const references = b.map((bk) => sinkhornReference({ a: x, b: bk, cost, epsilon }, 1e-13));
  return { value: references.reduce((s, r) => s + r.transportCost, 0) / b.length, violation: Math.max(...references.map((r) => r.violation)) };
}

/** Runs the experiment: x* first, then every (estimator, t). */
export function barycenterExperiment(setup: BarycenterSetup, registry = defaultRegistry()): BarycenterResult {
  const solution = mirrorRun(registry, setup, setup.solution.inner, 'g1', setup.solution.outerSteps);
  const optimum = meanTransportCost(solution.theta, solution.b, solution.cost, setup.epsilon);
  let violation = optimum.violation;
  const points: BarycenterPoint[] = [];
  for (const estimator of ['g1', 'g2'] as const) {
    for (const t of setup.inner) {
      const run = mirrorRun(registry, setup, t, estimator, setup.outerSteps);
      const final = meanTransportCost(run.theta, run.b, run.cost, setup.epsilon);
      violation = Math.max(violation, final.violation);
      points.push({ estimator, t, error: final.value - optimum.value, milliseconds: run.milliseconds });
    }
  }
  return { points, optimum: optimum.value, violation };
}
