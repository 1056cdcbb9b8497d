/**
 * The solver conformance suite: what every solver plugin, built-in or third-party, must pass
 * (in the spirit of MathOptInterface's tests). It builds its own small problems directly in IR
 * (a ridge least squares, a ridge logistic regression, and a least squares with a gauge
 * freedom), compiles the plugin's step map on each, and checks the declarations, the fixed
 * point, convergence, implicit differentiation at the fixed point, that the derivative tracking
 * the framework derives from the step map is the derivative of the run (vars and reports), and,
 * when the plugin declares one, its rate on the quadratic. Tolerances come from the options;
 * a plugin excludes what it does not support (its `conformance` declaration). It returns a
 * report rather than asserting, so it runs under any test framework.
 */
import { buildDerivativeGraphs, type DerivativeGraphs } from '../derive/graphs.ts';
import { ProblemKernels } from '../derive/kernels.ts';
import type { Node } from '../ir/node.ts';
import { formatShape } from '../ir/shape.ts';
import { distance, norm } from '../linalg/vector.ts';
import type { PluginRegistry } from '../plugin/registry.ts';
import { drawInstance, type Instance } from '../problem/instance.ts';
import type { Problem } from '../problem/problem.ts';
import { computeReference, type Reference } from '../reference/reference.ts';
import type { ConformanceProblemName, ScheduleChoice, ScheduleChoices } from './conformance-declaration.ts';
import { describeOptions, optionProblems } from './conformance-options.ts';
import { CONFORMANCE_SIZES, conformanceProblem, type ProblemSchedules } from './conformance-problems.ts';
import type { SolverPlugin } from './contract.ts';
import { fixedPointJacobian } from './fixed-point-implicit.ts';
import { ForwardTracker } from './forward-tracker.ts';
import { runSolver, type RunResult, type RunSpec } from './run.ts';
import { compileStepProgram, type StepProgram } from './step-program.ts';
import { Stepper } from './stepper.ts';

/**
 * One check of the suite.
 * @category Plugins
 */
export interface ConformanceCheck {
  /** What is checked, e.g. `x* is a fixed point of the full-batch step map` (one of {@link CONFORMANCE_CHECKS}). */
  readonly name: string;
  /** The problem it ran on (absent for the declarations check). */
  readonly problem?: ConformanceProblemName;
  /** `excluded`: the solver declared it does not support it (the reason is the detail). */
  readonly status: 'passed' | 'failed' | 'excluded';
  /** False only for a failure: an excluded check is not one. */
  readonly passed: boolean;
  /** The measured numbers (or the error, or the exclusion's reason), so a result can be understood without rerunning. */
  readonly detail: string;
}

/**
 * The outcome of {@link runSolverConformance}.
 * @category Plugins
 */
export interface ConformanceReport {
  /** The solver's name. */
  readonly solver: string;
  /** Every check, in the order run; a check that could not run is reported as failed. */
  readonly checks: ConformanceCheck[];
}

/**
 * Tolerances of the checks.
 * @category Plugins
 */
export interface ConformanceTolerances {
  /** ‖Φ(x*) − x*‖∞ / max(1, ‖x*‖∞). */
  readonly fixedPoint: number;
  /** ‖x_t − x*‖ after the convergence run (the gauge problem: ‖∇ₓF(x_t)‖, x* not being unique). */
  readonly convergence: number;
  /** ‖J_forward − J_fd‖_F / ‖J_fd‖_F (vars, and reports). */
  readonly finiteDifference: number;
  /** ‖J_reverse − J_forward‖_F / ‖J_forward‖_F. */
  readonly reverse: number;
  /** ‖J_implicit − ∂θx*‖_F / ‖∂θx*‖_F (the gauge problem: against the Jacobian tracked along the convergence run). */
  readonly implicit: number;
  /** The measured rate exponent −log ρ̂ may fall short of the declared −log ρ by this fraction. */
  readonly rateSlack: number;
}

/**
 * The default tolerances, the bar every built-in solver is held to.
 * @category Plugins
 */
