/**
 * `sgd derive` prints formulas people read: simplified (like terms collected, numeric factors
 * folded, t · (1/t) cancelled), headed by the file's own var and param names, LaTeX names upright
 * with subscripts; `--unsimplified` keeps the graphs as differentiated. The simplified graphs
 * are checked against the unsimplified ones by a scalar interpreter written here, at random
 * points (relative 1e-12).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDerivativeGraphs, type Node } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { loadProblem, PrintSimplifier, runCli } from '@sgdiff/cli';

const dir = mkdtempSync(join(tmpdir(), 'sgd-derive-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function derive(...args: string[]): Promise<string> {
  const out: string[] = [];
  const code = await runCli(['derive', ...args], { out: (s) => out.push(s), err: () => {} });
  expect(code).toBe(0);
  return out.join('\n');
}

const FUNCTIONS: Record<string, (v: number) => number> = { exp: Math.exp, sqrt: Math.sqrt, log: Math.log };

/** A scalar interpreter of the IR's arithmetic, independent of the code generator. */
function evaluate(node: Node, inputs: Record<string, number>, memo = new Map<number, number>()): number {
  const hit = memo.get(node.id);
  if (hit !== undefined) return hit;
  const [a, b] = node.args.map((arg) => evaluate(arg, inputs, memo));
  const value = ((): number => {
    switch (node.op) {
      case 'const':
        return node.value as number;
      case 'input':
        return inputs[`${node.input!.kind}:${node.input!.name}`];
      case 'add':
        return a + b;
      case 'sub':
        return a - b;
      case 'mul':
        return a * b;
      case 'div':
        return a / b;
      case 'pow':
        return a ** b;
      case 'neg':
        return -a;
      case 'map':
        return FUNCTIONS[node.fn as string](a);
      case 'broadcast':
      case 'sum':
        return a;
      default:
        throw new Error(`the scalar interpreter has no ${node.op}`);
    }
  })();
  memo.set(node.id, value);
  return value;
}

const SCALAR = `param t : R = 0.3
param s : R = 1.5
var x : R = 0.7
minimize f(x, t, s) = sqrt(x^2 + t^2 + 1) + 0.25 * (x + x) * t + exp(t) * x^2 / (2 * x + 3) + s * x * (1 / (s * x)) * x^3 - 0.5 * x * 4 * x / t
`;

describe('simplification for printing', () => {
  it('keeps every value: f, ∇F, the Hessian and cross products at random points (1e-12)', () => {
    const registry = defaultRegistry();
    const { problem } = loadProblem(file('scalar.sgd', SCALAR), registry);
    const graphs = buildDerivativeGraphs(problem, registry.rules);
    const simplifier = new PrintSimplifier(problem.builder);
    const roots = [graphs.value, ...graphs.gradX, ...graphs.hvp, ...graphs.cross].filter((n): n is Node => n !== null);
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 + 0.1;
    for (let trial = 0; trial < 20; trial++) {
      const inputs = { 'var:x': random(), 'param:t': random(), 'param:s': random(), 'tangent:var:x': random() - 1, 'tangent:param:t': random() - 1, 'tangent:param:s': random() - 1 };
      for (const root of roots) {
        const exact = evaluate(root, inputs);
        const simplified = evaluate(simplifier.simplify(root), inputs);
        expect(Math.abs(simplified - exact)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(exact)));
      }
    }
  });

  it('collects like terms, folds numeric factors and cancels a factor against its reciprocal', async () => {
    const text = await derive(file('fold.sgd', 'param t : R = 1\nvar x : R = 1\nminimize f(x, t) = 0.25 * (x + x) * t + (2 * t) * (0.5 * x) * (1 / (t * x)) * x\n'));
    const f = text.split('\n')[0];
    // 0.25 (x + x) t = 0.5 x t, and (2t)(0.5x)(1/(tx)) x = x.
    expect(f).toBe('f(x, t) = x + 0.5 * (t * x)');
    expect(text).not.toMatch(/(\bt\d+) \+ \1\b/);
  });

  it('--unsimplified prints the graphs as differentiated', async () => {
    const path = file('fold2.sgd', 'param t : R = 1\nvar x : R = 1\nminimize f(x, t) = 0.25 * (x + x) * t\n');
    expect((await derive(path, '--unsimplified')).split('\n')[0]).toBe('f(x, t) = t * (0.25 * (x + x))');
    expect((await derive(path)).split('\n')[0]).toBe('f(x, t) = 0.5 * (t * x)');
  });
});

describe('headings named after the file', () => {
  const path = file('names.sgd', 'dim n = 3\nparam b : R[n] = 1\nparam loglam : R = 0\nvar W : R[n] = 1\nminimize f(W, b, loglam) = 0.5 * exp(loglam) * norm2(W - b)\n');

  it('uses the var and param names, in the text and its footer', async () => {
    const text = await derive(path);
    expect(text).toContain('∇_W F = ');
    expect(text).toContain('∇²_W,W F · v_W = ');
    expect(text).toContain('∇²_W,(b, loglam) F · u = ');
    expect(text).toContain('v_W is a direction in the var W; u = (u_b, u_loglam) is a direction in the params b, loglam.');
    expect(text).not.toContain('θ');
  });

  it('sets multi-letter names upright in LaTeX, with subscripts', async () => {
    const latex = await derive(path, '--format', 'latex');
    expect(latex).toContain('\\exp\\left(\\mathrm{loglam}\\right)');
    expect(latex).toContain('\\nabla^2_{W\\,(b, \\mathrm{loglam})} F \\cdot u');
    expect(latex).not.toMatch(/[^{\\]loglam/);
    const sub = await derive(file('sub.sgd', 'param lambda_max : R = 1\nvar x_0 : R = 1\nminimize f(x_0, lambda_max) = lambda_max * x_0^2\n'), '--format', 'latex');
    expect(sub).toContain('x_{0}');
    expect(sub).toContain('\\lambda_{\\mathrm{max}}');
  });
});
