/** The metrics a `report` line may name; solvers' run loops compute them. */
import type { MetricSpec } from '@sgdiff/core';

/** Built-in metrics. */
export const builtinMetrics: readonly MetricSpec[] = [
  { name: 'suboptimality', doc: 'F(x_k, θ) − F(x*, θ).' },
  { name: 'distance', doc: '‖x_k − x*‖.' },
  { name: 'jacobian_error', doc: '‖∂θx_k − ∂θx*‖_F.' },
  { name: 'gradient_norm', doc: '‖∇ₓF(x_k, θ)‖.' },
  { name: 'step', doc: 'The step size η_k.' },
  { name: 'hypergradient_error', doc: '‖g_k − g*‖ for each chosen hypergradient estimator (one column each; SID in sid.csv).' },
];