export const CONFORMANCE_TOLERANCES: ConformanceTolerances = {
  fixedPoint: 1e-12,
  convergence: 1e-6,
  finiteDifference: 1e-7,
  reverse: 1e-10,
  implicit: 1e-8,
  rateSlack: 0.25,
};

/**
 * The suite's problems, in the order they run.
 * @category Plugins
 */
export const CONFORMANCE_PROBLEMS: readonly ConformanceProblemName[] = ['quadratic', 'logistic', 'gauge'];

/**
 * Settings of the suite (its configuration); every field has a default suited to the built-in problems.
 * @category Plugins
 */
export interface ConformanceOptions {
  /** Seed of the test instances and of the runs (default 1). */
  readonly seed?: number;
  /** The constant step of the fixed-point, convergence and implicit checks (default 0.4, below 1/L on every problem). */
  readonly constantStep?: number;
  /** Length of the full-batch convergence and rate runs (default 10000). */
  readonly convergenceIterations?: number;
  /** Length of the tracked runs: finite differences, forward, reverse, reproducibility (default 150). */
  readonly trackedIterations?: number;
  /** Central finite-difference step along each θ entry (default 1e-4). */
  readonly finiteDifference?: number;
  /** Values for the solver's `expression` options, over the solver's own declaration (see {@link ConformanceDeclaration}). */
  readonly schedules?: {
    /** For the fixed-point, convergence and implicit checks (`step` here replaces the constant step). */
    readonly deterministic?: ScheduleChoices;
    /** For the tracked runs (`step` here replaces `1 / (2 * (L + mu * k))`). */
    readonly tracked?: ScheduleChoices;
  };
  /** Values for the solver's `integer`, `number` and `enum` options (default: their declared defaults). */
  readonly values?: Readonly<Record<string, number | string>>;
  /** Tolerances replacing the defaults of {@link CONFORMANCE_TOLERANCES}. */
  readonly tolerances?: Partial<ConformanceTolerances>;
  /** The problems to run (default: all of {@link CONFORMANCE_PROBLEMS}). */
  readonly problems?: readonly ConformanceProblemName[];
}

/**
 * The names of the checks, by key (the key is what an exclusion names).
 * @category Plugins
 */
export const CONFORMANCE_CHECKS = {
  /** Names unique, no clash with common options, defaults of their type and within bounds. */
  options: 'option declarations are valid',
  /** The step map compiles with one next value per var, of its shape. */
  builds: 'the step map builds: one next value per var, shapes matching',
  /** Φ(x*) = x* on the full batch. */
  fixedPoint: 'x* is a fixed point of the full-batch step map',
  /** Full-batch runs with a constant step reach x* (the gauge problem: ∇ₓF = 0). */
  convergence: 'full-batch runs with a constant step converge to x*',
  /** Implicit differentiation at the fixed point gives ∂θx*. */
  implicit: 'implicit differentiation at the fixed point equals ∂θx*',
  /** Forward tracking is the derivative of the run. */
  finiteDifferences: 'forward tracking equals central finite differences of the run',
  /** Reverse tracking without checkpoints agrees with forward. */
  reverse: 'reverse tracking (checkpoint = none) equals forward',
  /** Reverse tracking with ⌈√t⌉ checkpoints agrees with forward. */
  reverseSqrt: 'reverse tracking (checkpoint = sqrt) equals forward',
  /** Same seed, same bits; another run index, other draws (exactly when the solver draws). */
  reproducible: 'runs are reproducible: same seed, same bits; another run index, other samples',
  /** Report nodes: forward Jacobian equals finite differences, reverse equals forward. */
  reports: 'reported quantities are tracked: forward = finite differences, reverse = forward',
  /** The declared linear rate on the quadratic, full batch. */
  rate: 'full-batch runs on the quadratic converge at the declared rate',
} as const;

/**
 * The key of a check in {@link CONFORMANCE_CHECKS}.
 * @category Plugins
 */
export type ConformanceCheckKey = keyof typeof CONFORMANCE_CHECKS;

