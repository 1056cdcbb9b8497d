/**
 * Outer solvers defined in this file alone, registered on the OUTER_SOLVERS token: heavy-ball
 * descent on θ (state kept between steps by its init/update pair) against a hand-written loop on
 * a quadratic ℓ, and sign descent run end to end by `sgd run` on an `outer_solve` block (the
 * checker takes its name and options from the registry), with its init refusing a θ₀.
 */
import { ContainerModule } from 'inversify';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTER_SOLVERS, outerSolverOptions, runOuterLoop, type OuterSolverPlugin, prepareKernelBackend } from '@sgdiff/core';
import { createSession, loadProblem, runOuter, type RunJob } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

/** v ← β v + g, θ ← θ − η v, with v = 0 at the start. */
function heavyBall(beta: number): OuterSolverPlugin {
  return {
    name: 'heavy_ball',
    doc: 'Heavy-ball descent on θ.',
    options: outerSolverOptions('0.1'),
    init(theta) {
      const velocity = new Float64Array(theta.length);
      return {
        update(theta, gradient, step) {
          for (let p = 0; p < theta.length; p++) {
            velocity[p] = beta * velocity[p] + gradient[p];
            theta[p] -= step * velocity[p];
          }
        },
      };
    },
  };
}

/** θ ← θ − η sign(g); refuses a θ₀ with an entry above 10. */
const signDescent: OuterSolverPlugin = {
  name: 'sign_gd',
  doc: 'Sign descent on θ.',
  options: outerSolverOptions('0.01'),
  init: (theta) =>
    theta.some((v) => v > 10)
      ? 'wants θ₀ ≤ 10'
      : {
          update(theta, gradient, step) {
            for (let p = 0; p < theta.length; p++) theta[p] -= step * Math.sign(gradient[p]);
          },
        },
};

describe('an outer solver plugin', () => {
  it('heavy ball through runOuterLoop equals the hand-written recursion on ℓ(θ) = ½‖θ − c‖² (bit for bit)', () => {
    const c = [1, -2, 0.5];
    const oracle = (theta: Float64Array): { gradient: Float64Array; objective: number } => ({
      gradient: theta.map((v, p) => v - c[p]),
      objective: 0.5 * theta.reduce((s, v, p) => s + (v - c[p]) ** 2, 0),
    });
    const theta = Float64Array.from([0, 0, 0]);
    const steps = runOuterLoop(heavyBall(0.5), 6, (m) => 0.3 / (1 + m), theta, oracle);
    const hand = [0, 0, 0];
    const v = [0, 0, 0];
    for (let m = 0; m < 6; m++) {
      for (let p = 0; p < 3; p++) {
        v[p] = 0.5 * v[p] + (hand[p] - c[p]);
        hand[p] -= (0.3 / (1 + m)) * v[p];
      }
    }
    expect([...theta]).toEqual(hand);
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3, 4, 5].map((m) => 0.3 / (1 + m)));
    expect(steps[0].gradientNorm).toBe(Math.hypot(...c));
  });

  const SOURCE = `dim n = 12
dim m = 5
const lambda = 0.1
data D : R[n, m] ~ normal(0, 1)
data V : R[n, m] ~ normal(0, 1)
data b : R[n] ~ normal(0, 1)
param s : R = S0
var z : R[m] = 0
sample i ~ uniform(n)
sample j ~ uniform(n)
minimize f(z, s; i) = 0.5 * (D[i] . z - b[i])^2 + 0.5 * lambda * exp(s) * norm2(z)
outer E(z; j) = 0.5 * (V[j] . z - b[j])^2
solve gd { iterations = 300 step = 1 / L estimator = implicit }
outer_solve sign_gd { iterations = 4 step = 0.01 }
`;

  function outerRun(s0: string): ReturnType<typeof runOuter> {
    const path = join(mkdtempSync(join(tmpdir(), 'sgd-outer-plugin-')), 'p.sgd');
    writeFileSync(path, SOURCE.replace('S0', s0));
    const registry = defaultRegistry([new ContainerModule(({ bind }) => {
      bind(OUTER_SOLVERS).toConstantValue(signDescent);
    })]);
    const loaded = loadProblem(path, registry);
    const session = createSession(loaded.problem, registry, 0, path);
    const job: RunJob = { file: path, source: loaded.source, seed: 0, plugins: [], logPoints: 5 };
    return runOuter(session, job, registry.outerSolvers);
  }

  it('runs from an outer_solve block: each step moves θ by exactly η, downhill on the exact ℓ', () => {
    const run = outerRun('0.3');
    expect(run.steps).toHaveLength(4);
    // One scalar θ, far from its optimum for 4 steps of 0.01: the sign never flips.
    expect(Math.abs(Math.abs(run.theta[0] - 0.3) - 0.04)).toBeLessThan(1e-15);
    for (let m = 0; m + 1 < run.steps.length; m++) expect(run.steps[m + 1].exactObjective).toBeLessThan(run.steps[m].exactObjective);
    // g3 after 300 GD steps is g* to rounding: the iterative reference at each θ (CG to 1e-11) agrees.
    for (const s of run.steps) expect(s.error).toBeLessThan(1e-9 * s.gradientNorm);
  });

  it("init's refusal stops the loop with the plugin's reason", () => {
    expect(() => outerRun('11')).toThrow('outer_solve sign_gd wants θ₀ ≤ 10');
  });
});
