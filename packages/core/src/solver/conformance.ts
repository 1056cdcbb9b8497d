/**
 * The solver conformance suite: what every solver plugin, built-in or third-party, must pass
 * (in the spirit of MathOptInterface's tests). It builds its own small problem (a ridge least
 * squares with a sample, two vars of different shapes, θ ∈ R^8) directly in IR, compiles the
 * plugin's step map on it and checks the declarations, the fixed point, convergence, and that
 * the derivative tracking the framework derives from the step map is the derivative of the
 * run. It returns a report rather than asserting, so it runs under any test framework.
 */
import { buildDerivativeGraphs, type DerivativeGraphs } from '../derive/graphs.ts';
import { ProblemKernels } from '../derive/kernels.ts';
import { IRBuilder } from '../ir/builder.ts';
import type { Node } from '../ir/node.ts';
import { formatShape } from '../ir/shape.ts';
import { distance, norm } from '../linalg/vector.ts';
import type { OptionSpec } from '../plugin/options.ts';
import type { PluginRegistry } from '../plugin/registry.ts';
import { drawInstance, type Instance } from '../problem/instance.ts';
import type { Problem, TensorSymbol } from '../problem/problem.ts';
import { computeReference, type Reference } from '../reference/reference.ts';
import { COMMON_SOLVER_OPTIONS, SCHEDULE_VARIABLES } from './common-options.ts';
import type { SolverPlugin } from './contract.ts';
import { runSolver, type RunResult, type RunSpec } from './run.ts';
import { compileStepProgram, type StepProgram } from './step-program.ts';
import { Stepper } from './stepper.ts';

/** One check of the suite. */
export interface ConformanceCheck {
  /** What is checked, e.g. `x* is a fixed point of the full-batch step map`. */
  readonly name: string;
  /** Whether the solver passed. */
  readonly passed: boolean;
  /** The measured numbers (or the error), so a failure can be understood without rerunning. */
  readonly detail: string;
}

/** The outcome of {@link runSolverConformance}. */
export interface ConformanceReport {
  /** The solver's name. */
  readonly solver: string;
  /** Every check, in the order run; a check that could not run is reported as failed. */
  readonly checks: ConformanceCheck[];
}

/** The scalar IR inputs an expression option may use, as `lowerSolve` in the DSL makes them (every schedule variable is present; these four always are). */
export type ScheduleVariables = Readonly<Record<'k' | 'mu' | 'L' | 'kappa', Node>>;

/** The value the suite gives an `expression` option: its text (for `options`) and its IR. */
export interface ScheduleChoice {
  /** Source-like text, handed to the solver as the option's value and shown in details. */
  readonly text: string;
  /** Builds the expression with the problem's builder over the schedule variables. */
  build(b: IRBuilder, v: ScheduleVariables): Node;
}

/** Settings of the suite; every field has a default suited to the built-in test problem. */
export interface ConformanceOptions {
  /** Seed of the test instance and of the runs (default 1). */
  readonly seed?: number;
  /** The constant step of the fixed-point and convergence checks (default 0.05). */
  readonly constantStep?: number;
  /** Length of the full-batch convergence run (default 10000). */
  readonly convergenceIterations?: number;
  /** Length of the tracked runs: finite differences, forward, reverse, reproducibility (default 150). */
  readonly trackedIterations?: number;
  /** Central finite-difference step along each θ entry (default 1e-4). */
  readonly finiteDifference?: number;
  /**
   * Values for the solver's `expression` options other than `step`, by name: in the
   * fixed-point and convergence checks (default: the constant 0, so that a perturbation
   * vanishes) and in the tracked runs (default `1 / (k + 1)`).
   */
  readonly schedules?: {
    /** For the fixed-point and convergence checks (`step` here replaces the constant step). */
    readonly deterministic?: Readonly<Record<string, ScheduleChoice>>;
    /** For the tracked runs (`step` here replaces `1 / (2 * (L + mu * k))`). */
    readonly tracked?: Readonly<Record<string, ScheduleChoice>>;
  };
  /** Values for the solver's `integer`, `number` and `enum` options (default: their declared defaults). */
  readonly values?: Readonly<Record<string, number | string>>;
}