/** The per-problem checks, in the order they run. */
const PROBLEM_CHECKS: readonly ConformanceCheckKey[] = ['builds', 'fixedPoint', 'convergence', 'implicit', 'finiteDifferences', 'reverse', 'reverseSqrt', 'reproducible', 'reports', 'rate'];

/**
 * The checks of `problem` in the order a report lists them (the rate runs on the quadratic only).
 * @category Plugins
 */
export function conformanceChecksOf(problem: ConformanceProblemName): ConformanceCheckKey[] {
  return PROBLEM_CHECKS.filter((c) => c !== 'rate' || problem === 'quadratic');
}

type Outcome = { passed: boolean; detail: string } | { excluded: string };

/**
 * Runs every check on `plugin`, with the rules and functions of `registry`.
 * @category Plugins
 */
export function runSolverConformance(plugin: SolverPlugin, registry: PluginRegistry, options: ConformanceOptions = {}): ConformanceReport {
  const settings = resolveSettings(plugin, options);
  const checks: ConformanceCheck[] = [];
  const exclusion = (key: ConformanceCheckKey, problem?: ConformanceProblemName): string | undefined =>
    plugin.conformance?.excludes?.find((e) => (e.check === undefined || e.check === key) && (e.problem === undefined || e.problem === problem))?.reason;
  const check = (key: ConformanceCheckKey, problem: ConformanceProblemName | undefined, body: () => Outcome): void => {
    const name = CONFORMANCE_CHECKS[key];
    const reason = exclusion(key, problem);
    if (reason !== undefined) return void checks.push({ name, problem, status: 'excluded', passed: true, detail: `excluded by the solver: ${reason}` });
    try {
      const outcome = body();
      if ('excluded' in outcome) checks.push({ name, problem, status: 'excluded', passed: true, detail: outcome.excluded });
      else checks.push({ name, problem, status: outcome.passed ? 'passed' : 'failed', passed: outcome.passed, detail: outcome.detail });
    } catch (error) {
      checks.push({ name, problem, status: 'failed', passed: false, detail: `threw: ${(error as Error).message}` });
    }
  };

  check('options', undefined, () => {
    const problems = optionProblems(plugin);
    return { passed: problems.length === 0, detail: problems.length > 0 ? problems.join('; ') : describeOptions(plugin.options) };
  });
  for (const problem of settings.problems) {
    const context: Partial<Record<Phase, Bench>> = {};
    check('builds', problem, () => {
      context.deterministic = prepareBench(plugin, registry, settings, problem, 'deterministic');
      context.tracked = prepareBench(plugin, registry, settings, problem, 'tracked');
      return describeProgram(context.deterministic);
    });
    const [full, real] = [context.deterministic, context.tracked];
    if (!full || !real) {
      for (const key of conformanceChecksOf(problem).slice(1)) check(key, problem, () => ({ passed: false, detail: 'not run: the step map did not build' }));
      continue;
    }
    check('fixedPoint', problem, () => fixedPointCheck(full, settings));
    check('convergence', problem, () => convergenceCheck(full, settings));
    check('implicit', problem, () => implicitCheck(full, settings));
    let forward: RunResult | undefined;
    const forwardRun = (): RunResult => (forward ??= run(real, { iterations: settings.trackedIterations, track: 'forward' }));
    check('finiteDifferences', problem, () => finiteDifferenceCheck(real, settings, forwardRun()));
    check('reverse', problem, () => reverseCheck(real, settings, forwardRun(), 'none'));
    check('reverseSqrt', problem, () => reverseCheck(real, settings, forwardRun(), 'sqrt'));
    check('reproducible', problem, () => reproducibilityCheck(real, settings));
    check('reports', problem, () => reportsCheck(real, settings, forwardRun()));
    if (problem === 'quadratic') check('rate', problem, () => rateCheck(plugin, registry, settings));
  }
  return { solver: plugin.name, checks };
}

// ---------------------------------------------------------------------------------------------
// Settings

type Phase = 'deterministic' | 'tracked' | 'rate';

