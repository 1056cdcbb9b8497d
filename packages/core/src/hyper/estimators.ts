/**
 * Hypergradient estimators of ∇ℓ(θ) = ∇θE(x*, θ) + (∂θx*)ᵀ∇ₓE(x*, θ), evaluated at an iterate
 * x_t (Ablin, Peyré, Moreau 2020):
 *
 * - g1 `analytic`:  ∇θF(x_t, θ) — only for the value function ℓ(θ) = min_x F(x, θ);
 * - g2 `automatic`: ∇θE(x_t) + J_tᵀ∇ₓE(x_t), J_t = ∂θx_t from the tracking of the iterations;
 * - g3 `implicit`:  ∇θE(x_t) − ∇²θₓF(x_t) v, where ∇²ₓₓF(x_t) v = ∇ₓE(x_t) (direct or CG); for a
 *   step map that is not a plain gradient step, through the map's own fixed point instead:
 *   ∇θE + ∂θΦᵀ v with (I − ∂ₛΦ)ᵀ v = ∇ₛE (GMRES on the step program's reverse kernel).
 *
 * The reference is g3 at a certified x* with a direct solve.
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import { fixedPointPullback, type FixedPointAt } from '../solver/fixed-point-implicit.ts';
import { hessianConjugateGradient, ImplicitSolveError, solveHessian, type LinearSolver } from '../solver/implicit.ts';

/**
 * The estimator names of the language (`estimator = ...`).
 * @category Hypergradients
 */
export const ESTIMATORS = ['analytic', 'automatic', 'implicit', 'sid'] as const;

/**
 * One of {@link ESTIMATORS}.
 * @category Hypergradients
 */
export type Estimator = (typeof ESTIMATORS)[number];

/**
 * Evaluates g1, g2, g3 for one problem instance at the current θ (read from the instance).
 * @category Hypergradients
 */
export class HypergradientEstimators {
  private readonly none = new Float64Array(0);

  /**
   * @param lower - kernels of F
   * @param outer - kernels of E (the same object as `lower` for the value function)
   * @param linearSolver - how g3 solves its system
   */
  constructor(
    readonly lower: ProblemKernels,
    readonly outer: ProblemKernels,
    readonly linearSolver: LinearSolver,
  ) {}

  /** True for `outer value`, where g1 exists. */
  get isValueFunction(): boolean {
    return this.outer === this.lower;
  }

  private get theta(): Float64Array {
    return this.lower.instance.theta;
  }

  /** ∇ₓE(x). */
  outerGradientX(x: Float64Array): Float64Array {
    const out = new Float64Array(this.lower.dimension);
    this.outer.full('gradX', x, this.theta, this.none, out);
    return out;
  }

  /** ∇θE(x). */
  outerGradientTheta(x: Float64Array): Float64Array {
    const out = new Float64Array(this.lower.parameters);
    this.outer.full('gradTheta', x, this.theta, this.none, out);
    return out;
  }

  /** g1 = ∇θF(x). */
  analytic(x: Float64Array): Float64Array {
    const out = new Float64Array(this.lower.parameters);
    this.lower.full('gradTheta', x, this.theta, this.none, out);
    return out;
  }

  /** g2 = ∇θE(x) + Jᵀ∇ₓE(x), J tangent-major (P columns of length D). */
  automatic(x: Float64Array, jacobian: Float64Array): Float64Array {
    const D = this.lower.dimension;
    const w = this.outerGradientX(x);
    const g = this.outerGradientTheta(x);
    for (let p = 0; p < g.length; p++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += jacobian[p * D + j] * w[j];
      g[p] += s;
    }
    return g;
  }

  /** g2 from a reverse pullback already computed: ∇θE(x) + (Jᵀ∇ₓE) given as `pulled`. */
  automaticFromPullback(x: Float64Array, pulled: Float64Array): Float64Array {
    const g = this.outerGradientTheta(x);
    for (let p = 0; p < g.length; p++) g[p] += pulled[p];
    return g;
  }

  /** g3 = ∇θE(x) − ∇²θₓF(x) ∇²ₓₓF(x)⁻¹ ∇ₓE(x); `tolerance` is CG's relative residual. */
  implicit(x: Float64Array, solver: LinearSolver = this.linearSolver, tolerance = 1e-13): Float64Array {
    const D = this.lower.dimension;
    const rhs = this.outerGradientX(x);
    let v: Float64Array;
    if (solver === 'cg') v = hessianConjugateGradient(this.lower, x, this.theta, rhs, tolerance, 'implicit hypergradient');
    else v = solveHessian(this.lower.denseHessian(x, this.theta), D, rhs, 1, 'implicit hypergradient');
    const correction = new Float64Array(this.lower.parameters);
    this.lower.full('crossTranspose', x, this.theta, v, correction);
    const g = this.outerGradientTheta(x);
    for (let p = 0; p < g.length; p++) g[p] -= correction[p];
    return g;
  }

  /**
   * g3 through the solver's own fixed point at `at` (whose first D state entries are x):
   * ∇θE(x) + ∂θΦᵀ v with (I − ∂ₛΦ)ᵀ v = (∇ₓE(x), 0 on the solver states), by GMRES. Throws an
   * {@link ImplicitSolveError} naming the residual and condition when the system has no solution.
   */
  implicitAtFixedPoint(at: FixedPointAt): Float64Array {
    const D = this.lower.dimension;
    const x = at.state.subarray(0, D);
    const w = new Float64Array(at.program.stateSize);
    w.set(this.outerGradientX(x));
    const solve = fixedPointPullback(at.program, this.lower, at.state, at.hypers, [w]);
    if (!(solve.residual <= 1e-6)) {
      throw new ImplicitSolveError(
        `implicit hypergradient through the fixed point of '${at.program.solver.name}': GMRES reached a relative residual of ${solve.residual.toExponential(2)} (condition estimate of I − ∂ₛΦ: ${solve.condition.toExponential(2)})`,
      );
    }
    const g = this.outerGradientTheta(x);
    for (let p = 0; p < g.length; p++) g[p] += solve.gradients[0][p];
    return g;
  }
}
