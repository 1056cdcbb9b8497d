/**
 * The reverse tape in one block and the fused adjoint step kernel, on both backends, against the
 * sweep as it was written before them (kept here as the reference): every iterate, batch and
 * input copied into its own array, the `reverse` kernel writing [∂ₛΦᵀλ, ∂θΦᵀλ] into `out`,
 * λ copied back and g added in JavaScript. Also: what the tape keeps (nothing for a gradient step
 * on a quadratic with a fixed batch), `sqrt` ≡ `none` and `needed` ≡ `all` bit for bit, the
 * block reused by the next run, and a tape over WebAssembly's 4 GiB refused before anything is
 * allocated, with its size. (No allocation per backward step is asserted by `pnpm bench`, in the
 * hypergradient benchmark: under vitest's module runner V8 does not settle on allocation-free
 * code for these loops, so the measurement is only meaningful there.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBinaryen, RandomStream, ReverseTape, runSolver, setKernelBackend, Stepper, type Checkpointing, type TapeContents } from '@sgdiff/core';
import { checkEnvironment, createSession, type RunSession } from '@sgdiff/cli';
import { compileSgd } from '@sgdiff/dsl';
import { defaultRegistry } from '@sgdiff/plugins';

beforeAll(async () => {
  await loadBinaryen();
});

const SEED = 3;

const RIDGE = (solve: string): string => `dim n = 8
dim m = 6
const lambda = 1 / n
data D : R[n, m] ~ normal(0, 1)
param x : R[n] ~ normal(0, 1)
var z : R[m] = 0
sample i ~ uniform(n)
minimize f(z, x; i) = 0.5 * (D[i] . z - x[i])^2 + 0.5 * lambda * norm2(z)
${solve}
`;

const LEAST_SQUARES_BATCH = (solve: string): string => `dim n = 10
dim d = 4
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n, batch = 3)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
${solve}
`;

const LOGISTIC = (solve: string): string => `dim n = 12
dim d = 3
data A : R[n, d] ~ normal(0, 1)
param y : R[n] ~ uniform(0.2, 0.8)
param lambda : R ~ uniform(0.5, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, y, lambda; i) = softplus(A[i] . x) - y[i] * (A[i] . x) + 0.5 * lambda * norm2(x)
${solve}
`;

interface Case {
  readonly name: string;
  readonly source: string;
  /** What the lean tape keeps per iteration: iterate doubles, input doubles, batch entries. */
  readonly keeps: readonly [number, number, number];
  /**
   * Whether the fused step repeats the reference's operations in the same order: g += ∂θΦᵀλ is
   * added term by term, which is the reference's g + (∂θΦᵀλ) exactly when each entry of θ gets at
   * most one term per step (a fixed part or one batch entry); a batch of 3 sampled with
   * replacement can hit an entry twice, and then agrees to rounding.
   */
  readonly bitwise: boolean;
}

const T = 60;
const CASES: readonly Case[] = [
  { name: 'ridge, gd (affine, fixed batch: nothing kept)', source: RIDGE(`solve gd { iterations = ${T} step = 1 / L track = reverse }`), keeps: [0, 0, 0], bitwise: true },
  {
    name: 'least squares, sgd batch 3 (affine: batches and step sizes kept)',
    source: LEAST_SQUARES_BATCH(`solve sgd { iterations = ${T} step = 0.05 track = reverse }`),
    keeps: [0, 1, 3],
    bitwise: false,
  },
  {
    name: 'least squares, inexact_sgd (noise kept, no iterate)',
    source: LEAST_SQUARES_BATCH(`solve inexact_sgd { iterations = ${T} step = 0.05 track = reverse }`),
    keeps: [0, 6, 3],
    bitwise: false,
  },
  { name: 'logistic, sgd (iterates, batches, step sizes kept)', source: LOGISTIC(`solve sgd { iterations = ${T} step = 0.1 track = reverse }`), keeps: [3, 1, 1], bitwise: true },
  { name: 'logistic, gd (iterates kept; inputs recomputed)', source: LOGISTIC(`solve gd { iterations = ${T} step = 1 / L track = reverse }`), keeps: [3, 0, 0], bitwise: true },
];

function session(source: string, backend: 'js' | 'wasm'): RunSession {
  const registry = defaultRegistry();
  const text = source.replace('track = reverse', `track = reverse backend = ${backend}`);
  const { problem, diagnostics } = compileSgd(text, 'tape.sgd', checkEnvironment(registry));
  if (!problem) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return createSession(problem, registry, SEED, 'tape.sgd');
}

function stepperOf(s: RunSession): Stepper {
  return new Stepper(s.program, s.kernels, s.reference, SEED, 0, s.problem.builder.functions);
}

/** Runs the forward pass of `s` recording on a new tape; returns the tape (x_t stays in the stepper). */
function record(s: RunSession, checkpointing: Checkpointing, contents: TapeContents = 'needed', iterations = s.settings.iterations): ReverseTape {
  const stepper = stepperOf(s);
  const tape = new ReverseTape(stepper, iterations, checkpointing, contents);
  for (let k = 0; k < iterations; k++) {
    tape.beforePrepare(k);
    stepper.prepare(k);
    tape.afterPrepare();
    stepper.advance();
  }
  return tape;
}

