/**
 * Third-party solvers on the general contract through the conformance suite: Nesterov written
 * with `gradientAt` passes, including its declared rate 1 − 1/√κ on the quadratic; the same
 * map with the momentum sign flipped converges to the right point with consistent derivatives
 * and fails exactly the rate; averaged SGD's reported average and a solver whose states start
 * at expressions of θ pass every check (finite differences count ∂θs₀).
 */
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CHECKS, runSolverConformance, type ConformanceReport } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { averagedSgdSolver, flippedNesterovSolver, nesterovSolver, thetaStartedMomentumSolver } from './fixtures/solvers.ts';

const registry = defaultRegistry();

function failing(report: ConformanceReport): string[] {
  return report.checks.filter((c) => c.status === 'failed').map((c) => `${c.problem} ${c.name}: ${c.detail}`);
}

const rateOf = (report: ConformanceReport) => report.checks.find((c) => c.name === CONFORMANCE_CHECKS.rate)!;

describe('the conformance suite on the general contract', () => {
  it('Nesterov (gradientAt at the look-ahead) passes, at its declared rate', () => {
    const report = runSolverConformance(nesterovSolver, registry);
    expect(failing(report), failing(report).join('\n')).toEqual([]);
    expect(rateOf(report).status).toBe('passed');
    // The measured factor is printed: it is close to 1 − 1/√κ (κ ≈ 10² on the suite's quadratic).
    const [, measured, declared] = /measured ρ̂ = ([\d.]+).*= ([\d.]+);/.exec(rateOf(report).detail)!.map(Number);
    expect(measured).toBeLessThan(declared + 0.02);
    expect(declared).toBeLessThan(0.95);
    // Nesterov's map has a state: implicit differentiation goes through its fixed point.
    const implicit = report.checks.filter((c) => c.name === CONFORMANCE_CHECKS.implicit);
    expect(implicit.map((c) => c.status)).toEqual(['passed', 'passed', 'passed']);
    for (const c of implicit) expect(c.detail).toMatch(/through the fixed point/);
  });

  it('the momentum sign flipped: a convergent map with the right fixed point and consistent derivatives FAILS, on the rate only', () => {
    const report = runSolverConformance(flippedNesterovSolver, registry);
    expect(report.checks.filter((c) => c.status === 'failed').map((c) => `${c.problem}: ${c.name}`)).toEqual([`quadratic: ${CONFORMANCE_CHECKS.rate}`]);
    const [, measured, declared] = /measured ρ̂ = ([\d.]+).*= ([\d.]+);/.exec(rateOf(report).detail)!.map(Number);
    // Far slower than promised: −log ρ̂ is a small fraction of −log ρ.
    expect(-Math.log(measured)).toBeLessThan(0.5 * -Math.log(declared));
  });

  it('averaged SGD: the reported average is tracked (forward = finite differences, reverse = forward)', () => {
    const report = runSolverConformance(averagedSgdSolver, registry);
    expect(failing(report), failing(report).join('\n')).toEqual([]);
    const reports = report.checks.filter((c) => c.name === CONFORMANCE_CHECKS.reports);
    expect(reports.map((c) => c.status)).toEqual(['passed', 'passed', 'passed']);
    expect(reports[0].detail).toMatch(/average_x, average_c/);
  });

  it('states that start at expressions of θ, one of them scalar: every tracking mode counts ∂θs₀', () => {
    const report = runSolverConformance(thetaStartedMomentumSolver, registry);
    expect(failing(report), failing(report).join('\n')).toEqual([]);
    expect(report.checks[1].detail).toMatch(/scale: R \(expression\), velocity_x: R\[3\] \(expression\)/);
  });

  it('an exclusion is reported with its reason, not run, and is not a failure', () => {
    const excluding = { ...nesterovSolver, name: 'nesterov_no_gauge', conformance: { ...nesterovSolver.conformance, excludes: [{ problem: 'gauge' as const, reason: 'not written for singular problems' }] } };
    const report = runSolverConformance(excluding, registry, { problems: ['gauge'] });
    expect(report.checks.slice(1).every((c) => c.status === 'excluded' && c.passed && c.detail === 'excluded by the solver: not written for singular problems')).toBe(true);
  });

  it('tolerances come from the options: an impossible one makes a passing check fail', () => {
    const report = runSolverConformance(nesterovSolver, registry, { problems: ['quadratic'], tolerances: { finiteDifference: 1e-30 } });
    expect(report.checks.filter((c) => c.status === 'failed').map((c) => c.name)).toEqual([CONFORMANCE_CHECKS.finiteDifferences]);
  });
});
