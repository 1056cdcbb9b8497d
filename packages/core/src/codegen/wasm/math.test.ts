/**
 * Accuracy of the WebAssembly elementwise functions against `Math` (and, for sigmoid and
 * softplus, the JavaScript built-ins' formulas over `Math`), in ulps of the `Math` result, over
 * stated ranges with a fixed seed; special values (NaN, ±∞, ±0, subnormals, overflow) identical.
 */
import { describe, expect, it } from 'vitest';
import { loadBinaryen } from './binaryen-module.ts';
import { WASM_MATH_FUNCTIONS } from './math.ts';
import { wasmMathFunctions } from './native-functions.ts';

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const REFERENCE: Record<string, (z: number) => number> = { exp: Math.exp, log: Math.log, log1p: Math.log1p, expm1: Math.expm1, tanh: Math.tanh, sqrt: Math.sqrt, sigmoid, softplus };

/** The distance of `got` from `want` in units of the last place of `want`. */
function ulps(got: number, want: number): number {
  if (Object.is(got, want)) return 0;
  const unit = Math.max(Number.MIN_VALUE, 2 ** (Math.floor(Math.log2(Math.abs(want))) - 52));
  return Math.abs(got - want) / unit;
}

/** Sample generators: uniform on [−700, 700] for exp-like functions, log-uniform on [1e-300, 1e300] for log and sqrt, ±log-uniform on [1e-20, 0.99] for log1p. */
function sampler(name: string, random: () => number): () => number {
  if (name === 'log' || name === 'sqrt') return () => 10 ** (600 * random() - 300);
  if (name === 'log1p') return () => (random() < 0.5 ? -1 : 1) * 0.99 * 10 ** (-20 * random());
  return () => 1400 * random() - 700;
}

/** Stated worst errors (ulps) over the ranges above, 50 000 samples each. */
const BOUND: Record<string, number> = { exp: 1, log: 1, sqrt: 0, log1p: 2, expm1: 2, tanh: 2, sigmoid: 2, softplus: 2 };

// Binaryen is loaded on demand (binaryen-module.ts); the suites below build modules as they are defined.
await loadBinaryen();

describe('WebAssembly elementwise functions', () => {
  const wasm = wasmMathFunctions();
  it.each(WASM_MATH_FUNCTIONS)('%s is within its stated ulps of Math', (name) => {
    let state = 20261203;
    const random = (): number => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
    const draw = sampler(name, random);
    let worst = 0;
    for (let k = 0; k < 50000; k++) {
      const z = draw();
      worst = Math.max(worst, ulps(wasm[name]!(z), REFERENCE[name]!(z)));
    }
    expect(worst).toBeLessThanOrEqual(BOUND[name]!);
  });

  it.each(WASM_MATH_FUNCTIONS)('%s gives the same special values as Math', (name) => {
    for (const z of [NaN, Infinity, -Infinity, 0, -0, 5e-324, 1e-310, -1, 709.8, -745.2, 1e-17, -1e-17]) {
      expect(Object.is(wasm[name]!(z), REFERENCE[name]!(z)), `${name}(${z})`).toBe(true);
    }
  });
});
