/**
 * Hostile input through real `.sgd` files, end to end (the codegen tests feed the same corpus to
 * the IR directly): names that are special in JavaScript become ordinary names, names that would
 * break out of generated source cannot even be lexed, extreme numbers stay numbers; and the
 * derivative graphs never hold a dense Hessian.
 */
import { describe, expect, it } from 'vitest';
import { buildDerivativeGraphs, topologicalOrder, type Node } from '@sgdiff/core';
import {loadProblem, registryWith } from '@sgdiff/cli';
import { sgd, sgdFile } from './support/cli.ts';

const file = (text: string): string => sgdFile(text, 'sgd-hostile-');

describe('names special in JavaScript', () => {
  // F = ½‖x − θ‖² + ε‖x‖²/2 in disguise: x* = θ/(1 + ε), ∂θx* = I/(1 + ε).
  const source = `dim constructor = 3
const __proto__ = 0.5
const toString = 1e-300
data hasOwnProperty : R[constructor] ~ normal(0, 1)
param valueOf : R[constructor] ~ normal(0, 1)
var prototype : R[constructor] = 0
minimize f(prototype, valueOf) = __proto__ * norm2(prototype - valueOf) + toString * (hasOwnProperty . prototype) + 0.5 * __proto__ * norm2(prototype)
solve gd { iterations = 200 step = 1 / L }
`;

  it('are ordinary names in check, derive --eval and run, with the closed-form solution', async () => {
    const path = file(source);
    expect((await sgd('check', path)).code).toBe(0);
    const derived = await sgd('derive', path, '--eval', '--json');
    expect(derived.code).toBe(0);
    const evaluation = JSON.parse(derived.out);
    expect(Object.keys(evaluation.instance)).toEqual(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype']);
    expect(evaluation.instance.constructor).toBe(3);
    expect(evaluation.instance.__proto__).toBe(0.5);
    expect(Object.getPrototypeOf(evaluation.instance)).toBe(Object.prototype);
    const ran = await sgd('run', path, '--json');
    expect(ran.code).toBe(0);
    const result = JSON.parse(ran.out);
    // ∇F = (x − θ) + 1e-300·h + 0.5·x = 0: x* = θ/1.5 (the 1e-300 term is far below rounding).
    (result.reference.x.prototype as number[]).forEach((v, j) => expect(v).toBeCloseTo(evaluation.instance.valueOf[j] / 1.5, 14));
    (result.x.prototype as number[]).forEach((v, j) => expect(v).toBeCloseTo(evaluation.instance.valueOf[j] / 1.5, 12));
  });

  it('cannot smuggle code: such names do not lex, and the errors are positioned', async () => {
    const path = file('var x : R = 0\nminimize f(x) = x);process.exit(1);(x\nconst c = 1e999\n');
    const r = await sgd('check', path);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${path}:2:18: error:`);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('reports a non-finite constant instead of computing with it', async () => {
    const path = file('const c = 1e308 * 10\nvar x : R = 0\nminimize f(x) = c * x^2\n');
    const r = await sgd('check', path);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${path}:1:11: error:`);
  });
});

describe('derivative graphs', () => {
  it('never hold a node with D² entries: Hessians are applied, never formed', async () => {
    const registry = await registryWith([]);
    const path = file(`dim n = 50
dim d = 40
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = softplus(A[i] . x - theta[i]) + 0.1 * norm2(x) + logsumexp(A @ x)
`);
    const { problem } = loadProblem(path, registry);
    const graphs = buildDerivativeGraphs(problem, registry.rules);
    const roots = [graphs.value, ...graphs.gradX, ...graphs.gradTheta, ...graphs.hvp, ...graphs.cross, ...graphs.crossTranspose].filter((n): n is Node => n !== null);
    const sizes = topologicalOrder(roots).map((n) => n.shape.reduce((a, b) => a * b, 1));
    // The largest node is the data matrix A (n·d = 2000); d² = 1600 would be a Hessian.
    expect(Math.max(...sizes)).toBe(50 * 40);
    expect(topologicalOrder(roots).filter((n) => n.shape.length === 2 && n.shape[0] === 40 && n.shape[1] === 40)).toEqual([]);
  });
});
