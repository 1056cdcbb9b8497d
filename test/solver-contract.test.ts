/**
 * The general solver contract against independent references, through the real pipeline
 * (`.sgd` source → loadProblem → createSession → runSolver):
 *
 * - report nodes: averaged SGD's x̄_t is the mean of the iterates (a hand loop), and its forward
 *   Jacobian equals central finite differences of the whole run (least squares: x̄_t is affine
 *   in θ for a fixed sample path, so the differences are exact up to rounding; 1e-8);
 * - states starting at expressions of θ: forward ∂θx_t equals finite differences (1e-7, the run
 *   is not affine in θ), reverse equals forward (1e-10), and leaving ∂θs₀ out is visibly wrong;
 * - implicit differentiation through the fixed point: GMRES on a gradient step agrees with the
 *   Hessian path (1e-8), and on Nesterov's map with finite differences of a long run and ∂θx*;
 * - `gradientAt` is the gradient kernel at the substituted point; `iteration()` is k;
 * - SID through the solver's own map equals SID's gradient form on a gradient step, and
 *   converges to g* on a map with states.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import {
  compileStepProgram,
  ForwardTracker,
  HypergradientEstimators,
  HypergradientObserver,
  implicitTracking,
  ProblemKernels,
  runSolver,
  SOLVERS,
  Stepper,
  stochasticImplicitDifferentiation,
  type RunResult,
  type RunSpec,
  type SolverPlugin,
  type StepProgram,
  prepareKernelBackend,
} from '@sgdiff/core';
import { createSession, exactReference, loadProblem, runCli, type RunDocument, type RunSession } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';
import { averagedSgdSolver, nesterovSolver, thetaStartedMomentumSolver } from './fixtures/solvers.ts';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

const SEED = 5;
const scratch = mkdtempSync(join(tmpdir(), 'sgd-contract-'));
let files = 0;

const registry = defaultRegistry([
  new ContainerModule(({ bind }) => {
    for (const solver of [averagedSgdSolver, nesterovSolver, thetaStartedMomentumSolver]) bind(SOLVERS).toConstantValue(solver);
  }),
]);

/** Least squares, n = 20, d = 4, θ ∈ R²⁰ (x_t affine in θ for a fixed sample path). */
const leastSquares = (solve: string): string => `dim n = 20
dim d = 4
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] ~ normal(0, 1)
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2 + 0.05 * norm2(x)
${solve}
`;

function session(source: string): RunSession {
  const file = join(scratch, `p${files++}.sgd`);
  writeFileSync(file, source);
  return createSession(loadProblem(file, registry).problem, registry, SEED, file);
}

function run(s: RunSession, spec: Partial<RunSpec>, options: { theta?: Float64Array; program?: StepProgram } = {}): RunResult {
  const kernels = options.theta ? new ProblemKernels(s.problem, s.kernels.graphs, { ...s.kernels.instance, theta: options.theta }, registry.functions) : s.kernels;
  const full: RunSpec = { iterations: s.settings.iterations, track: 'none', checkpointing: 'none', linearSolver: 'direct', seed: SEED, run: 0, recordAt: [], ...spec };
  return runSolver(options.program ?? s.program, kernels, s.reference, full, registry.functions);
}

/** Central differences of `read(run)` along every θ entry, tangent-major. */
function finiteDifferences(s: RunSession, read: (r: RunResult) => Float64Array, h: number, spec: Partial<RunSpec> = {}, program?: StepProgram): Float64Array {
  const theta = s.kernels.instance.theta;
  const columns: Float64Array[] = [];
  for (let p = 0; p < theta.length; p++) {
    const at = (sign: number): Float64Array => {
      const t = Float64Array.from(theta);
      t[p] += sign * h;
      return read(run(s, spec, { theta: t, program }));
    };
    const [plus, minus] = [at(1), at(-1)];
    columns.push(plus.map((v, j) => (v - minus[j]) / (2 * h)));
  }
  const out = new Float64Array(columns.reduce((n, c) => n + c.length, 0));
  columns.forEach((c, p) => out.set(c, p * c.length));
  return out;
}

