/**
 * How metrics are named in plots: by what they are (g1 analytic, g2 automatic, g3 implicit, SID
 * for the hypergradient errors), with the quantity each measures for the axis title.
 */

/** Legend labels of the built-in metrics and of each estimator's hypergradient error column. */
const LABELS: Readonly<Record<string, string>> = {
  suboptimality: 'suboptimality F(x_k) − F*',
  distance: 'distance ‖x_k − x*‖',
  jacobian_error: 'Jacobian error ‖∂θx_k − ∂θx*‖',
  gradient_norm: 'gradient norm ‖∇ₓF(x_k)‖',
  step: 'step η_k',
  hypergradient_error_analytic: 'g1 analytic',
  hypergradient_error_automatic: 'g2 automatic',
  hypergradient_error_implicit: 'g3 implicit',
  hypergradient_error_sid: 'SID',
};

/**
 * The legend label of a metric (a plugin's metric keeps its name).
 * @category CLI
 */
export function metricLabel(metric: string): string {
  return LABELS[metric] ?? metric;
}

/**
 * The y-axis title for a set of metrics: the hypergradient error when all are, else the metrics' short names.
 * @category CLI
 */
export function metricsAxisTitle(metrics: readonly string[]): string {
  if (metrics.length > 0 && metrics.every((m) => m.startsWith('hypergradient_error_'))) return 'hypergradient error ‖g_k − g*‖';
  const names = metrics.map((m) => (m.startsWith('hypergradient_error_') ? 'hypergradient error' : (LABELS[m]?.split(' ‖')[0].split(' F(')[0] ?? m)));
  return [...new Set(names)].join(', ');
}
