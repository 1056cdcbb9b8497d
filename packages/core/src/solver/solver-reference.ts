/**
 * A reference a solver plugin computes by itself, for problems it knows better than the generic
 * Newton reference does (the `sinkhorn` solver: a long log-domain Sinkhorn certified by its
 * marginal violation, where Newton meets the singular Hessian of the entropic dual). It gives x*,
 * F* and, for `outer value`, the exact hypergradient g*; not ∂θx* (`reference = exact` still
 * computes that by Newton).
 */
import type { Conditioning } from '../reference/reference.ts';

/**
 * What a solver's `reference` hook returns, by name (the framework lays it out).
 * @category Problems and references
 */
export interface SolverReferenceResult {
  /** x* by var name, row-major. */
  readonly x: ReadonlyMap<string, Float64Array>;
  /** F(x*, θ). */
  readonly objective: number;
  /** Whether the solver's own certificate holds (e.g. a marginal violation within its tolerance). */
  readonly certified: boolean;
  /** Why it is not certified, when it is not. */
  readonly warning?: string;
  /** g* = ∇θℓ by param name, for `outer value`; absent when the solver cannot give it. */
  readonly hypergradient?: ReadonlyMap<string, Float64Array>;
  /** The certificate and what else the solver measured (iterations, violation, tolerance, ...), for result.json. */
  readonly certificate: Readonly<Record<string, number>>;
}

/**
 * A solver's reference as a run holds it: flat x* and g*, and μ, L, κ at x₀ (Lanczos).
 * @category Problems and references
 */
export interface SolverReference extends Conditioning {
  /** Always `'solver'`. */
  readonly mode: 'solver';
  /** The solver that computed it. */
  readonly solver: string;
  /** x*, var layout. */
  readonly x: Float64Array;
  /** F(x*, θ). */
  readonly objective: number;
  /** Whether the solver's certificate holds. */
  readonly certified: boolean;
  /** Why it is not certified (or μ, L may be inaccurate), when so. */
  readonly warning?: string;
  /** g*, param layout, for `outer value`. */
  readonly hypergradient?: Float64Array;
  /** The solver's certificate (see {@link SolverReferenceResult.certificate}). */
  readonly certificate: Readonly<Record<string, number>>;
}
