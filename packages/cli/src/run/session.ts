/**
 * Everything a run needs, built from a checked problem and a seed: derivative graphs, the
 * instance, kernels, the reference (in the mode the solve block asks) and the compiled step
 * map. Built the same way in the main thread and in every worker, so all of them compute with
 * the same bits.
 */
import {
  buildDerivativeGraphs,
  checkWasmRun,
  runBackendChoice,
  setForwardThreads,
  setKernelBackend,
  checkReverseTapeMemory,
  WasmMemoryLimitError,
  type ForwardThreads,
  type BackendChoice,
  compileStepProgram,
  computeRunReference,
  drawInstance,
  exactReferenceOverBudget,
  ProblemKernels,
  resolveReferenceMode,
  type Checkpointing,
  type LinearSolver,
  type PluginRegistry,
  type Problem,
  type ReferenceMode,
  type Reference,
  type ReferenceOption,
  type RunReference,
  type StepProgram,
  type StoppingRule,
  type Tracking,
} from '@sgdiff/core';
import { withParamEntries, type ParamEntryOverride } from './param-entries.ts';
import { UserError } from '../errors.ts';
import { createHyperSession, type HyperSession } from './hyper-session.ts';
import { chooseMetrics, type ChosenMetrics } from './metrics.ts';
import { registrySourceReader } from '../sources.ts';
import { solverRunReference } from './solver-reference.ts';
import { checkStartHessian, checkStartPoint } from './fault.ts';

/**
 * A problem ready to run.
 * @category CLI
 */
export interface RunSession {
  /** The problem. */
  readonly problem: Problem;
  /** Its kernels over the instance drawn for the seed. */
  readonly kernels: ProblemKernels;
  /** The reference in the session's mode: x*, ∂θx* (or products of it), F*, μ, L, κ. */
  readonly reference: RunReference;
  /** The solver's compiled step map. */
  readonly program: StepProgram;
  /** Options of the solve block as the run loop reads them. */
  readonly settings: RunSettings;
  /** Hypergradient estimation, when the file declares `outer`. */
  readonly hyper?: HyperSession;
  /** The metric plugins the runs record, their columns, and what was left out. */
  readonly metrics: ChosenMetrics;
}

/**
 * Whether the run follows ∂θx_k and reports jacobian_error: when tracking, except that with an
 * outer objective in reverse mode (which then pulls back ∇ₓE alone, one sweep) the D sweeps of
 * the full Jacobian are paid only if the report line asks for jacobian_error.
 * @category CLI
 */
export function tracksJacobian(session: Pick<RunSession, 'problem' | 'settings'>): boolean {
  const { track } = session.settings;
  if (track === 'none') return false;
  return !(session.problem.outer && track === 'reverse') || session.problem.report?.metrics.includes('jacobian_error') === true;
}

/**
 * The common solver options, typed.
 * @category CLI
 */
export interface RunSettings {
  /** Number of steps. */
  readonly iterations: number;
  /** Derivative tracking. */
  readonly track: Tracking;
  /** Reverse-mode storage. */
  readonly checkpointing: Checkpointing;
  /** Implicit-mode solver. */
  readonly linearSolver: LinearSolver;
  /** The reference mode, `automatic` resolved against the budget. */
  readonly reference: ReferenceMode;
  /** The solver's stopping rule (e.g. sinkhorn's `tolerance`), when its options set one. */
  readonly stop?: StoppingRule;
}

/**
 * Builds the session of `problem` for `seed`; a file without a solve block cannot be run.
 * `reference`, when given, is the one the main thread computed for the same instance (workers
 * take it rather than repeat the Newton solves, which dominate the setup on large problems).
 * Its kernels are compiled here, synchronously, for the solve block's `backend` (`auto` by
 * default: WebAssembly where the runtime has SIMD), so a caller first awaits
 * `prepareKernelBackend(problem.solve.options.backend)` (loading Binaryen), as `sgd run` does.
 * @category CLI
 */
