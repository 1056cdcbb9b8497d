/**
 * `track = implicit` at an iterate: the Hessian path ∂θx = −(∇²ₓₓF)⁻¹∇²ₓθF when the step map is
 * a plain gradient step (its fixed points are F's stationary points), and otherwise the map's
 * own fixed point, (I − ∂ₛΦ)J = ∂θΦ by GMRES, which also gives the solver states' Jacobians.
 */
import { fixedPointJacobian, type FixedPointSolveInfo } from './fixed-point-implicit.ts';
import { ImplicitSolveError, implicitJacobian, type LinearSolver } from './implicit.ts';
import type { Stepper } from './stepper.ts';

/** Residual beyond which a fixed-point solve has no digits worth reporting: an error, not a number. */
const UNUSABLE_RESIDUAL = 1e-6;

/**
 * The implicit Jacobian at the stepper's current iterate.
 * @category Solvers and tracking
 */
export interface ImplicitTracking {
  /** ∂θx, tangent-major (P columns of length D). */
  readonly jacobian: Float64Array;
  /** ∂θs, tangent-major (P columns of length stateSize). */
  readonly stateJacobian: Float64Array;
  /** How the fixed-point solve went (absent on the Hessian path, whose failures throw). */
  readonly solve?: FixedPointSolveInfo;
}

/**
 * ∂θx (and ∂θs) at `stepper`'s iterate s_k, through the map of the last step taken (iteration
 * k − 1, or 0 at the start: schedules and the counter at that iteration, noise off).
 * @category Solvers and tracking
 */
export function implicitTracking(stepper: Stepper, k: number, linearSolver: LinearSolver): ImplicitTracking {
  const { program, kernels } = stepper;
  const D = kernels.dimension;
  const P = kernels.parameters;
  if (program.gradientStep) {
    const jacobian = implicitJacobian(kernels, stepper.x, kernels.instance.theta, linearSolver);
    return { jacobian, stateJacobian: jacobian };
  }
  const solve = fixedPointJacobian(program, kernels, stepper.s, stepper.noiselessInputs(Math.max(0, k - 1)));
  if (!(solve.residual <= UNUSABLE_RESIDUAL)) {
    throw new ImplicitSolveError(
      `implicit differentiation through the fixed point of '${program.solver.name}': GMRES reached a relative residual of ${solve.residual.toExponential(2)} ` +
        `(condition estimate of I − ∂ₛΦ: ${solve.condition.toExponential(2)}); I − ∂ₛΦ is singular and ∂θΦ is not in its range (the iterate is not a fixed point of the step map, or the map has none)`,
    );
  }
  const S = program.stateSize;
  const jacobian = new Float64Array(D * P);
  for (let p = 0; p < P; p++) jacobian.set(solve.jacobian.subarray(p * S, p * S + D), p * D);
  const { jacobian: stateJacobian, ...info } = solve;
  return { jacobian, stateJacobian, solve: info };
}
