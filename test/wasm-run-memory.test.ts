/**
 * One WebAssembly memory per run: the kernels of a run on `wasm`, the stepper's state, θ, h and
 * batch, and the forward tracker's Jacobian and direction all live in one shared memory, the
 * stepper and tracker call the kernels by byte offset, and the numbers are those of SGD′ written
 * by hand (J_p ← J_p − η a (a·J_p − δ_ip), x ← x − η a (a·x − θ_i), a = A[i], same sample stream).
 * Also: views handed out before the memory grows stay valid, data arrays are copied once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForwardTracker, KernelMemory, loadBinaryen, RandomStream, setKernelBackend, Stepper } from '@sgdiff/core';
import { checkEnvironment, createSession } from '@sgdiff/cli';
import { compileSgd } from '@sgdiff/dsl';
import { defaultRegistry } from '@sgdiff/plugins';
import { maxRelativeError } from './support/compare.ts';

const N = 12;
const D = 7;
const STEP = 0.01;
const SEED = 5;
const STEPS = 150;
/** Two-lane sums (wasm) against left-to-right ones (the hand loop): rounding only, well under this. */
const TOLERANCE = 1e-12;

function session(backend: 'js' | 'wasm') {
  const registry = defaultRegistry();
  const source = [
    `dim n = ${N}`,
    `dim d = ${D}`,
    'data A : R[n, d] ~ normal(0, 1)',
    'param theta : R[n] ~ normal(0, 1)',
    'var x : R[d] ~ normal(0, 1)',
    'sample i ~ uniform(n)',
    'minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2',
    `solve sgd { iterations = ${STEPS}  step = ${STEP}  track = forward  backend = ${backend} }`,
    '',
  ].join('\n');
  const { problem, diagnostics } = compileSgd(source, 'memory.sgd', checkEnvironment(registry));
  if (!problem) throw new Error(diagnostics.map((d) => d.message).join('; '));
  const s = createSession(problem, registry, SEED, 'memory.sgd');
  const stepper = new Stepper(s.program, s.kernels, s.reference, SEED, 0, problem.builder.functions);
  return { ...s, stepper, tracker: new ForwardTracker(stepper) };
}

/** SGD′ by hand on the session's instance, with run 0's sample stream; returns x and J (tangent-major). */
function byHand(A: Float64Array, theta: Float64Array, x0: Float64Array): { x: Float64Array; J: Float64Array } {
  const samples = new RandomStream(`${SEED}/sample/i/run/0`);
  const x = Float64Array.from(x0);
  const J = new Float64Array(N * D);
  for (let k = 0; k < STEPS; k++) {
    const i = samples.index(N);
    const a = A.subarray(i * D, (i + 1) * D);
    for (let p = 0; p < N; p++) {
      const col = J.subarray(p * D, (p + 1) * D);
      let s = 0;
      for (let j = 0; j < D; j++) s += a[j]! * col[j]!;
      const r = s - (p === i ? 1 : 0);
      for (let j = 0; j < D; j++) col[j] = col[j]! - STEP * (a[j]! * r);
    }
    let s = 0;
    for (let j = 0; j < D; j++) s += x[j]! * a[j]!;
    const r = s - theta[i]!;
    for (let j = 0; j < D; j++) x[j] = x[j]! - a[j]! * r * STEP;
  }
  return { x, J };
}


beforeAll(loadBinaryen);
afterAll(() => setKernelBackend(undefined));

describe('a run on wasm keeps everything in one memory', () => {
  it('kernels, state, θ, h, batch, Jacobian and direction share the memory, and SGD′ matches the hand recursion', () => {
    const run = session('wasm');
    const memory = run.program.step.memory;
    expect(memory).toBeInstanceOf(KernelMemory);
    expect(run.program.forward.memory).toBe(memory);
    expect(run.program.step.direct).toBeTypeOf('function');
    const { stepper, tracker } = run;
    for (const buffer of [stepper.s, stepper.theta, stepper.h, stepper.idx]) expect(memory!.owns(buffer)).toBe(true);
    for (let k = 0; k < STEPS; k++) {
      stepper.prepare(k);
      tracker.update();
      stepper.advance();
    }
    const { instance } = run.kernels;
    const hand = byHand(instance.values.get('A') as Float64Array, instance.theta, instance.x0);
    expect(maxRelativeError(stepper.x, hand.x)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxRelativeError(tracker.jacobian(), hand.J)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('a new θ in the instance reaches the kernels at the next start and prepare', () => {
    const run = session('wasm');
    const js = session('js');
    for (const r of [run, js]) {
      r.kernels.instance.theta.fill(0.25);
      r.stepper.start(r.kernels.instance.x0);
      for (let k = 0; k < 20; k++) {
        r.stepper.prepare(k);
        r.stepper.advance();
      }
    }
    expect(run.stepper.theta).not.toBe(run.kernels.instance.theta);
    expect(Array.from(run.stepper.theta)).toEqual(new Array(N).fill(0.25));
    expect(maxRelativeError(run.stepper.x, js.stepper.x)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('on js, the stepper passes the instance θ itself and kernels have no memory', () => {
    const run = session('js');
    expect(run.program.step.memory).toBeUndefined();
    expect(run.program.step.direct).toBeUndefined();
    expect(run.stepper.theta).toBe(run.kernels.instance.theta);
  });
});

describe('KernelMemory', () => {
  it('keeps earlier views valid when it grows, and copies a data array once', () => {
    const memory = new KernelMemory();
    const early = memory.float64(4);
    early.set([1, 2, 3, 4]);
    // 2 MiB more: the memory grows by many pages; the early view still reads and writes it.
    const late = memory.float64(1 << 18);
    late[late.length - 1] = 9;
    expect(Array.from(early)).toEqual([1, 2, 3, 4]);
    expect(memory.owns(early)).toBe(true);
    expect(memory.owns(late)).toBe(true);
    expect(memory.owns(new Float64Array(4))).toBe(false);
    expect(late.byteOffset).toBeGreaterThanOrEqual(early.byteOffset + 32);
    const data = Float64Array.of(5, 6, 7);
    const at = memory.data(data);
    expect(memory.data(data)).toBe(at);
    expect(Array.from(new Float64Array(memory.memory.buffer, at, 3))).toEqual([5, 6, 7]);
    expect(memory.data(Float64Array.of(5, 6, 7))).not.toBe(at);
  });
});
