/**
 * The forward kernel's all-directions variant (`direction-loops.ts`: one call computes every
 * column of J_{k+1} = ∂ₛΦ·J_k + ∂θΦ, what does not depend on the direction computed once) against
 * the forward kernel called once per direction with u = e_p, as the forward tracker did before:
 * equal bit for bit after many steps, on both backends, on
 *
 * - a logistic loss softplus(A[i]·x − θ_i) (nonlinear: σ(A[i]·x − θ_i) is a per-sample
 *   invariant, and the test checks it is computed outside the direction loop);
 * - the same with minibatches of 3 and columns of 400 entries, so the sample loop runs outside
 *   the direction loop over blocks of 5 directions (9 directions: 2 blocks);
 * - momentum in velocity form whose states (a velocity and a scalar step scale) start at
 *   expressions of θ, so J₀ = ∂θs₀ ≠ 0 and the fixed part of every output has two terms;
 *
 * and a range split in two calls, each with its own direction buffer and scratch (as two
 * threads would call it), equals one call over every direction. The two backends agree to 1e-12
 * relative (wasm sums in two lanes).
 */
import { ContainerModule } from 'inversify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForwardTracker, loadBinaryen, RunBuffers, setKernelBackend, SOLVERS, Stepper, type LoopExpr, type LoopStatement } from '@sgdiff/core';
import { checkEnvironment, createSession } from '@sgdiff/cli';
import { compileSgd } from '@sgdiff/dsl';
import { defaultRegistry } from '@sgdiff/plugins';
import { thetaStartedMomentumSolver } from './fixtures/solvers.ts';
import { maxRelativeError } from './support/compare.ts';

const SEED = 3;
/** wasm adds a dot product's terms in two lanes, js left to right: rounding only, far below this. */
const BACKENDS_TOLERANCE = 1e-12;

const registry = defaultRegistry([new ContainerModule(({ bind }) => void bind(SOLVERS).toConstantValue(thetaStartedMomentumSolver))]);

/** softplus(A[i]·x − θ_i) + 0.05‖x‖², θ ∈ Rⁿ. */
function logistic(n: number, d: number, batch: number, solve: string, backend: 'js' | 'wasm') {
  const source = [
    `dim n = ${n}`,
    `dim d = ${d}`,
    'data A : R[n, d] ~ normal(0, 0.3)',
    'param theta : R[n] ~ normal(0, 1)',
    'var x : R[d] ~ normal(0, 1)',
    batch > 1 ? `sample i ~ uniform(n, batch = ${batch})` : 'sample i ~ uniform(n)',
    'minimize f(x, theta; i) = softplus(A[i] . x - theta[i]) + 0.05 * norm2(x)',
    `${solve.replace('}', ` backend = ${backend} }`)}`,
    '',
  ].join('\n');
  const { problem, diagnostics } = compileSgd(source, 'directions.sgd', checkEnvironment(registry));
  if (!problem) throw new Error(diagnostics.map((d) => d.message).join('; '));
  const session = createSession(problem, registry, SEED, 'directions.sgd');
  const stepper = new Stepper(session.program, session.kernels, session.reference, SEED, 0, problem.builder.functions);
  return { session, stepper, tracker: new ForwardTracker(stepper) };
}

type Run = ReturnType<typeof logistic>;

/** The bits of a double array, to compare exactly (−0 and +0 apart). */
function bits(a: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(Float64Array.from(a).buffer));
}

/**
 * `steps` steps of `run`'s stepper; J advanced three ways from the tracker's J₀: the tracker (one
 * call per step on wasm), the forward kernel once per direction, and the all-directions variant
 * called on two halves of the directions with their own direction buffers and scratch.
 */
function threeWays(run: Run, steps: number): { tracker: Float64Array; perDirection: Float64Array; split: Float64Array } {
  const { stepper, tracker, session } = run;
  const forward = session.program.forward;
  const S = session.program.stateSize;
  const P = session.kernels.parameters;
  const buffers = new RunBuffers(forward);
  const pair = (): Float64Array[] => [buffers.float64(S * P), buffers.float64(S * P)];
  let [current, next] = pair() as [Float64Array, Float64Array];
  let [splitCurrent, splitNext] = pair() as [Float64Array, Float64Array];
  current.set(tracker.stateJacobian());
  splitCurrent.set(current);
  const direction = buffers.float64(P);
  const halves = [0, Math.floor(P / 2), P];
  const own = [0, 1].map(() => ({ direction: buffers.float64(P), scratch: buffers.float64(Math.max(2, forward.directions!.scratchBytes / 8)) }));
  for (let k = 0; k < steps; k++) {
    stepper.prepare(k);
    const { s, theta, idx, count, h } = stepper;
    for (let p = 0; p < P; p++) {
      direction[p] = 1;
      forward.run(s, theta, current.subarray(p * S, (p + 1) * S), direction, idx, count, next.subarray(p * S, (p + 1) * S), h);
      direction[p] = 0;
    }
    [0, 1].forEach((half) => {
      const from = halves[half]!;
      const to = halves[half + 1]!;
      const { direct, run: js } = forward.directions!;
      if (direct) {
        const at = stepper.offsets();
        direct(at.s, at.theta, splitCurrent.byteOffset, own[half]!.direction.byteOffset, at.idx, count, splitNext.byteOffset, at.h, from, to, own[half]!.scratch.byteOffset);
      } else js!(s, theta, splitCurrent, own[half]!.direction, idx, count, splitNext, h, from, to);
    });
    tracker.update();
    stepper.advance();
    [current, next] = [next, current];
    [splitCurrent, splitNext] = [splitNext, splitCurrent];
  }
  for (const o of own) expect(Array.from(o.direction)).toEqual(new Array(P).fill(0));
  return { tracker: tracker.stateJacobian(), perDirection: Float64Array.from(current), split: Float64Array.from(splitCurrent) };
}