export function createSession(
  problem: Problem,
  registry: PluginRegistry,
  seed: number,
  file: string,
  reference?: RunReference,
  paramEntries: readonly ParamEntryOverride[] = [],
): RunSession {
  const solve = problem.solve;
  if (!solve) throw new UserError(`${file}: error: the file has no solve block; add one, e.g. 'solve gd { iterations = 1000 }'`);
  const solver = registry.solvers.get(solve.solver);
  if (!solver) throw new UserError(`${file}: error: unknown solver '${solve.solver}'`);
  // Every kernel of the run is compiled for one backend; a too large problem is refused before anything is drawn (`auto` takes js for it).
  const tracking = solve.options.track !== 'none';
  setForwardThreads(Number(solve.options.threads ?? 0) as ForwardThreads);
  if (setKernelBackend(runBackendChoice(solve.options.backend as BackendChoice, problem, tracking)) === 'wasm') {
    try {
      checkWasmRun(problem, tracking);
    } catch (error) {
      throw error instanceof WasmMemoryLimitError ? new UserError(`${file}: error: ${error.message}`) : error;
    }
  }
  const graphs = buildDerivativeGraphs(problem, registry.rules);
  const instance = withParamEntries(drawInstance(problem, seed, registrySourceReader(registry)), problem, file, paramEntries);
  const kernels = new ProblemKernels(problem, graphs, instance, registry.functions);
  const option = String(solve.options.reference ?? 'automatic') as ReferenceOption;
  const budget = Number(solve.options.reference_budget ?? Infinity);
  // The checker reports this with a position; `--set dim.NAME=` overrides reach here checked too, so this is a last guard.
  const overBudget = option === 'exact' ? exactReferenceOverBudget(kernels.dimension, budget) : undefined;
  if (overBudget) throw new UserError(`${file}: error: ${overBudget}`);
  const stop = solver.stopping?.(solve.options);
  const settings: RunSettings = {
    iterations: Number(solve.options.iterations),
    track: solve.options.track as Tracking,
    checkpointing: solve.options.checkpoint as Checkpointing,
    linearSolver: solve.options.linear_solver as LinearSolver,
    reference: resolveReferenceMode(option, kernels.dimension, budget),
    ...(stop ? { stop } : {}),
  };
  const wantsJacobian = tracksJacobian({ problem, settings }) && (problem.report === undefined || problem.report.metrics.length === 0 || problem.report.metrics.includes('jacobian_error'));
  // First: the solver's checks of its inputs (compileStepProgram) come before any reference is computed from them.
  const program = compileStepProgram(problem, graphs, instance, solver, registry);
  // The reverse tape's size is known once the step map is: what it keeps depends on Φ.
  if (settings.track === 'reverse') {
    try {
      checkReverseTapeMemory(program, kernels, settings.iterations, settings.checkpointing);
    } catch (error) {
      throw error instanceof WasmMemoryLimitError ? new UserError(`${file}: error: ${error.message}`) : error;
    }
  }
  if (!reference) {
    // A NaN or infinity at x₀ is named here, before the reference works from it.
    checkStartPoint(kernels, file);
    // reference = automatic: the solver's own reference when it has one for this problem (sinkhorn's certified run).
    reference =
      (option === 'automatic' ? solverRunReference(solver, kernels, instance.theta, instance.x0, seed) : undefined) ??
      computeRunReference(kernels, instance.theta, instance.x0, settings.reference, { seed, jacobian: wantsJacobian });
    checkStartHessian(kernels, reference, file);
  }
  const hyper = createHyperSession(problem, registry, kernels, reference, settings.track, file);
  const metrics = chooseMetrics(registry, problem, settings, reference, hyper);
  return { problem, kernels, reference, program, settings, hyper, metrics };
}

/**
 * The session's reference when it is the exact one (tests and tools that need the dense ∂θx*); throws otherwise.
 * @category CLI
 */
export function exactReference(session: Pick<RunSession, 'reference'>): Reference {
  if (session.reference.mode !== 'exact') throw new Error(`the session's reference is ${session.reference.mode}, not exact`);
  return session.reference;
}