/** Tolerances of the checks, fixed so that every solver is held to the same bar. */
export const CONFORMANCE_TOLERANCES = {
  /** ‖Φ(x*) − x*‖∞ / max(1, ‖x*‖∞). */
  fixedPoint: 1e-12,
  /** ‖x_t − x*‖ after the convergence run. */
  convergence: 1e-6,
  /** ‖J_forward − J_fd‖_F / ‖J_fd‖_F. */
  finiteDifference: 1e-7,
  /** ‖J_reverse − J_forward‖_F / ‖J_forward‖_F. */
  reverse: 1e-10,
} as const;

/** The names of the checks, in the order they run (a report lists every one of them). */
export const CONFORMANCE_CHECKS = {
  /** Names unique, no clash with common options, defaults of their type and within bounds. */
  options: 'option declarations are valid',
  /** The step map compiles on the test problem with one next value per var, of its shape. */
  builds: 'the step map builds: one next value per var, shapes matching',
  /** Φ(x*) = x* on the full batch. */
  fixedPoint: 'x* is a fixed point of the full-batch step map',
  /** Full-batch runs with a constant step reach x*. */
  convergence: 'full-batch runs with a constant step converge to x*',
  /** Forward tracking is the derivative of the run. */
  finiteDifferences: 'forward tracking equals central finite differences of the run',
  /** Reverse tracking without checkpoints agrees with forward. */
  reverse: 'reverse tracking (checkpoint = none) equals forward',
  /** Reverse tracking with ⌈√t⌉ checkpoints agrees with forward. */
  reverseSqrt: 'reverse tracking (checkpoint = sqrt) equals forward',
  /** Same seed, same bits; another run index, other draws (exactly when the solver draws). */
  reproducible: 'runs are reproducible: same seed, same bits; another run index, other samples',
} as const;

/** Runs every check on `plugin`, with the rules and functions of `registry`. */
export function runSolverConformance(plugin: SolverPlugin, registry: PluginRegistry, options: ConformanceOptions = {}): ConformanceReport {
  const settings = resolveSettings(options);
  const checks: ConformanceCheck[] = [];
  const check = (name: string, body: () => { passed: boolean; detail: string }): void => {
    try {
      checks.push({ name, ...body() });
    } catch (error) {
      checks.push({ name, passed: false, detail: `threw: ${(error as Error).message}` });
    }
  };

  const names = CONFORMANCE_CHECKS;
  check(names.options, () => {
    const problems = optionProblems(plugin);
    return { passed: problems.length === 0, detail: problems.length > 0 ? problems.join('; ') : describeOptions(plugin.options) };
  });

  let deterministic: Bench | undefined;
  let tracked: Bench | undefined;
  check(names.builds, () => {
    deterministic = prepareBench(plugin, registry, settings, 'deterministic');
    tracked = prepareBench(plugin, registry, settings, 'tracked');
    return describeProgram(deterministic);
  });
  if (!deterministic || !tracked) {
    const later = Object.values(names).slice(2);
    for (const name of later) checks.push({ name, passed: false, detail: 'not run: the step map did not build' });
    return { solver: plugin.name, checks };
  }
  const [full, real] = [deterministic, tracked];

  check(names.fixedPoint, () => fixedPointCheck(full, settings));
  check(names.convergence, () => convergenceCheck(full, settings));

  let forward: Float64Array | undefined;
  const forwardJacobian = (): Float64Array => (forward ??= tracedJacobian(real, settings, 'forward', 'none'));
  check(names.finiteDifferences, () => finiteDifferenceCheck(real, settings, forwardJacobian()));
  check(names.reverse, () => reverseCheck(real, settings, forwardJacobian(), 'none'));
  check(names.reverseSqrt, () => reverseCheck(real, settings, forwardJacobian(), 'sqrt'));
  check(names.reproducible, () => reproducibilityCheck(real, settings));
  return { solver: plugin.name, checks };
}