interface Settings {
  readonly seed: number;
  readonly convergenceIterations: number;
  readonly trackedIterations: number;
  readonly finiteDifference: number;
  readonly schedules: Readonly<Record<Phase, ProblemSchedules>>;
  readonly tolerances: ConformanceTolerances;
  readonly problems: readonly ConformanceProblemName[];
}

function constantSchedule(value: number): ScheduleChoice {
  return { text: String(value), build: (b) => b.const(value) };
}

/**
 * The tracked runs' step, 1 / (2 (L + μ k)): it decreases (so the reverse sweep must replay
 * each iteration's own step) and stays below 1/L, stable for single-sample steps on the test
 * problems, whose per-sample curvature is a few times L.
 */
const TRACKED_STEP: ScheduleChoice = {
  text: '1 / (2 * (L + mu * k))',
  build: (b, v) => b.div(b.const(1), b.mul(b.const(2), b.add(v.L, b.mul(v.mu, v.k)))),
};

/** Other expression options in tracked runs: nonzero and decreasing, like a perturbation size. */
const TRACKED_OTHER: ScheduleChoice = { text: '1 / (k + 1)', build: (b, v) => b.div(b.const(1), b.add(v.k, b.const(1))) };

function resolveSettings(plugin: SolverPlugin, options: ConformanceOptions): Settings {
  const declared = plugin.conformance?.schedules;
  const values = options.values ?? {};
  const deterministic: ScheduleChoices = { step: constantSchedule(options.constantStep ?? 0.4), ...declared?.deterministic, ...options.schedules?.deterministic };
  const tracked: ScheduleChoices = { step: TRACKED_STEP, ...declared?.tracked, ...options.schedules?.tracked };
  return {
    seed: options.seed ?? 1,
    convergenceIterations: options.convergenceIterations ?? 10_000,
    trackedIterations: options.trackedIterations ?? 150,
    finiteDifference: options.finiteDifference ?? 1e-4,
    schedules: {
      // Options other than the step default to 0 in deterministic runs, so that a perturbation vanishes.
      deterministic: { chosen: deterministic, fallback: constantSchedule(0), values },
      tracked: { chosen: tracked, fallback: TRACKED_OTHER, values },
      rate: { chosen: { ...deterministic, ...plugin.conformance?.rate?.schedules }, fallback: constantSchedule(0), values },
    },
    tolerances: { ...CONFORMANCE_TOLERANCES, ...options.tolerances },
    problems: options.problems ?? CONFORMANCE_PROBLEMS,
  };
}

// ---------------------------------------------------------------------------------------------
// Benches

/** A compiled solver on one test problem, with everything a run needs. */
interface Bench {
  readonly name: ConformanceProblemName;
  readonly plugin: SolverPlugin;
  readonly registry: PluginRegistry;
  readonly problem: Problem;
  readonly graphs: DerivativeGraphs;
  readonly instance: Instance;
  readonly kernels: ProblemKernels;
  readonly reference: Reference;
  readonly program: StepProgram;
}

function prepareBench(plugin: SolverPlugin, registry: PluginRegistry, settings: Settings, name: ConformanceProblemName, phase: Phase): Bench {
  const problem = conformanceProblem(name, registry, plugin, settings.schedules[phase]);
  const graphs = buildDerivativeGraphs(problem, registry.rules);
  const instance = drawInstance(problem, settings.seed);
  const kernels = new ProblemKernels(problem, graphs, instance, registry.functions);
  const reference = computeReference(kernels, instance.theta, instance.x0);
  const program = compileStepProgram(problem, graphs, instance, plugin, registry);
  return { name, plugin, registry, problem, graphs, instance, kernels, reference, program };
}

