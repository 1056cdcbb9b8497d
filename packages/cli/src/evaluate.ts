/** `sgd derive --eval`: the objective F and its derivatives at the start point x₀ and the drawn θ. */
import { buildDerivativeGraphs, describeFault, drawInstance, hessianFault, ProblemKernels, startPointFault, type PluginRegistry, type Problem } from '@sgdiff/core';
import { block, byName, instanceJson, record, type JsonTensor } from './json.ts';
import { registrySourceReader } from './sources.ts';

/**
 * The JSON printed by `sgd derive --eval --json` (a documented interface).
 * @category CLI
 */
export interface Evaluation {
  /** Every dim, const, data, param and var start. */
  readonly instance: Record<string, JsonTensor>;
  /** F(x₀, θ). */
  readonly objective: number;
  /** ∇ₓF per var, entries flattened row-major. */
  readonly gradient: Record<string, number[]>;
  /** The diagonal blocks ∇²ₓₓF per var: rows and columns are the var's entries. */
  readonly hessian: Record<string, number[][]>;
  /** ∇²ₓθF per var and param: rows are entries of the var, columns entries of the param. */
  readonly cross: Record<string, Record<string, number[][]>>;
}

/**
 * Kernels of a problem for one seed, with derivative graphs built from the registry's rules.
 * @category CLI
 */
export function problemKernels(problem: Problem, registry: PluginRegistry, seed: number): ProblemKernels {
  const graphs = buildDerivativeGraphs(problem, registry.rules);
  return new ProblemKernels(problem, graphs, drawInstance(problem, seed, registrySourceReader(registry)), registry.functions);
}

/**
 * Evaluates F, ∇ₓF, ∇²ₓₓF and ∇²ₓθF at (x₀, θ) for `seed` (with `kernels` already built for it, when given).
 * @category CLI
 */
export function evaluateAtStart(problem: Problem, registry: PluginRegistry, seed: number, kernels = problemKernels(problem, registry, seed)): Evaluation {
  const { x0, theta, varLayout, paramLayout } = kernels.instance;
  const gradient = new Float64Array(kernels.dimension);
  kernels.full('gradX', x0, theta, new Float64Array(0), gradient);
  const H = kernels.denseHessian(x0, theta);
  const C = kernels.denseCross(x0, theta);
  const hessian = record<number[][]>();
  const cross = record<Record<string, number[][]>>();
  for (const v of varLayout.entries) {
    hessian[v.name] = block(H, v, v, varLayout.size);
    cross[v.name] = record<number[][]>();
    for (const p of paramLayout.entries) cross[v.name][p.name] = block(C, v, p, paramLayout.size);
  }
  return {
    instance: instanceJson(problem, kernels.instance),
    objective: kernels.objective(x0, theta),
    gradient: byName(gradient, varLayout),
    hessian,
    cross,
  };
}

/**
 * The numerical fault `sgd run` would stop on at x₀ (a NaN or infinite F, ∇ₓF or ∇²ₓₓF, with its
 * cause), as one line; `undefined` when F and its derivatives are finite there.
  * @category CLI
 */
export function startPointWarning(kernels: ProblemKernels): string | undefined {
  const { x0, theta } = kernels.instance;
  const fault = startPointFault(kernels, x0, theta) ?? hessianFault(kernels, x0, theta);
  return fault && `at the start point x₀ (seed ${kernels.instance.seed}): ${describeFault(fault.quantity, fault.value, fault.cause)}; sgd run stops on it`;
}
