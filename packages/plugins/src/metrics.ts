/**
 * The built-in metrics: what each needs and how it computes its value at a record point. The
 * run loop records the ones a `report` line asks for (or all whose needs are met), in this order.
 */
import { distance, errorMetric, norm, sketchedJacobianError, type Estimator, type MetricPlugin, type MetricPoint } from '@sgdiff/core';

/** x* and F* of a point reference (the run checks `needs.reference` before computing). */
function solution(point: MetricPoint): { readonly x: Float64Array; readonly objective: number } {
  const { reference } = point;
  if (reference.mode === 'none') throw new Error('internal error: a metric that needs x* was computed with reference = none');
  return reference;
}

/**
 * F(x_k, θ) − F(x*, θ).
 * @category Solvers and tracking
 */
export const suboptimalityMetric: MetricPlugin = {
  name: 'suboptimality',
  doc: 'F(x_k, θ) − F(x*, θ).',
  needs: { reference: 'point' },
  compute: (point) => point.kernels.objective(point.x, point.theta) - solution(point).objective,
};

/**
 * ‖x_k − x*‖.
 * @category Solvers and tracking
 */
export const distanceMetric: MetricPlugin = {
  name: 'distance',
  doc: '‖x_k − x*‖.',
  needs: { reference: 'point' },
  compute: (point) => distance(point.x, solution(point).x),
};

/**
 * ‖∂θx_k − ∂θx*‖_F, exactly (exact reference) or along a few directions (iterative reference).
 * @category Solvers and tracking
 */
export const jacobianErrorMetric: MetricPlugin = {
  name: 'jacobian_error',
  doc: '‖∂θx_k − ∂θx*‖_F (with reference = iterative: along the directions listed in result.json, an estimate when θ has more than 8 entries).',
  needs: { reference: 'jacobian', jacobian: true },
  compute(point) {
    const jacobian = point.jacobian();
    const { reference, kernels } = point;
    if (!jacobian) return NaN;
    if (reference.mode === 'exact') return distance(jacobian, reference.jacobian);
    if (reference.mode === 'iterative' && reference.jacobianSketch) return sketchedJacobianError(jacobian, reference.jacobianSketch, kernels.dimension, kernels.parameters);
    throw new Error('internal error: jacobian_error was computed without a reference Jacobian');
  },
};

/**
 * ‖∇ₓF(x_k, θ)‖.
 * @category Solvers and tracking
 */
export const gradientNormMetric: MetricPlugin = {
  name: 'gradient_norm',
  doc: '‖∇ₓF(x_k, θ)‖.',
  needs: {},
  compute: (point) => norm(point.gradient),
};

/**
 * η_k.
 * @category Solvers and tracking
 */
export const stepMetric: MetricPlugin = {
  name: 'step',
  doc: 'The step size η_k.',
  needs: {},
  compute: (point) => point.step,
};

/**
 * ‖g_k − g*‖ per chosen estimator (SID's go to sid.csv).
 * @category Solvers and tracking
 */
export const hypergradientErrorMetric: MetricPlugin = {
  name: 'hypergradient_error',
  doc: '‖g_k − g*‖ for each chosen hypergradient estimator (one column each; SID in sid.csv).',
  needs: { reference: 'point', outer: true },
  columns: (info) => info.estimators.filter((e) => e !== 'sid').map((e) => errorMetric(e as Estimator)),
  compute(point) {
    const hyper = point.hypergradients;
    if (!hyper?.exact) throw new Error('internal error: hypergradient_error was computed without g*');
    const exact = hyper.exact;
    return point.info.estimators
      .filter((e) => e !== 'sid')
      .map((e) => {
        const g = hyper.estimates.get(e);
        return g ? distance(g, exact) : NaN;
      });
  },
};

/**
 * The built-in metrics, in the order traces list them.
 * @category Solvers and tracking
 */
export const builtinMetrics: readonly MetricPlugin[] = [suboptimalityMetric, distanceMetric, jacobianErrorMetric, gradientNormMetric, stepMetric, hypergradientErrorMetric];