function describeProgram(bench: Bench): { passed: boolean; detail: string } {
  const { program, graphs } = bench;
  const vars = graphs.vars.entries;
  const problems: string[] = [];
  vars.forEach((v, k) => {
    const slot = program.slots[k];
    if (slot.node !== v.symbol.node) problems.push(`slot ${k} is not the var ${v.name}`);
    if (slot.next.shape.join() !== v.shape.join()) problems.push(`the next ${v.name} is ${formatShape(slot.next.shape)}, not ${formatShape(v.shape)}`);
  });
  const isZero = (n: Node): boolean => (n.op === 'broadcast' ? isZero(n.args[0]) : n.op === 'const' && n.value === 0);
  const start = (s: StepProgram['slots'][number]): string => (s.initFrom !== undefined ? 'copy' : isZero(s.init) ? 'zero' : 'expression');
  const states = program.slots.slice(vars.length).map((s) => `${s.name}: ${formatShape(s.node.shape)} (${start(s)})`);
  const hypers = program.hypers.map((h) => `${h.kind} ${h.name}`);
  const reports = program.reports.map((r) => `${r.name}: ${formatShape(r.node.shape)}`);
  const detail =
    `${vars.length} vars (${vars.map((v) => `${v.name}: ${formatShape(v.shape)}`).join(', ')}) → ${vars.length} next values; ` +
    `states: ${states.join(', ') || 'none'}; per-iteration inputs: ${hypers.join(', ') || 'none'}; reports: ${reports.join(', ') || 'none'}; ` +
    `implicit differentiation: ${program.gradientStep ? 'Hessian (a plain gradient step)' : 'through the fixed point (GMRES)'}`;
  return { passed: problems.length === 0, detail: problems.length > 0 ? `${problems.join('; ')}; ${detail}` : detail };
}

/** The same compiled step map, run on every outcome at every step (the step map does not depend on how ξ is drawn). */
function fullBatch(program: StepProgram): StepProgram {
  return { ...program, solver: { ...program.solver, sampling: 'full' } };
}

/** `kernels` with θ replaced: data and compiled step maps stay valid, since the step kernels read θ from `kernels.instance.theta`. */
function withTheta(bench: Bench, theta: Float64Array): ProblemKernels {
  return new ProblemKernels(bench.problem, bench.graphs, { ...bench.instance, theta }, bench.registry.functions);
}

function run(bench: Bench, spec: Partial<RunSpec> & Pick<RunSpec, 'iterations'>, options: { program?: StepProgram; kernels?: ProblemKernels } = {}): RunResult {
  const full: RunSpec = { track: 'none', checkpointing: 'none', linearSolver: 'direct', seed: bench.instance.seed, run: 0, recordAt: [], ...spec };
  // The reference's μ, L, κ stay those of the nominal θ, as in a tracked run: schedules are constants of the run.
  const result = runSolver(options.program ?? bench.program, options.kernels ?? bench.kernels, bench.reference, full, bench.registry.functions);
  if (result.divergence) throw new Error(`the run diverged at iteration ${result.divergence.iteration} (step ${result.divergence.step})`);
  return result;
}

function relativeError(value: Float64Array, reference: Float64Array): number {
  return distance(value, reference) / Math.max(norm(reference), Number.MIN_VALUE);
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, j) => Object.is(v, b[j]));
}

const fmt = (v: number): string => v.toExponential(2);