/** The sweep as it was: per-iteration arrays, the `reverse` kernel into `out`, λ copied back and g added in JavaScript. */
function referencePullback(s: RunSession, w: Float64Array): Float64Array {
  const stepper = stepperOf(s);
  const states: Float64Array[] = [];
  const batches: Int32Array[] = [];
  const hypers: Float64Array[] = [];
  for (let k = 0; k < s.settings.iterations; k++) {
    stepper.prepare(k);
    states.push(Float64Array.from(stepper.s));
    batches.push(Int32Array.from(stepper.idx));
    hypers.push(Float64Array.from(stepper.h));
    stepper.advance();
  }
  const S = s.program.stateSize;
  const P = s.kernels.parameters;
  const lambda = Float64Array.from(w);
  const g = new Float64Array(P);
  const out = new Float64Array(S + P);
  const none = new Float64Array(0);
  for (let k = states.length - 1; k >= 0; k--) {
    s.program.reverse.run(states[k]!, s.kernels.instance.theta, lambda, none, batches[k]!, stepper.count, out, hypers[k]!);
    lambda.set(out.subarray(0, S));
    for (let p = 0; p < P; p++) g[p] += out[S + p]!;
  }
  return g;
}

function cotangent(size: number): Float64Array {
  const stream = new RandomStream('tape-test/w');
  return Float64Array.from({ length: size }, () => stream.normal(0, 1));
}

function relative(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let j = 0; j < b.length; j++) {
    diff = Math.max(diff, Math.abs(a[j]! - b[j]!));
    scale = Math.max(scale, Math.abs(b[j]!));
  }
  return diff / scale;
}

describe.each(['js', 'wasm'] as const)('reverse tape on %s', (backend) => {
  describe.each(CASES)('$name', ({ source, keeps, bitwise }) => {
    it('keeps what the adjoint step reads and cannot recompute; the fused sweep equals the reference sweep', () => {
      const s = session(source, backend);
      const tape = record(s, 'none');
      const [state, inputs, batch] = keeps;
      expect([tape.layout.state, tape.layout.inputs, tape.layout.batch]).toEqual(keeps);
      // Every kept double is 8 bytes, every batch entry 4, and nothing else is in the block.
      const kept = state + inputs + batch > 0 ? T : 0;
      expect(tape.bytes).toBe(kept * (8 * (state + inputs) + 4 * batch));
      expect(tape.peakStoredStates).toBe(state > 0 ? T : 0);
      const w = cotangent(s.program.stateSize);
      const g = tape.pullback([w])[0]!;
      const reference = referencePullback(s, w);
      expect(g.some((v) => v !== 0)).toBe(true);
      if (bitwise) expect(g).toEqual(reference);
      // Rounding of the accumulation order only (repeated batch entries), far under 1e-12.
      else expect(relative(g, reference)).toBeLessThan(1e-12);
    });

    it('sqrt ≡ none and needed ≡ all, bit for bit; a pullback twice gives the same bits', () => {
      const s = session(source, backend);
      const w = cotangent(s.program.stateSize);
      const none = record(s, 'none').pullback([w])[0]!;
      const sqrtTape = record(s, 'sqrt');
      const sqrt = sqrtTape.pullback([w])[0]!;
      expect(sqrt).toEqual(none);
      expect(sqrtTape.pullback([w])[0]).toEqual(none);
      const allNone = record(s, 'none', 'all');
      expect(allNone.layout.state).toBe(s.program.stateSize);
      expect(allNone.pullback([w])[0]).toEqual(none);
      const allSqrt = record(s, 'sqrt', 'all');
      // ⌈√60⌉ = 8 iterations a segment, ⌈60/8⌉ = 8 checkpoints: 16 iterates at the peak.
      expect(allSqrt.layout.segment).toBe(8);
      expect(allSqrt.layout.checkpoints).toBe(8);
      expect(allSqrt.pullback([w])[0]).toEqual(none);
      expect(allSqrt.peakStoredStates).toBe(16);
    });
  });

  it('runSolver: reverse = forward ∂θx_t to 1e-12 on logistic sgd, and the next run reuses the tape block', () => {
    const s = session(LOGISTIC('solve sgd { iterations = 400 step = 0.1 track = reverse }'), backend);
    const spec = { iterations: 400, track: 'reverse' as const, checkpointing: 'none' as const, linearSolver: 'direct' as const, seed: SEED, run: 0, recordAt: [] };
    const reverse = runSolver(s.program, s.kernels, s.reference, spec, s.problem.builder.functions);
    const forward = runSolver(s.program, s.kernels, s.reference, { ...spec, track: 'forward' }, s.problem.builder.functions);
    expect(relative(reverse.jacobian!, forward.jacobian!)).toBeLessThan(1e-12);
    const memory = s.program.adjoint.memory;
    if (!memory) return;
    const size = memory.memory.buffer.byteLength;
    for (let run = 1; run < 4; run++) runSolver(s.program, s.kernels, s.reference, { ...spec, run }, s.problem.builder.functions);
    // Three more runs, each with a 400-iterate tape (9.6 KB) and D = 3 adjoints: no growth.
    expect(memory.memory.buffer.byteLength).toBe(size);
  });
});

describe('tape over WebAssembly’s limit', () => {
  it('is refused by the session before any allocation, with its size; the JavaScript backend has no such limit', () => {
    const source = LOGISTIC('solve sgd { iterations = 1e9 step = 0.1 track = reverse }');
    // 1e9 iterations × (3 state + 1 input doubles) × 8 + 1e9 × 4 batch bytes = 36e9 bytes.
    expect(() => session(source, 'wasm')).toThrow(
      'the reverse-mode tape (1000000000 iterations × (3 state + 1 input doubles + 1 batch entries)) needs 33.53 GiB (36000000000 bytes) of WebAssembly memory',
    );
    // With checkpoints the same run fits: ⌈√1e9⌉ = 31623 iterations a segment.
    expect(() => session(source.replace('track = reverse', 'track = reverse checkpoint = sqrt'), 'wasm')).not.toThrow();
    expect(() => session(source, 'js')).not.toThrow();
    setKernelBackend(undefined);
  });
});
