/**
 * The built-in elementwise functions. Each gives its value and f'(z) as IR, reusing
 * y = f(z) where that is cheaper (exp, sigmoid, tanh, sqrt).
 */
import type { ElementwiseFunction } from '@sgdiff/core';

/**
 * Logistic function, evaluated without overflow for large |z|.
 * @category IR
 */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * log(1 + e^z), evaluated without overflow for large z.
 * @category IR
 */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * exp, log, log1p, sqrt, softplus, sigmoid and tanh.
 * @category IR
 */
export const builtinFunctions: readonly ElementwiseFunction[] = [
  { name: 'exp', doc: 'e^z.', latex: (a) => `\\exp\\left(${a}\\right)`, evaluate: Math.exp, derivative: (_b, _z, y) => y },
  { name: 'log', doc: 'Natural logarithm.', latex: (a) => `\\log\\left(${a}\\right)`, evaluate: Math.log, derivative: (b, z) => b.div(b.const(1), z) },
  {
    name: 'log1p',
    doc: 'log(1 + z), accurate for small z.',
    evaluate: Math.log1p,
    derivative: (b, z) => b.div(b.const(1), b.add(b.const(1), z)),
  },
  { name: 'sqrt', doc: 'Square root.', latex: (a) => `\\sqrt{${a}}`, evaluate: Math.sqrt, derivative: (b, _z, y) => b.div(b.const(0.5), y) },
  {
    name: 'softplus',
    doc: 'log(1 + e^z), computed without overflow.',
    evaluate: softplus,
    derivative: (b, z) => b.map('sigmoid', z),
  },
  {
    name: 'sigmoid',
    doc: '1 / (1 + e^(−z)), computed without overflow.',
    evaluate: sigmoid,
    derivative: (b, _z, y) => b.mul(y, b.sub(b.const(1), y)),
  },
  { name: 'tanh', doc: 'Hyperbolic tangent.', latex: (a) => `\\tanh\\left(${a}\\right)`, evaluate: Math.tanh, derivative: (b, _z, y) => b.sub(b.const(1), b.mul(y, y)) },
];
