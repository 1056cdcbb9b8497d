/**
 * A solver plugin's own reference (`SolverPlugin.reference`, e.g. sinkhorn's certified
 * log-domain run) at θ, laid out as the run's x and θ, with μ, L, κ at x₀ from Lanczos as
 * `reference = none` has them (the step-size schedules read them).
 */
import { computeRunReference, type ProblemKernels, type SolverPlugin, type SolverReference } from '@sgdiff/core';

/** Flat in `layout` order from values by name; throws when the solver left one out (a plugin bug). */
function gather(layout: ProblemKernels['instance']['varLayout'], byName: ReadonlyMap<string, Float64Array>, what: string): Float64Array {
  const flat = new Float64Array(layout.size);
  for (const entry of layout.entries) {
    const values = byName.get(entry.name);
    if (!values || values.length !== entry.size) throw new Error(`internal error: the solver's reference gave no ${what} for '${entry.name}' of ${entry.size} entries`);
    flat.set(values, entry.offset);
  }
  return flat;
}

/** The solver's reference at θ from x₀ = `start`, or `undefined` when the solver has none for this problem. */
export function solverRunReference(solver: SolverPlugin, kernels: ProblemKernels, theta: Float64Array, start: Float64Array, seed: number): SolverReference | undefined {
  if (!solver.reference) return undefined;
  const { instance, problem } = kernels;
  const values = new Map(instance.values);
  for (const entry of instance.paramLayout.entries) values.set(entry.name, theta.slice(entry.offset, entry.offset + entry.size));
  const result = solver.reference(problem, values);
  if (!result) return undefined;
  const constants = computeRunReference(kernels, theta, start, 'none', { seed, jacobian: false });
  const warnings = [result.warning, constants.mode === 'none' ? constants.warning : undefined].filter((w) => w !== undefined);
  return {
    mode: 'solver',
    solver: solver.name,
    mu: constants.mu,
    L: constants.L,
    kappa: constants.kappa,
    x: gather(instance.varLayout, result.x, 'x*'),
    objective: result.objective,
    certified: result.certified,
    ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}),
    ...(result.hypergradient ? { hypergradient: gather(instance.paramLayout, result.hypergradient, 'g*') } : {}),
    certificate: result.certificate,
  };
}