const relative = (a: Float64Array, b: Float64Array): number => Math.hypot(...a.map((v, j) => v - b[j])) / Math.hypot(...b);

describe('report nodes (Polyak–Ruppert averaged SGD)', () => {
  const s = session(leastSquares('solve averaged_sgd { iterations = 400  step = 0.05  track = forward }'));

  it('x̄_t is the mean of x_0..x_t (a hand average of the same run), so iteration() is k', () => {
    const stepper = new Stepper(s.program, s.kernels, s.reference, SEED, 0, registry.functions);
    const sum = Float64Array.from(stepper.x);
    for (let k = 0; k < 400; k++) {
      stepper.prepare(k);
      stepper.advance();
      stepper.x.forEach((v, j) => (sum[j] += v));
    }
    const average = run(s, {}).reports!.average_x.value;
    expect(relative(average, sum.map((v) => v / 401))).toBeLessThan(1e-13);
  });

  it('the forward Jacobian of x̄_t equals central finite differences of the run (1e-8), and reverse equals forward (1e-12)', () => {
    const forward = run(s, { track: 'forward' }).reports!.average_x;
    // x̄_t is affine in θ for the fixed sample path: central differences are exact but for rounding.
    const fd = finiteDifferences(s, (r) => r.reports!.average_x.value, 1e-3);
    expect(relative(forward.jacobian!, fd)).toBeLessThan(1e-8);
    for (const checkpointing of ['none', 'sqrt'] as const) {
      const reverse = run(s, { track: 'reverse', checkpointing }).reports!.average_x;
      expect(relative(reverse.jacobian!, forward.jacobian!)).toBeLessThan(1e-12);
    }
    // x̄ differs from x_t: the report is not the var under another name.
    const last = run(s, { track: 'forward' });
    expect(relative(forward.jacobian!, last.jacobian!)).toBeGreaterThan(1e-2);
  });
});

describe('reports in result.json', () => {
  it('`sgd run --plugin --json` writes reports with values and Jacobians by param, equal to the run loop’s', async () => {
    const file = join(scratch, `p${files++}.sgd`);
    writeFileSync(file, leastSquares('solve averaged_sgd { iterations = 400  step = 0.05  track = forward }'));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['run', file, '--plugin', './test/fixtures/averaged-sgd-plugin.ts', '--seed', String(SEED), '--json'], { out: (t) => out.push(t), err: (t) => err.push(t) });
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    const document = JSON.parse(out.join('\n')) as RunDocument;
    const s = session(leastSquares('solve averaged_sgd { iterations = 400  step = 0.05  track = forward }'));
    const direct = run(s, { track: 'forward' }).reports!.average_x;
    expect(document.reports!.average_x.value).toEqual(Array.from(direct.value));
    const block = document.reports!.average_x.jacobian!.theta;
    expect([block.length, block[0].length]).toEqual([4, 20]);
    // Rows: entries of x̄; columns: entries of θ; the run loop's Jacobian is tangent-major.
    for (let r = 0; r < 4; r++) for (let c = 0; c < 20; c++) expect(block[r][c]).toBe(direct.jacobian![c * 4 + r]);
    // Vars keep their place: `x` and `jacobian` are x_t's, not the average's.
    expect(document.x.x).not.toEqual(document.reports!.average_x.value);
  });
});