// ---------------------------------------------------------------------------------------------
// Settings

interface Settings {
  readonly seed: number;
  readonly convergenceIterations: number;
  readonly trackedIterations: number;
  readonly finiteDifference: number;
  readonly deterministic: Readonly<Record<string, ScheduleChoice>> & { readonly step: ScheduleChoice };
  readonly tracked: Readonly<Record<string, ScheduleChoice>> & { readonly step: ScheduleChoice };
  readonly values: Readonly<Record<string, number | string>>;
}

function constantSchedule(value: number): ScheduleChoice {
  return { text: String(value), build: (b) => b.const(value) };
}

/**
 * The tracked runs' step, 1 / (2 (L + μ k)): it decreases (so the reverse sweep must replay
 * each iteration's own step) and stays below 1/L, stable for single-sample steps on the test
 * problem, whose per-sample curvature is a few times L.
 */
const TRACKED_STEP: ScheduleChoice = {
  text: '1 / (2 * (L + mu * k))',
  build: (b, v) => b.div(b.const(1), b.mul(b.const(2), b.add(v.L, b.mul(v.mu, v.k)))),
};

/** Other expression options in tracked runs: nonzero and decreasing, like a perturbation size. */
const TRACKED_OTHER: ScheduleChoice = { text: '1 / (k + 1)', build: (b, v) => b.div(b.const(1), b.add(v.k, b.const(1))) };

function resolveSettings(options: ConformanceOptions): Settings {
  const constantStep = options.constantStep ?? 0.05;
  return {
    seed: options.seed ?? 1,
    convergenceIterations: options.convergenceIterations ?? 10_000,
    trackedIterations: options.trackedIterations ?? 150,
    finiteDifference: options.finiteDifference ?? 1e-4,
    deterministic: { step: constantSchedule(constantStep), ...options.schedules?.deterministic },
    tracked: { step: TRACKED_STEP, ...options.schedules?.tracked },
    values: options.values ?? {},
  };
}

// ---------------------------------------------------------------------------------------------
// Option declarations

function optionProblems(plugin: SolverPlugin): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(plugin.name)) problems.push(`the solver name '${plugin.name}' is not an identifier`);
  if (!plugin.doc.trim()) problems.push('the solver has no doc');
  if (plugin.sampling !== 'stochastic' && plugin.sampling !== 'full') problems.push(`unknown sampling '${String(plugin.sampling)}'`);
  const seen = new Set<string>();
  for (const o of plugin.options) {
    const at = `option '${o.name}'`;
    if (seen.has(o.name)) problems.push(`${at} is declared twice`);
    seen.add(o.name);
    if (COMMON_SOLVER_OPTIONS.some((c) => c.name === o.name)) problems.push(`${at} clashes with a common option`);
    if (!o.doc.trim()) problems.push(`${at} has no doc`);
    problems.push(...defaultProblems(o).map((p) => `${at}: ${p}`));
  }
  return problems;
}

function defaultProblems(o: OptionSpec): string[] {
  switch (o.type) {
    case 'integer':
    case 'number': {
      const problems: string[] = [];
      const d = o.default;
      if (typeof d !== 'number' || !Number.isFinite(d)) return [`default ${JSON.stringify(d)} is not a finite number`];
      if (o.type === 'integer' && !Number.isInteger(d)) problems.push(`default ${d} is not an integer`);
      if (o.min !== undefined && o.max !== undefined && o.min > o.max) problems.push(`min ${o.min} > max ${o.max}`);
      if (o.min !== undefined && d < o.min) problems.push(`default ${d} < min ${o.min}`);
      if (o.max !== undefined && d > o.max) problems.push(`default ${d} > max ${o.max}`);
      return problems;
    }
    case 'enum': {
      const values = o.values ?? [];
      if (values.length === 0) return ['an enum option lists no values'];
      if (new Set(values).size !== values.length) return ['its values repeat'];
      return values.includes(String(o.default)) && typeof o.default === 'string' ? [] : [`default ${JSON.stringify(o.default)} is not among ${values.join(', ')}`];
    }
    case 'expression': {
      const problems: string[] = [];
      if (typeof o.default !== 'string' || !o.default.trim()) problems.push('the default is not expression text');
      if (!o.variables || o.variables.length === 0) problems.push('an expression option lists no variables');
      const unknown = (o.variables ?? []).filter((v) => !SCHEDULE_VARIABLES.includes(v));
      if (unknown.length > 0) problems.push(`variables ${unknown.join(', ')} are not schedule variables (${SCHEDULE_VARIABLES.join(', ')})`);
      return problems;
    }
    case 'enums':
      return enumsDefaultProblems(o);
  }
}

