/**
 * Everything a run needs, built from a checked problem and a seed: derivative graphs, the
 * instance, kernels, the exact reference and the compiled step map. Built the same way in the
 * main thread and in every worker, so all of them compute with the same bits.
 */
import {
  buildDerivativeGraphs,
  compileStepProgram,
  computeReference,
  drawInstance,
  ProblemKernels,
  type Checkpointing,
  type LinearSolver,
  type PluginRegistry,
  type Problem,
  type Reference,
  type StepProgram,
  type Tracking,
} from '@sgdiff/core';
import { withParamEntries, type ParamEntryOverride } from './param-entries.ts';
import { UserError } from '../errors.ts';
import { createHyperSession, type HyperSession } from './hyper-session.ts';
import { registrySourceReader } from '../sources.ts';

/** A problem ready to run. */
export interface RunSession {
  /** The problem. */
  readonly problem: Problem;
  /** Its kernels over the instance drawn for the seed. */
  readonly kernels: ProblemKernels;
  /** x*, ∂θx*, F*, μ, L, κ. */
  readonly reference: Reference;
  /** The solver's compiled step map. */
  readonly program: StepProgram;
  /** Options of the solve block as the run loop reads them. */
  readonly settings: RunSettings;
  /** Hypergradient estimation, when the file declares `outer`. */
  readonly hyper?: HyperSession;
}

/**
 * Whether the run follows ∂θx_k and reports jacobian_error: when tracking, except that with an
 * outer objective in reverse mode (which then pulls back ∇ₓE alone, one sweep) the D sweeps of
 * the full Jacobian are paid only if the report line asks for jacobian_error.
 */
export function tracksJacobian(session: RunSession): boolean {
  const { track } = session.settings;
  if (track === 'none') return false;
  return !(session.hyper && track === 'reverse') || session.problem.report?.metrics.includes('jacobian_error') === true;
}

/** The common solver options, typed. */
export interface RunSettings {
  /** Number of steps. */
  readonly iterations: number;
  /** Derivative tracking. */
  readonly track: Tracking;
  /** Reverse-mode storage. */
  readonly checkpointing: Checkpointing;
  /** Implicit-mode solver. */
  readonly linearSolver: LinearSolver;
}

/**
 * Builds the session of `problem` for `seed`; a file without a solve block cannot be run.
 * `reference`, when given, is the one the main thread computed for the same instance (workers
 * take it rather than repeat the Newton solves, which dominate the setup on large problems).
 */
export function createSession(
  problem: Problem,
  registry: PluginRegistry,
  seed: number,
  file: string,
  reference?: Reference,
  paramEntries: readonly ParamEntryOverride[] = [],
): RunSession {
  const solve = problem.solve;
  if (!solve) throw new UserError(`${file}: error: the file has no solve block; add one, e.g. 'solve gd { iterations = 1000 }'`);
  const solver = registry.solvers.get(solve.solver);
  if (!solver) throw new UserError(`${file}: error: unknown solver '${solve.solver}'`);
  const graphs = buildDerivativeGraphs(problem, registry.rules);
  const instance = withParamEntries(drawInstance(problem, seed, registrySourceReader(registry)), problem, file, paramEntries);
  const kernels = new ProblemKernels(problem, graphs, instance, registry.functions);
  reference ??= computeReference(kernels, instance.theta, instance.x0);
  const program = compileStepProgram(problem, graphs, instance, solver, registry);
  const settings: RunSettings = {
    iterations: Number(solve.options.iterations),
    track: solve.options.track as Tracking,
    checkpointing: solve.options.checkpoint as Checkpointing,
    linearSolver: solve.options.linear_solver as LinearSolver,
  };
  return { problem, kernels, reference, program, settings, hyper: createHyperSession(problem, registry, kernels, reference, settings.track, file) };
}