/** Whether some expression of `list` calls an elementwise function, inside a direction loop (`inside`) or outside every one. */
function callsFunction(list: readonly LoopStatement[], inside: boolean, inDirections = false): boolean {
  const calls = (e: LoopExpr): boolean => {
    switch (e.op) {
      case 'call':
        return true;
      case 'binary':
        return calls(e.left) || calls(e.right);
      case 'unary':
        return calls(e.arg);
      case 'select':
        return calls(e.then) || calls(e.otherwise);
      default:
        return false;
    }
  };
  return list.some((s) => {
    switch (s.kind) {
      case 'let':
        return inDirections === inside && calls(s.value);
      case 'store':
        return inDirections === inside && calls(s.value);
      case 'reduce':
        return inDirections === inside && calls(s.element);
      case 'loop':
      case 'directionBlocks':
        return callsFunction(s.body, inside, inDirections);
      case 'directions':
        return callsFunction(s.body, inside, true);
      case 'if':
        return callsFunction(s.then, inside, inDirections) || callsFunction(s.otherwise, inside, inDirections);
      default:
        return false;
    }
  });
}

const CASES = [
  { name: 'logistic loss, one sample per step', n: 30, d: 6, batch: 1, solve: 'solve sgd { iterations = 1  step = 0.2  track = forward }', steps: 60 },
  { name: 'logistic loss, minibatches of 3, columns of 400 (blocks of 5 directions)', n: 9, d: 400, batch: 3, solve: 'solve sgd { iterations = 1  step = 0.2  track = forward }', steps: 8 },
  { name: 'momentum whose states start at expressions of θ (J₀ ≠ 0)', n: 12, d: 5, batch: 1, solve: 'solve theta_started_momentum { iterations = 1  step = 0.1  track = forward }', steps: 60 },
] as const;

beforeAll(loadBinaryen);
afterAll(() => setKernelBackend(undefined));

describe('the forward kernel over every direction in one call', () => {
  for (const c of CASES) {
    it(`${c.name}: one call ≡ one call per direction, bit for bit, on wasm and js; a split range ≡ one call; backends agree`, () => {
      const results = (['wasm', 'js'] as const).map((backend) => {
        const run = logistic(c.n, c.d, c.batch, c.solve, backend);
        expect(run.session.program.forward.backend).toBe(backend);
        const out = threeWays(run, c.steps);
        expect(bits(out.tracker)).toEqual(bits(out.perDirection));
        expect(bits(out.split)).toEqual(bits(out.perDirection));
        return { run, out };
      });
      const [wasm, js] = results as [(typeof results)[0], (typeof results)[0]];
      // The Jacobian moved: the comparison is not between two zero matrices.
      expect(Math.max(...Array.from(js.out.perDirection, Math.abs))).toBeGreaterThan(1e-3);
      expect(maxRelativeError(wasm.out.tracker, js.out.perDirection)).toBeLessThanOrEqual(BACKENDS_TOLERANCE);
      if (c.name.startsWith('momentum')) expect(wasm.run.session.program.initDependsOnTheta).toBe(true);
    });
  }

  it('computes σ(A[i]·x − θ_i) once per sample, outside the direction loop, and takes blocks of directions for minibatches', () => {
    const single = logistic(30, 6, 1, CASES[0].solve, 'js').session.program.forward;
    expect(callsFunction(single.loops.body, false)).toBe(true);
    const variant = single.directions!.loops.body;
    expect(callsFunction(variant, false)).toBe(true);
    expect(callsFunction(variant, true)).toBe(false);
    const batched = logistic(9, 400, 3, CASES[1].solve, 'js').session.program.forward.directions!.loops.body;
    const blocks = JSON.stringify(batched).match(/"kind":"directionBlocks","size":(\d+)/);
    expect(Number(blocks?.[1])).toBe(5);
    expect(callsFunction(batched, true)).toBe(false);
  });
});