function enumsDefaultProblems(o: OptionSpec): string[] {
  const values = o.values ?? [];
  if (values.length === 0) return ['an enums option lists no values'];
  const chosen = String(o.default).split(',');
  const unknown = chosen.filter((v) => !values.includes(v));
  if (typeof o.default !== 'string' || unknown.length > 0) return [`default ${JSON.stringify(o.default)} is not a list of ${values.join(', ')}`];
  return new Set(chosen).size === chosen.length ? [] : [`default ${o.default} repeats an identifier`];
}

function describeOptions(options: readonly OptionSpec[]): string {
  if (options.length === 0) return 'no options of its own';
  return options
    .map((o) => {
      if (o.type === 'expression') return `${o.name} (expression of ${(o.variables ?? []).join(', ')}, default ${o.default})`;
      if (o.type === 'enum') return `${o.name} (enum ${(o.values ?? []).join('|')}, default ${o.default})`;
      return `${o.name} (${o.type} in [${o.min ?? '-∞'}, ${o.max ?? '∞'}], default ${o.default})`;
    })
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// The test problem

/** A compiled solver on the test problem, with everything a run needs. */
interface Bench {
  readonly plugin: SolverPlugin;
  readonly registry: PluginRegistry;
  readonly problem: Problem;
  readonly graphs: DerivativeGraphs;
  readonly instance: Instance;
  readonly kernels: ProblemKernels;
  readonly reference: Reference;
  readonly program: StepProgram;
}

/** Rows, features, minibatch size and ridge weight of the test problem. */
const N = 8;
const D = 3;
const BATCH = 2;
const RIDGE = 0.1;

/**
 * f(x, c, θ; i) = ½ (A[i]·x + c − θ[i])² + (λ/2)(‖x‖² + c²), i ~ uniform(8, batch = 2):
 * quadratic and λ-strongly convex whatever A is drawn. x starts at a random point and c at 1,
 * so `copy` and `zero` states start differently; two vars of different shapes catch a solver
 * that only handles the first var or names its states the same for every var.
 */
function leastSquares(registry: PluginRegistry, plugin: SolverPlugin, settings: Settings, phase: 'deterministic' | 'tracked'): Problem {
  const b = new IRBuilder(registry.operators);
  const tensor = (kind: TensorSymbol['kind'], name: string, shape: number[], init: TensorSymbol['init']): TensorSymbol => ({
    kind,
    name,
    shape,
    init,
    node: b.input({ kind, name }, shape),
  });
  const A = tensor('data', 'A', [N, D], { kind: 'normal', mean: 0, sd: 1 });
  const theta = tensor('param', 'theta', [N], { kind: 'normal', mean: 0, sd: 1 });
  const x = tensor('var', 'x', [D], { kind: 'normal', mean: 0, sd: 1 });
  const c = tensor('var', 'c', [], { kind: 'constant', value: 1 });
  const i = b.input({ kind: 'sample', name: 'i' }, []);
  const residual = b.sub(b.add(b.dot(b.row(A.node, i), x.node), c.node), b.entry(theta.node, i));
  const objective = b.add(b.mul(b.const(0.5), b.mul(residual, residual)), b.mul(b.const(RIDGE / 2), b.add(b.norm2(x.node), b.mul(c.node, c.node))));
  return {
    builder: b,
    dims: [
      { name: 'n', value: N },
      { name: 'd', value: D },
    ],
    consts: [],
    tensors: [A, theta, x, c],
    sample: { name: 'i', size: N, batch: BATCH, node: i },
    objectiveName: 'f',
    objective,
    solve: solveSpec(b, plugin, settings, phase),
  };
}

/** The solve block: common defaults, the solver's defaults or overrides, and the suite's schedules for its expression options. */
function solveSpec(b: IRBuilder, plugin: SolverPlugin, settings: Settings, phase: 'deterministic' | 'tracked'): NonNullable<Problem['solve']> {
  const v = Object.fromEntries(SCHEDULE_VARIABLES.map((name) => [name, b.input({ kind: 'hyper', name }, [])])) as unknown as ScheduleVariables;
  const chosen = phase === 'deterministic' ? settings.deterministic : settings.tracked;
  const fallback = phase === 'deterministic' ? constantSchedule(0) : TRACKED_OTHER;
  const options: Record<string, number | string> = {};
  const expressions: Record<string, Node> = {};
  // Common options are the run loop's, not the step map's: their defaults, as text.
  for (const o of COMMON_SOLVER_OPTIONS) options[o.name] = o.default;
  for (const o of plugin.options) {
    if (o.type !== 'expression') {
      options[o.name] = settings.values[o.name] ?? o.default;
      continue;
    }
    const schedule = chosen[o.name] ?? fallback;
    options[o.name] = schedule.text;
    expressions[o.name] = schedule.build(b, v);
  }
  return { solver: plugin.name, options, expressions };
}

function prepareBench(plugin: SolverPlugin, registry: PluginRegistry, settings: Settings, phase: 'deterministic' | 'tracked'): Bench {
  const problem = leastSquares(registry, plugin, settings, phase);
  const graphs = buildDerivativeGraphs(problem, registry.rules);
  const instance = drawInstance(problem, settings.seed);
  const kernels = new ProblemKernels(problem, graphs, instance, registry.functions);
  const reference = computeReference(kernels, instance.theta, instance.x0);
  const program = compileStepProgram(problem, graphs, instance, plugin, registry);
  return { plugin, registry, problem, graphs, instance, kernels, reference, program };
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
  const states = program.slots.slice(vars.length).map((s) => `${s.name}: ${formatShape(s.node.shape)} (${s.initFrom === undefined ? 'zero' : 'copy'})`);
  const hypers = program.hypers.map((h) => `${h.kind} ${h.name}`);
  const detail =
    `${vars.length} vars (${vars.map((v) => `${v.name}: ${formatShape(v.shape)}`).join(', ')}) → ${vars.length} next values; ` +
    `states: ${states.join(', ') || 'none'}; per-iteration inputs: ${hypers.join(', ') || 'none'}`;
  return { passed: problems.length === 0, detail: problems.length > 0 ? `${problems.join('; ')}; ${detail}` : detail };
}

// ---------------------------------------------------------------------------------------------
// Runs

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

function tracedJacobian(bench: Bench, settings: Settings, track: 'forward' | 'reverse', checkpointing: 'none' | 'sqrt'): Float64Array {
  const result = run(bench, { iterations: settings.trackedIterations, track, checkpointing });
  if (!result.jacobian) throw new Error(`a ${track} run returned no Jacobian`);
  return result.jacobian;
}

function relativeError(value: Float64Array, reference: Float64Array): number {
  return distance(value, reference) / Math.max(norm(reference), Number.MIN_VALUE);
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, j) => Object.is(v, b[j]));
}