/** Every report's value (or Jacobian) of a run, concatenated in declaration order. */
function reportVector(result: RunResult, part: 'value' | 'jacobian'): Float64Array {
  const pieces = Object.values(result.reports ?? {}).map((r) => r[part] ?? new Float64Array(0));
  const out = new Float64Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks

/** Φ at x* on every outcome, with every state at its start evaluated at x*, must return x*. */
function fixedPointCheck(bench: Bench, settings: Settings): { passed: boolean; detail: string } {
  const { reference, kernels } = bench;
  const program = fullBatch(bench.program);
  const stepper = new Stepper(program, kernels, reference, bench.instance.seed, 0, bench.registry.functions);
  stepper.start(reference.x);
  stepper.prepare(0);
  const Dx = kernels.dimension;
  const before = Float64Array.from(stepper.s);
  stepper.advance();
  let xResidual = 0;
  let stateResidual = 0;
  for (let j = 0; j < before.length; j++) {
    const e = Math.abs(stepper.s[j] - before[j]);
    if (j < Dx) xResidual = Math.max(xResidual, e);
    else stateResidual = Math.max(stateResidual, e);
  }
  const scale = Math.max(1, Math.max(...reference.x.map(Math.abs)));
  const relative = xResidual / scale;
  const states = program.stateSize > Dx ? `; solver states moved by ${fmt(stateResidual)} (informative)` : '';
  const tolerance = settings.tolerances.fixedPoint;
  return {
    passed: relative <= tolerance,
    detail: `step ${settings.schedules.deterministic.chosen.step.text}, ${kernels.outcomes} outcomes: ‖Φ(x*) − x*‖∞ / max(1, ‖x*‖∞) = ${fmt(relative)} (tolerance ${fmt(tolerance)})${states}`,
  };
}

function convergenceCheck(bench: Bench, settings: Settings): { passed: boolean; detail: string } {
  const result = run(bench, { iterations: settings.convergenceIterations }, { program: fullBatch(bench.program) });
  const { reference, kernels } = bench;
  const tolerance = settings.tolerances.convergence;
  const header = `step ${settings.schedules.deterministic.chosen.step.text} (μ = ${reference.mu.toPrecision(3)}, L = ${reference.L.toPrecision(3)}), full batch, ${settings.convergenceIterations} iterations: `;
  if (bench.name === 'gauge') {
    const gradient = new Float64Array(kernels.dimension);
    kernels.full('gradX', result.x, kernels.instance.theta, new Float64Array(0), gradient);
    return { passed: norm(gradient) <= tolerance, detail: `${header}x* is not unique; ‖∇ₓF(x_t)‖ = ${fmt(norm(gradient))} (tolerance ${fmt(tolerance)})` };
  }
  const end = distance(result.x, reference.x);
  return { passed: end <= tolerance, detail: `${header}‖x₀ − x*‖ = ${fmt(distance(bench.instance.x0, reference.x))} → ‖x_t − x*‖ = ${fmt(end)} (tolerance ${fmt(tolerance)})` };
}

/**
 * `track = implicit` at the end of the convergence run against ∂θx*. On the gauge problem x* is
 * not unique: the Jacobian through the fixed point (GMRES on the singular I − ∂ₛΦ, whatever the
 * map) is compared with the one forward tracking reaches along the same run, which lies in the
 * same Krylov space and so is the same solution.
 */
function implicitCheck(bench: Bench, settings: Settings): { passed: boolean; detail: string } {
  const tolerance = settings.tolerances.implicit;
  const program = fullBatch(bench.program);
  if (bench.name !== 'gauge') {
    const result = run(bench, { iterations: settings.convergenceIterations, track: 'implicit' }, { program });
    const error = relativeError(result.jacobian as Float64Array, bench.reference.jacobian);
    const how = result.implicitSolve
      ? `through the fixed point: GMRES residual ${fmt(result.implicitSolve.residual)}, condition of I − ∂ₛΦ ${fmt(result.implicitSolve.condition)}`
      : 'by the Hessian (a plain gradient step)';
    return { passed: error <= tolerance, detail: `${how}: ‖J_implicit − ∂θx*‖/‖∂θx*‖ = ${fmt(error)} (tolerance ${fmt(tolerance)})` };
  }
  const stepper = new Stepper(program, bench.kernels, bench.reference, bench.instance.seed, 0, bench.registry.functions);
  const tracker = new ForwardTracker(stepper);
  const t = settings.convergenceIterations;
  for (let k = 0; k < t; k++) {
    stepper.prepare(k);
    tracker.update();
    stepper.advance();
  }
  const solve = fixedPointJacobian(program, bench.kernels, stepper.s, stepper.noiselessInputs(t - 1));
  const S = program.stateSize;
  const D = bench.kernels.dimension;
  const implicit = new Float64Array(D * bench.kernels.parameters);
  for (let p = 0; p < bench.kernels.parameters; p++) implicit.set(solve.jacobian.subarray(p * S, p * S + D), p * D);
  const error = relativeError(implicit, tracker.jacobian());
  return {
    passed: error <= tolerance && solve.converged,
    detail:
      `through the fixed point (I − ∂ₛΦ singular: a gauge freedom): GMRES residual ${fmt(solve.residual)}, condition on the range ${fmt(solve.condition)}; ` +
      `‖J_implicit − J_t‖/‖J_t‖ = ${fmt(error)} against forward tracking after ${t} full-batch iterations (tolerance ${fmt(tolerance)})`,
  };
}

/** Central differences of the whole run along each θ entry, with the same seed and run index (so the same samples and noise). */
function centralDifferences(bench: Bench, settings: Settings, read: (result: RunResult) => Float64Array, size: number): Float64Array {
  const theta = bench.instance.theta;
  const h = settings.finiteDifference;
  const fd = new Float64Array(size * theta.length);
  for (let p = 0; p < theta.length; p++) {
    const shifted = (sign: number): Float64Array => {
      const t = Float64Array.from(theta);
      t[p] += sign * h;
      return read(run(bench, { iterations: settings.trackedIterations }, { kernels: withTheta(bench, t) }));
    };
    const [plus, minus] = [shifted(1), shifted(-1)];
    for (let j = 0; j < size; j++) fd[p * size + j] = (plus[j] - minus[j]) / (2 * h);
  }
  return fd;
}

function finiteDifferenceCheck(bench: Bench, settings: Settings, forward: RunResult): { passed: boolean; detail: string } {
  const fd = centralDifferences(bench, settings, (r) => r.x, bench.kernels.dimension);
  const error = relativeError(forward.jacobian as Float64Array, fd);
  const tolerance = settings.tolerances.finiteDifference;
  return {
    passed: error <= tolerance,
    detail:
      `${bench.plugin.sampling === 'stochastic' ? `batches of ${CONFORMANCE_SIZES.batch} of ${CONFORMANCE_SIZES.rows}` : 'full batch'}, step ${settings.schedules.tracked.chosen.step.text}, ` +
      `${settings.trackedIterations} iterations, h = ${settings.finiteDifference}: ‖J_fwd − J_fd‖/‖J_fd‖ = ${fmt(error)} (tolerance ${fmt(tolerance)}; ‖J_fd‖ = ${fmt(norm(fd))})`,
  };
}

function reverseCheck(bench: Bench, settings: Settings, forward: RunResult, checkpointing: 'none' | 'sqrt'): { passed: boolean; detail: string } {
  const reverse = run(bench, { iterations: settings.trackedIterations, track: 'reverse', checkpointing });
  const error = relativeError(reverse.jacobian as Float64Array, forward.jacobian as Float64Array);
  const tolerance = settings.tolerances.reverse;
  return { passed: error <= tolerance, detail: `${settings.trackedIterations} iterations: ‖J_rev − J_fwd‖/‖J_fwd‖ = ${fmt(error)} (tolerance ${fmt(tolerance)})` };
}

/** Same seed and run index: identical bits. Another run index: other iterates exactly when the solver draws samples or noise. */
function reproducibilityCheck(bench: Bench, settings: Settings): { passed: boolean; detail: string } {
  const spec = { iterations: settings.trackedIterations, track: 'forward' as const };
  const first = run(bench, spec);
  const again = run(bench, spec);
  const other = run(bench, { ...spec, run: 1 });
  const identical = sameBits(first.x, again.x) && sameBits(first.jacobian as Float64Array, again.jacobian as Float64Array);
  const random = bench.plugin.sampling === 'stochastic' || bench.program.hypers.some((h) => h.kind === 'noise');
  const differs = !sameBits(first.x, other.x);
  const passed = identical && differs === random;
  const expectation = random ? 'should differ (the solver draws samples or noise)' : 'should be identical (the solver draws nothing)';
  return {
    passed,
    detail:
      `same seed and run: ${identical ? 'identical bits' : `x differs by ${fmt(distance(first.x, again.x))}`}; ` +
      `run 1 vs run 0: ‖x₁ − x₀‖ = ${fmt(distance(first.x, other.x))}, ${expectation}`,
  };
}

/** The report nodes' forward Jacobian against central differences of their values, and reverse (⌈√t⌉ checkpoints) against forward. */
function reportsCheck(bench: Bench, settings: Settings, forward: RunResult): Outcome {
  const { reports, reportSize } = bench.program;
  if (reports.length === 0) return { excluded: 'the solver reports nothing beyond its vars' };
  const fd = centralDifferences(bench, settings, (r) => reportVector(r, 'value'), reportSize);
  const forwardJacobian = regroup(forward, bench);
  const reverse = regroup(run(bench, { iterations: settings.trackedIterations, track: 'reverse', checkpointing: 'sqrt' }), bench);
  const fdError = relativeError(forwardJacobian, fd);
  const reverseError = relativeError(reverse, forwardJacobian);
  const { finiteDifference, reverse: reverseTolerance } = settings.tolerances;
  return {
    passed: fdError <= finiteDifference && reverseError <= reverseTolerance,
    detail:
      `${reports.map((r) => r.name).join(', ')}: ‖J_fwd − J_fd‖/‖J_fd‖ = ${fmt(fdError)} (tolerance ${fmt(finiteDifference)}), ` +
      `‖J_rev − J_fwd‖/‖J_fwd‖ = ${fmt(reverseError)} (tolerance ${fmt(reverseTolerance)})`,
  };
}

/** The reports' Jacobians of a run as one tangent-major matrix over the report vector (P columns of reportSize). */
function regroup(result: RunResult, bench: Bench): Float64Array {
  const { reports, reportSize } = bench.program;
  const P = bench.kernels.parameters;
  const out = new Float64Array(reportSize * P);
  for (const slot of reports) {
    const jacobian = result.reports?.[slot.name]?.jacobian;
    if (!jacobian) throw new Error(`the run gave no Jacobian for the report '${slot.name}'`);
    for (let p = 0; p < P; p++) out.set(jacobian.subarray(p * slot.size, (p + 1) * slot.size), p * reportSize + slot.offset);
  }
  return out;
}

/**
 * The measured linear rate of ‖x_k − x*‖ on the quadratic, full batch, with the declared option
 * values: ρ̂ = (e_{k₂}/e_{k₁})^{1/(k₂ − k₁)} between the first iterations where the error falls
 * below 10⁻² and 10⁻¹⁰ of its start (the transient and the rounding floor left out).
 */
function rateCheck(plugin: SolverPlugin, registry: PluginRegistry, settings: Settings): Outcome {
  const rate = plugin.conformance?.rate;
  if (!rate) return { excluded: 'the solver declares no expected rate' };
  const bench = prepareBench(plugin, registry, settings, 'quadratic', 'rate');
  const { reference, kernels } = bench;
  const stepper = new Stepper(fullBatch(bench.program), kernels, reference, bench.instance.seed, 0, registry.functions);
  const e0 = distance(stepper.x, reference.x);
  let [k1, e1, k2, e2] = [0, e0, 0, e0];
  for (let k = 0; k < settings.convergenceIterations; k++) {
    stepper.prepare(k);
    stepper.advance();
    const e = distance(stepper.x, reference.x);
    if (!Number.isFinite(e)) throw new Error(`the rate run diverged at iteration ${k + 1}`);
    if (k1 === 0 && e <= 1e-2 * e0) [k1, e1] = [k + 1, e];
    [k2, e2] = [k + 1, e];
    if (e <= 1e-10 * e0) break;
  }
  const measured = k2 > k1 ? Math.pow(e2 / e1, 1 / (k2 - k1)) : 1;
  const declared = rate.factor(reference);
  const slack = settings.tolerances.rateSlack;
  const passed = -Math.log(measured) >= (1 - slack) * -Math.log(declared);
  const choices = Object.entries(settings.schedules.rate.chosen)
    .filter(([name]) => plugin.options.some((o) => o.name === name))
    .map(([name, c]) => `${name} = ${c.text}`)
    .join(', ');
  return {
    passed,
    detail:
      `${choices} (κ = ${reference.kappa.toPrecision(4)}): measured ρ̂ = ${measured.toFixed(4)} over iterations ${k1}–${k2}, ` +
      `declared ρ = ${rate.text} = ${declared.toFixed(4)}; −log ρ̂ must be at least ${(1 - slack).toFixed(2)} × −log ρ`,
  };
}