describe('solver states that start at expressions of θ (∂θs₀ ≠ 0)', () => {
  const s = session(leastSquares('solve theta_started_momentum { iterations = 60  step = 0.05  track = forward }'));

  it('forward ∂θx_t equals finite differences (1e-7), reverse equals forward (1e-10), and dropping ∂θs₀ is wrong', () => {
    expect(s.program.initDependsOnTheta).toBe(true);
    const forward = run(s, { track: 'forward' }).jacobian!;
    const fd = finiteDifferences(s, (r) => r.x, 1e-5);
    // Not affine in θ (the step scale starts at 1 + ‖θ‖²/(10n)): O(h²) differences.
    expect(relative(forward, fd)).toBeLessThan(1e-7);
    for (const checkpointing of ['none', 'sqrt'] as const) expect(relative(run(s, { track: 'reverse', checkpointing }).jacobian!, forward)).toBeLessThan(1e-10);
    const withoutStart = run(s, { track: 'forward' }, { program: { ...s.program, initDependsOnTheta: false } }).jacobian!;
    // ∂θs₀ moves the Jacobian by 10⁴ times the finite-difference tolerance.
    expect(relative(withoutStart, fd)).toBeGreaterThan(1e-3);
  });
});

describe('implicit differentiation through the fixed point', () => {
  it('recognizes plain gradient steps; a map with states is not one', () => {
    const gd = session(leastSquares('solve gd { iterations = 10 }'));
    expect(gd.program.gradientStep).toBe(true);
    for (const name of ['sgd', 'inexact_sgd', 'fixed_point']) expect(session(leastSquares(`solve ${name} { iterations = 10 }`)).program.gradientStep).toBe(true);
    for (const name of ['nesterov', 'averaged_sgd', 'theta_started_momentum']) expect(session(leastSquares(`solve ${name} { iterations = 10 }`)).program.gradientStep).toBe(false);
  });

  it('on a gradient step, GMRES through the map agrees with the Hessian path (1e-8)', () => {
    const s = session(leastSquares('solve gd { iterations = 3000  step = 1 / L  track = implicit }'));
    const hessian = run(s, { track: 'implicit' });
    expect(hessian.implicitSolve).toBeUndefined();
    const forced = run(s, { track: 'implicit' }, { program: { ...s.program, gradientStep: false } });
    expect(forced.implicitSolve!.residual).toBeLessThan(1e-12);
    expect(relative(forced.jacobian!, hessian.jacobian!)).toBeLessThan(1e-8);
    expect(relative(hessian.jacobian!, exactReference(s).jacobian)).toBeLessThan(1e-8);
  });

  it("on Nesterov's map (a state): equals finite differences of a long run and ∂θx* (1e-8)", () => {
    const s = session(leastSquares('solve nesterov { iterations = 3000  step = 1 / L  momentum = 0.5  track = implicit }'));
    // Full batch: the map whose fixed point is differentiated is the run's own map.
    const full: StepProgram = { ...s.program, solver: { ...s.program.solver, sampling: 'full' } as SolverPlugin };
    const implicit = run(s, { track: 'implicit' }, { program: full });
    expect(implicit.implicitSolve!.converged).toBe(true);
    expect(implicit.implicitSolve!.condition).toBeGreaterThan(1);
    const fd = finiteDifferences(s, (r) => r.x, 1e-3, {}, full);
    expect(relative(implicit.jacobian!, fd)).toBeLessThan(1e-8);
    expect(relative(implicit.jacobian!, exactReference(s).jacobian)).toBeLessThan(1e-8);
  });

  it('a map without a fixed point: a clear error naming the residual and the condition, never a number', () => {
    const s = session(leastSquares('solve gd { iterations = 1 }'));
    // x' = x + mean(θ): I − ∂ₛΦ = 0 and ∂θΦ ≠ 0, so (I − ∂ₛΦ)J = ∂θΦ has no solution.
    const drift: SolverPlugin = {
      name: 'drift',
      doc: 'x + mean(θ).',
      sampling: 'full',
      options: [],
      stepMap: (ctx) => {
        const b = ctx.builder;
        const theta = ctx.problem.tensors.find((t) => t.kind === 'param')!.node;
        return { next: ctx.vars.map((x) => b.add(x, b.div(b.sum(theta), b.const(20)))) };
      },
    };
    const program = compileStepProgram(s.problem, s.kernels.graphs, s.kernels.instance, drift, registry);
    expect(program.gradientStep).toBe(false);
    const stepper = new Stepper(program, s.kernels, s.reference, SEED, 0, registry.functions);
    expect(() => implicitTracking(stepper, 0, 'direct')).toThrow(/GMRES reached a relative residual of 1\.00e\+0 \(condition estimate of I − ∂ₛΦ: /);
  });
});

describe('declaration mistakes are named when the step map is compiled', () => {
  const s = session(leastSquares('solve gd { iterations = 1 }'));
  const compile = (stepMap: SolverPlugin['stepMap']) => () =>
    compileStepProgram(s.problem, s.kernels.graphs, s.kernels.instance, { name: 'wrong', doc: 'A mistake.', sampling: 'full', options: [], stepMap }, registry);
  it('a start that reads the sample, a start of the wrong shape, a report that reads the sample', () => {
    const sample = s.problem.sample!.node;
    expect(
      compile((ctx) => {
        const m = ctx.state('m', [], ctx.builder.mul(sample, ctx.builder.const(1)));
        return { next: ctx.vars, states: { m } };
      }),
    ).toThrow("solver 'wrong': the start of the state 'm' reads a state, the sample, a schedule or noise; it may read x₀, θ, data and constants");
    expect(
      compile((ctx) => {
        const m2 = ctx.state('m2', [2], ctx.builder.const(0));
        return { next: ctx.vars, states: { m2 } };
      }),
    ).toThrow("solver 'wrong': the start of the state 'm2' is R, not R[2]");
    // One name, two shapes (here across two declarations on the same problem).
    expect(
      compile((ctx) => {
        const m = ctx.state('m', [3], ctx.builder.broadcast(ctx.builder.const(0), [3]));
        return { next: ctx.vars, states: { m } };
      }),
    ).toThrow("solver 'wrong': the state 'm' is declared with two shapes (input state:m used with shapes R and R[3]); use one name per shape");
    expect(compile((ctx) => ({ next: ctx.vars, reports: { r: ctx.builder.mul(sample, ctx.builder.const(2)) } }))).toThrow(
      "solver 'wrong': the report 'r' reads the sample; a report is a function of the state",
    );
  });
});

describe('gradientAt', () => {
  it('is the gradient kernel at the substituted point', () => {
    const s = session(leastSquares('solve gd { iterations = 1 }'));
    const doubled: SolverPlugin = {
      name: 'doubled',
      doc: 'x − ∇f(2x).',
      sampling: 'full',
      options: [],
      stepMap: (ctx) => ({ next: ctx.gradientAt(ctx.vars.map((x) => ctx.builder.mul(ctx.builder.const(2), x))).map((g, k) => ctx.builder.sub(ctx.vars[k], g!)) }),
    };
    const program = compileStepProgram(s.problem, s.kernels.graphs, s.kernels.instance, doubled, registry);
    const stepper = new Stepper(program, s.kernels, s.reference, SEED, 0, registry.functions);
    stepper.prepare(0);
    const x = Float64Array.from(stepper.x);
    stepper.advance();
    const g = new Float64Array(x.length);
    s.kernels.full('gradX', x.map((v) => 2 * v), s.kernels.instance.theta, new Float64Array(0), g);
    expect(relative(stepper.x, x.map((v, j) => v - g[j]))).toBeLessThan(1e-14);
  });
});

describe('SID through the solver’s own fixed point', () => {
  it('equals the gradient form on a gradient step (sid_sampling = full), and converges to g* on a map with a state', () => {
    const gd = session(leastSquares('solve gd { iterations = 3000  step = 0.2 }'));
    const estimators = new HypergradientEstimators(gd.kernels, gd.kernels, 'direct');
    const exact = estimators.implicit(exactReference(gd).x);
    const spec = { iterations: 400, step: () => 1, alpha: 0.2, batch: 1, full: true, seed: SEED, run: 0, recordAt: [] };
    const result = run(gd, {});
    const stepper = new Stepper(gd.program, gd.kernels, gd.reference, SEED, 0, registry.functions);
    const gradientForm = stochasticImplicitDifferentiation(estimators, result.x, gd.reference, spec, exact);
    const ownForm = stochasticImplicitDifferentiation(estimators, result.x, gd.reference, { ...spec, fixedPoint: { program: gd.program, state: result.x, hypers: stepper.noiselessInputs(0) } }, exact);
    expect(relative(ownForm.gradient, gradientForm.gradient)).toBeLessThan(1e-13);
    expect(relative(ownForm.gradient, exact)).toBeLessThan(1e-8);

    const nesterov = session(leastSquares('solve nesterov { iterations = 3000  step = 0.2  momentum = 0.5 }'));
    const full: StepProgram = { ...nesterov.program, solver: { ...nesterov.program.solver, sampling: 'full' } as SolverPlugin };
    const last = run(nesterov, {}, { program: full });
    expect(last.fixedPoint).toBeDefined();
    const sid = stochasticImplicitDifferentiation(estimators, last.x, nesterov.reference, { ...spec, fixedPoint: { program: full, state: last.fixedPoint!.state, hypers: last.fixedPoint!.inputs } }, exact);
    expect(relative(sid.gradient, exact)).toBeLessThan(1e-8);
  });
});

describe('g3 (the implicit hypergradient) through the solver’s own fixed point', () => {
  it('equals g3 by the Hessian at a fixed point of Nesterov’s map and g* (1e-8), in the run loop’s observer too', () => {
    const source = leastSquares('solve nesterov { iterations = 3000  step = 0.2  momentum = 0.5  estimator = implicit }').replace(
      'sample i ~ uniform(n)',
      'sample i ~ uniform(n)\nsample j ~ uniform(n)\nouter E(x; j) = 0.5 * (A[j] . x - 1)^2',
    );
    const s = session(source);
    const full: StepProgram = { ...s.program, solver: { ...s.program.solver, sampling: 'full' } as SolverPlugin };
    const { estimators } = s.hyper!;
    const exact = s.hyper!.reference!;
    const observer = new HypergradientObserver(estimators, ['implicit'], exact);
    const result = run(s, { recordAt: [0, 3000], observers: [observer] }, { program: full });
    const atFixedPoint = estimators.implicitAtFixedPoint({ program: full, state: result.fixedPoint!.state, hypers: result.fixedPoint!.inputs });
    expect(relative(atFixedPoint, estimators.implicit(result.x))).toBeLessThan(1e-8);
    expect(relative(atFixedPoint, exact)).toBeLessThan(1e-8);
    expect(relative(observer.last.get('implicit')!, exact)).toBeLessThan(1e-8);
  });
});

describe('forward tracking starts from ∂θs₀', () => {
  it('J₀ is ∂θs₀ before any step (the velocity starts at 0.3 mean(θ): ∂/∂θ_p = 0.3/n)', () => {
    const s = session(leastSquares('solve theta_started_momentum { iterations = 1  step = 0.05  track = forward }'));
    const stepper = new Stepper(s.program, s.kernels, s.reference, SEED, 0, registry.functions);
    const state = new ForwardTracker(stepper).stateJacobian();
    const S = s.program.stateSize;
    const velocity = s.program.slots.find((slot) => slot.name === 'velocity_x')!;
    for (let p = 0; p < 20; p++) for (let j = 0; j < 4; j++) expect(state[p * S + velocity.offset + j]).toBeCloseTo(0.3 / 20, 15);
    // x₀ does not depend on θ.
    for (let p = 0; p < 20; p++) for (let j = 0; j < 4; j++) expect(state[p * S + j]).toBe(0);
  });
});