const fmt = (v: number): string => v.toExponential(2);

// ---------------------------------------------------------------------------------------------
// Checks

/** Φ at x* on every outcome, with `copy` states at x* and `zero` states at 0, must return x*. */
function fixedPointCheck(bench: Bench, settings: Settings): { passed: boolean; detail: string } {
  const { reference, kernels } = bench;
  const program = fullBatch(bench.program);
  const stepper = new Stepper(program, kernels, reference, bench.instance.seed, 0, bench.registry.functions);
  stepper.prepare(0);
  const Dx = kernels.dimension;
  stepper.s.fill(0);
  for (const slot of program.slots) {
    if (slot.offset < Dx) stepper.s.set(reference.x.subarray(slot.offset, slot.offset + slot.size), slot.offset);
    else if (slot.initFrom !== undefined) stepper.s.set(reference.x.subarray(slot.initFrom, slot.initFrom + slot.size), slot.offset);
  }
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
  return {
    passed: relative <= CONFORMANCE_TOLERANCES.fixedPoint,
    detail: `step ${settings.deterministic.step.text}, ${kernels.outcomes} outcomes: ‖Φ(x*) − x*‖∞ / max(1, ‖x*‖∞) = ${fmt(relative)} (tolerance ${fmt(CONFORMANCE_TOLERANCES.fixedPoint)})${states}`,
  };
}

