/**
 * Every built-in solver passes the solver conformance suite, the same one a third-party
 * solver plugin is held to (docs/solver-plugins.md); and the suite is not vacuous: solvers
 * broken in the usual ways fail the check that names the mistake.
 */
import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CHECKS, FUNCTIONS, runSolverConformance, type ConformanceOptions, type ConformanceReport, type ElementwiseFunction, type SolverPlugin } from '@sgdiff/core';
import { defaultRegistry } from '../module.ts';
import { gradientStep, sgdSolver } from './gradient-descent.ts';

const registry = defaultRegistry();

function failing(report: ConformanceReport): string[] {
  return report.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
}

function failedNames(report: ConformanceReport): string[] {
  return report.checks.filter((c) => !c.passed).map((c) => c.name);
}

/**
 * Suite settings a solver needs beyond the defaults. The suite sets expression options other
 * than `step` to 0 in its deterministic checks (right for a perturbation size), which would
 * freeze fixed_point, whose `alpha` is the gradient step of its map.
 */
const SETTINGS: Readonly<Record<string, ConformanceOptions>> = {
  fixed_point: { schedules: { deterministic: { alpha: { text: '2 / (L + mu)', build: (b, v) => b.div(b.const(2), b.add(v.L, v.mu)) } } } },
};

describe('built-in solvers pass the conformance suite', () => {
  it('covers gd, sgd and inexact_sgd', () => {
    expect([...registry.solvers.keys()]).toEqual(expect.arrayContaining(['gd', 'sgd', 'inexact_sgd']));
  });

  for (const [name, solver] of registry.solvers) {
    it(name, () => {
      const report = runSolverConformance(solver, registry, SETTINGS[name]);
      expect(report.solver).toBe(name);
      expect(report.checks.map((c) => c.name)).toEqual(Object.values(CONFORMANCE_CHECKS));
      expect(failing(report), `failing checks of ${name}:\n${failing(report).join('\n')}`).toEqual([]);
    });
  }
});

describe('the conformance suite catches broken solvers', () => {
  it('a biased step: x* is not a fixed point and runs do not converge to it', () => {
    const biased: SolverPlugin = {
      ...sgdSolver,
      name: 'biased',
      stepMap: (ctx) => ({ next: gradientStep(ctx, (k) => ctx.gradient[k] && ctx.builder.add(ctx.gradient[k]!, ctx.builder.const(0.01))) }),
    };
    expect(failedNames(runSolverConformance(biased, registry))).toEqual([CONFORMANCE_CHECKS.fixedPoint, CONFORMANCE_CHECKS.convergence]);
  });

  it('one state name for every var: the step map does not build', () => {
    const shared: SolverPlugin = {
      ...sgdSolver,
      name: 'shared_state',
      stepMap(ctx) {
        const b = ctx.builder;
        const next = gradientStep(ctx).map((x, k) => b.add(x, b.mul(b.const(0.5), b.sub(ctx.vars[k], ctx.state('previous', ctx.vars[k], 'copy')))));
        return { next, states: { previous: ctx.vars[0] } };
      },
    };
    const report = runSolverConformance(shared, registry);
    expect(report.checks[1]).toMatchObject({ name: CONFORMANCE_CHECKS.builds, passed: false });
    expect(report.checks[1].detail).toMatch(/previous/);
    expect(report.checks.slice(2).every((c) => !c.passed && c.detail.startsWith('not run'))).toBe(true);
  });

  it('bad option declarations', () => {
    const declared: SolverPlugin = {
      ...sgdSolver,
      name: 'bad_options',
      options: [
        ...sgdSolver.options,
        { name: 'momentum', type: 'number', default: 2, min: 0, max: 0.999, doc: 'β.' },
        { name: 'mode', type: 'enum', default: 'fast', values: ['slow'], doc: 'A mode.' },
        { name: 'decay', type: 'expression', default: '1 / k', doc: 'Lists no variables.' },
      ],
    };
    const check = runSolverConformance(declared, registry).checks[0];
    expect(check.passed).toBe(false);
    expect(check.detail).toContain("option 'momentum': default 2 > max 0.999");
    expect(check.detail).toContain("option 'mode': default \"fast\" is not among slow");
    expect(check.detail).toContain("option 'decay': an expression option lists no variables");
  });

  it('a wrong derivative rule in a function the step map uses: forward tracking is not the derivative of the run', () => {
    // tanh with the derivative 1 instead of 1 − tanh²: the step kernel is right, its derivative is not.
    const wrongTanh: ElementwiseFunction = { name: 'wrong_tanh', doc: 'tanh with a wrong derivative.', evaluate: Math.tanh, derivative: (b, z) => b.broadcast(b.const(1), z.shape) };
    const withWrongTanh = defaultRegistry([new ContainerModule(({ bind }) => void bind(FUNCTIONS).toConstantValue(wrongTanh))]);
    // An adaptive step η (1 + tanh(‖x‖²) / 2) g: x* stays the fixed point, only the derivative is wrong.
    const adaptive: SolverPlugin = {
      ...sgdSolver,
      name: 'adaptive_sgd',
      stepMap(ctx) {
        const b = ctx.builder;
        const scale = b.add(b.const(1), b.mul(b.const(0.5), b.map('wrong_tanh', b.norm2(ctx.vars[0]))));
        return { next: gradientStep(ctx, (k) => ctx.gradient[k] && b.mul(scale, ctx.gradient[k]!)) };
      },
    };
    const report = runSolverConformance(adaptive, withWrongTanh);
    expect(failedNames(report)).toEqual([CONFORMANCE_CHECKS.finiteDifferences]);
  });
});
