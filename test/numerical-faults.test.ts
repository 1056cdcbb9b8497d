/**
 * Numerical faults named: a NaN or infinity at x₀ (objective, gradient, Hessian) refuses the run
 * before any work, one during a run stops it, each with the iteration, the quantity and the first
 * IR node that went non-finite; the values quoted are checked against hand computations of the
 * same iterations. An objective unbounded below is told from a step above 2/L, a NaN F* is never
 * certified, and `derive --eval` warns about what `run` would stop on.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProblem, registryWith, unboundedBelow } from '@sgdiff/cli';
import { buildDerivativeGraphs, computeReference, drawInstance, ProblemKernels } from '@sgdiff/core';
import { sgd, sgdFile } from './support/cli.ts';

const file = (text: string): string => sgdFile(text, 'sgd-fault-');
const outDir = (): string => join(mkdtempSync(join(tmpdir(), 'sgd-fault-out-')), 'out');

const SQRT_AT_MINUS_ONE = `param theta : R ~ normal(0, 1)
var x : R = -1
minimize f(x, theta) = (x - theta)^2 + sqrt(x)
solve gd { iterations = 100  track = forward }
`;

describe('a fault at the start point x₀', () => {
  it('sqrt(x) at x₀ = −1 (the probe that was exit 70 in the eigenvalue routine): exit 2, one line, result.json records it', async () => {
    const out = outDir();
    const r = await sgd('run', file(SQRT_AT_MINUS_ONE), '--out', out);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/error: numerical fault at the start point x₀: the objective is NaN: sqrt of a negative value \(sqrt\(-1\.000\)\) in sqrt\(x\)$/);
    expect(readdirSync(out).sort()).toEqual(['instance.json', 'manifest.json', 'result.json']);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'numerical fault', iteration: 0, quantity: 'objective', value: 'NaN', expression: 'sqrt(x)' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.files).sort()).toEqual(['instance.json', 'result.json']);
  });

  it('(θ − θ)/(θ − θ) = 0/0 is a constant NaN factor: named, in run and in derive (which crashed in its simplifier)', async () => {
    const path = file(`param theta : R ~ normal(0, 1)
var x : R = 1
minimize f(x, theta) = (x - theta)^2 * ((theta - theta)/(theta - theta))
solve gd { iterations = 100  track = forward }
`);
    const r = await sgd('run', path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the objective is NaN: a constant part of the expression is NaN \(such as 0\/0, folded before the run\) in NaN \* \(x - theta\)\^2$/);
    const derived = await sgd('derive', path);
    expect(derived.code).toBe(0);
    expect(derived.out).toContain('NaN');
  });

  it.each([
    ['(x - theta)^2 + log(x - 5)', 'R', '0', 'log of a non-positive value (log(-5.000)) in log(x - 5)'],
    ['norm2(x) + sum(log(x))', 'R[3]', '-1', 'log of a non-positive value (log(-1.000)) in log(x)'],
  ])('F = %s at x₀ = %s: the log of the hand-computed argument, named (it was accepted and "certified")', async (objective, type, x0, cause) => {
    const path = file(`param theta : ${type} ~ normal(0, 1)\nvar x : ${type} = ${x0}\nminimize f(x, theta) = ${objective}\nsolve gd { iterations = 100  track = forward }\n`);
    const r = await sgd('run', path);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`numerical fault at the start point x₀: the objective is NaN: ${cause}`);
    // derive --eval reports what run stops on, and still prints its evaluation (exit 0).
    const evaluated = await sgd('derive', '--eval', '--json', path);
    expect(evaluated.code).toBe(0);
    expect(evaluated.err).toContain(`warning: at the start point x₀ (seed 0): the objective is NaN: ${cause}; sgd run stops on it`);
    expect(JSON.parse(evaluated.out).objective).toBeNull();
  });

  it('a finite F and ∇F with a NaN Hessian: F = (x − 1)² + (x²)^1.5 at 0, where the second derivative reads (x²)^(−1/2) = 0^(−1/2)', async () => {
    // F'(0) = −2 + 3·0·|0| = −2 (finite); F'' has the term 3x·x·(x²)^(−1/2), 0·∞ at x = 0.
    const r = await sgd('run', file('var x : R = 0\nminimize f(x) = (x - 1)^2 + (x^2)^1.5\nsolve gd { iterations = 10 }\n'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/numerical fault at the start point x₀: the Hessian is NaN: power not finite \(0\.000 \^ -0\.5000 = Infinity\) in \(x\^2\)\^\(-0\.5\)$/);
  });
});

describe('a fault during a run', () => {
  it('log(x) after a step too far: GD with η = 2 on (x − 3)² − log(x) from 1 reaches x₂ = −21 + 2/11 (by hand), named at iteration 2', async () => {
    // x₁ = 1 − 2·(2(1 − 3) − 1) = 11; x₂ = 11 − 2·(2·8 − 1/11) = −21 + 2/11 = −20.818...
    const x2 = -21 + 2 / 11;
    const out = outDir();
    const r = await sgd('run', file('var x : R = 1\nminimize f(x) = (x - 3)^2 - log(x)\nsolve gd { iterations = 100  step = 2 }\n'), '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`run 0 diverged at iteration 2: step 2.000, 2/L = 0.6667 (partial trace in ${out}/trace.csv): the objective is NaN: log of a non-positive value (log(${x2.toPrecision(4)})) in log(x)`);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'diverged', run: 0, iteration: 2, quantity: 'objective', value: 'NaN', expression: 'log(x)', step: 2 });
    expect(readdirSync(out).sort()).toEqual(['instance.json', 'manifest.json', 'result.json', 'trace.csv']);
  });

  it('F = x³ from −1 with η = 0.1 is unbounded below: F overflows to −∞ at the first k where the hand recursion x ← x − 0.3x² gives x³ = −∞', async () => {
    let x = -1;
    let overflow = 0;
    for (let k = 1; overflow === 0; k++) {
      x -= 0.3 * x * x;
      if (x * x * x === -Infinity) overflow = k;
    }
    const r = await sgd('run', file('var x : R = -1\nminimize f(x) = x^3\nsolve gd { iterations = 100  step = 0.1 }\n'));
    expect(r.code).toBe(2);
    // The first iterations are all record points: the fault is met where the recursion overflows.
    expect(r.err).toContain(`run 0 diverged at iteration ${overflow}:`);
    expect(r.err).toMatch(/the objective is -Infinity; cause: the objective appears unbounded below: F\(x_k\) fell from .* at every record point while ‖x_k‖ grew from/);
  });

  it('a quadratic with η = 3/L diverges by the step, not by unboundedness: the cause names 2/L = 1 (L = 2 by hand)', async () => {
    const r = await sgd('run', file('param theta : R = 1\nvar x : R[2] = 0\nminimize f(x, theta) = norm2(x - theta)\nsolve gd { iterations = 1000  step = 3 / L  track = forward }\n'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/: the objective is \+Infinity; cause: the step 1\.500 is above 2\/L = 1\.000 \(overflow in /);
    expect(r.err).not.toContain('unbounded');
  });
});

describe('the unbounded-below criterion', () => {
  const at = (objective: number[], norm: number[]) => objective.map((f, k) => ({ k, objective: f, norm: norm[k] }));
  it('needs three points of strictly decreasing F and growing ‖x‖, ten-fold overall', () => {
    expect(unboundedBelow(at([0, -1, -8], [1, 2, 10]))).toBe(true);
    expect(unboundedBelow(at([0, -1], [1, 100]))).toBe(false);
    expect(unboundedBelow(at([0, -1, -8], [1, 2, 9]))).toBe(false);
    // A step above 2/L: ‖x‖ grows but F grows with it.
    expect(unboundedBelow(at([1, 4, 16], [1, 4, 16]))).toBe(false);
    // Converging to a far minimizer: F falls, ‖x‖ grows, but not ten-fold.
    expect(unboundedBelow(at([100, 10, 1], [1, 5, 9]))).toBe(false);
  });
});

describe('certification needs a finite F*', () => {
  it('Newton on (x − θ)² + log(x − 5) from 0 stops at a stationary point below 5 (a root of 2(x − θ)(x − 5) + 1 = 0): not certified', async () => {
    const registry = await registryWith([]);
    const path = file('param theta : R ~ normal(0, 1)\nvar x : R = 0\nminimize f(x, theta) = (x - theta)^2 + log(x - 5)\nsolve gd { iterations = 10 }\n');
    const { problem } = loadProblem(path, registry);
    const instance = drawInstance(problem, 0);
    const kernels = new ProblemKernels(problem, buildDerivativeGraphs(problem, registry.rules), instance, registry.functions);
    const reference = computeReference(kernels, instance.theta, instance.x0);
    const [x] = reference.x;
    const theta = instance.theta[0];
    expect(Math.abs(2 * (x - theta) * (x - 5) + 1)).toBeLessThan(1e-12);
    expect(x).toBeLessThan(5);
    expect(reference.objective).toBeNaN();
    expect(reference.certified).toBe(false);
    expect(reference.warning).toMatch(/^F\(x\*\) = NaN: the objective is not finite at the point Newton reached/);
  });
});