function convergenceCheck(bench: Bench, settings: Settings): { passed: boolean; detail: string } {
  const result = run(bench, { iterations: settings.convergenceIterations }, { program: fullBatch(bench.program) });
  const { reference } = bench;
  const start = distance(bench.instance.x0, reference.x);
  const end = distance(result.x, reference.x);
  return {
    passed: end <= CONFORMANCE_TOLERANCES.convergence,
    detail:
      `step ${settings.deterministic.step.text} (μ = ${reference.mu.toPrecision(3)}, L = ${reference.L.toPrecision(3)}), full batch, ${settings.convergenceIterations} iterations: ` +
      `‖x₀ − x*‖ = ${fmt(start)} → ‖x_t − x*‖ = ${fmt(end)} (tolerance ${fmt(CONFORMANCE_TOLERANCES.convergence)})`,
  };
}

/** Central differences of the whole run along each θ entry, with the same seed and run index (so the same samples and noise). */
function finiteDifferenceCheck(bench: Bench, settings: Settings, forward: Float64Array): { passed: boolean; detail: string } {
  const theta = bench.instance.theta;
  const Dx = bench.kernels.dimension;
  const h = settings.finiteDifference;
  const fd = new Float64Array(forward.length);
  for (let p = 0; p < theta.length; p++) {
    const shifted = (sign: number): Float64Array => {
      const t = Float64Array.from(theta);
      t[p] += sign * h;
      return run(bench, { iterations: settings.trackedIterations }, { kernels: withTheta(bench, t) }).x;
    };
    const [plus, minus] = [shifted(1), shifted(-1)];
    for (let j = 0; j < Dx; j++) fd[p * Dx + j] = (plus[j] - minus[j]) / (2 * h);
  }
  const error = relativeError(forward, fd);
  return {
    passed: error <= CONFORMANCE_TOLERANCES.finiteDifference,
    detail:
      `${bench.plugin.sampling === 'stochastic' ? `batches of ${BATCH} of ${N}` : 'full batch'}, step ${settings.tracked.step.text}, ` +
      `${settings.trackedIterations} iterations, h = ${h}: ‖J_fwd − J_fd‖/‖J_fd‖ = ${fmt(error)} (tolerance ${fmt(CONFORMANCE_TOLERANCES.finiteDifference)}; ‖J_fd‖ = ${fmt(norm(fd))})`,
  };
}

function reverseCheck(bench: Bench, settings: Settings, forward: Float64Array, checkpointing: 'none' | 'sqrt'): { passed: boolean; detail: string } {
  const reverse = tracedJacobian(bench, settings, 'reverse', checkpointing);
  const error = relativeError(reverse, forward);
  return {
    passed: error <= CONFORMANCE_TOLERANCES.reverse,
    detail: `${settings.trackedIterations} iterations: ‖J_rev − J_fwd‖/‖J_fwd‖ = ${fmt(error)} (tolerance ${fmt(CONFORMANCE_TOLERANCES.reverse)})`,
  };
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
