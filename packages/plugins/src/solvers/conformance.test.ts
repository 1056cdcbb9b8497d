/**
 * Every built-in solver passes the solver conformance suite, the same one a third-party
 * solver plugin is held to (docs/solver-plugins.md); and the suite is not vacuous: solvers
 * broken in the usual ways fail the check that names the mistake.
 */
import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CHECKS, CONFORMANCE_PROBLEMS, conformanceChecksOf, FUNCTIONS, runSolverConformance, type ConformanceReport, type ElementwiseFunction, type SolverPlugin } from '@sgdiff/core';
import { defaultRegistry } from '../module.ts';
import { gradientStep, sgdSolver } from './gradient-descent.ts';

const registry = defaultRegistry();

function failing(report: ConformanceReport): string[] {
  return report.checks.filter((c) => c.status === 'failed').map((c) => `${c.problem ?? ''} ${c.name}: ${c.detail}`);
}

/** Failed checks as `problem: key`. */
function failedNames(report: ConformanceReport): string[] {
  const key = (name: string): string => Object.entries(CONFORMANCE_CHECKS).find(([, v]) => v === name)?.[0] ?? name;
  return report.checks.filter((c) => c.status === 'failed').map((c) => `${c.problem}: ${key(c.name)}`);
}

/** Every check the suite runs, in order: the declarations, then each problem's checks. */
const ALL_CHECKS = [CONFORMANCE_CHECKS.options, ...CONFORMANCE_PROBLEMS.flatMap((p) => conformanceChecksOf(p).map((k) => CONFORMANCE_CHECKS[k]))];

describe('built-in solvers pass the conformance suite', () => {
  it('covers gd, sgd and inexact_sgd', () => {
    expect([...registry.solvers.keys()]).toEqual(expect.arrayContaining(['gd', 'sgd', 'inexact_sgd']));
  });

  for (const [name, solver] of registry.solvers) {
    it(name, () => {
      const report = runSolverConformance(solver, registry);
      expect(report.solver).toBe(name);
      expect(report.checks.map((c) => c.name)).toEqual(ALL_CHECKS);
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
    // The gauge problem has no unique x* to miss, but a biased map has no stationary point either.
    // (∂θx by the Hessian does not depend on x on the quadratic, so its implicit check passes.)
    expect(failedNames(runSolverConformance(biased, registry))).toEqual([
      'quadratic: fixedPoint',
      'quadratic: convergence',
      'quadratic: rate',
      'logistic: fixedPoint',
      'logistic: convergence',
      'logistic: implicit',
      'gauge: fixedPoint',
      'gauge: convergence',
    ]);
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
    const builds = report.checks.filter((c) => c.name === CONFORMANCE_CHECKS.builds);
    expect(builds.map((c) => [c.problem, c.status])).toEqual(CONFORMANCE_PROBLEMS.map((p) => [p, 'failed']));
    for (const c of builds) expect(c.detail).toMatch(/previous/);
    const later = report.checks.slice(1).filter((c) => c.name !== CONFORMANCE_CHECKS.builds);
    expect(later.map((c) => `${c.status}: ${c.detail}`)).toEqual(later.map(() => 'failed: not run: the step map did not build'));
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
      // Another method than SGD: it does not make SGD's promise of a rate.
      conformance: undefined,
      stepMap(ctx) {
        const b = ctx.builder;
        const scale = b.add(b.const(1), b.mul(b.const(0.5), b.map('wrong_tanh', b.norm2(ctx.vars[0]))));
        return { next: gradientStep(ctx, (k) => ctx.gradient[k] && b.mul(scale, ctx.gradient[k]!)) };
      },
    };
    const report = runSolverConformance(adaptive, withWrongTanh);
    expect(failedNames(report)).toEqual(CONFORMANCE_PROBLEMS.map((p) => `${p}: finiteDifferences`));
  });
});
