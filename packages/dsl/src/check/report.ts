/** Checks of `report every log N { metrics }` against the metrics the plugins provide. */
import type { ReportSpec } from '@sgdiff/core';
import type { ReportDecl } from '../ast.ts';
import type { CheckContext } from './context.ts';
import { didYouMean, quotedList } from './suggest.ts';

/**
 * Report points when `every log N` is left out.
 * @category Language
 */
export const DEFAULT_LOG_POINTS = 200;

/** Checks a `report` line; returns it resolved (defaults filled in) when valid. */
export function checkReport(decl: ReportDecl, ctx: CheckContext): ReportSpec | undefined {
  let valid = true;
  const points = decl.logPoints;
  if (points && !(Number.isInteger(points.value) && points.value >= 1)) {
    ctx.error(points.range, 'invalid-report', `the number of report points must be a positive integer, got ${points.text}`);
    valid = false;
  }
  const seen = new Set<string>();
  for (const metric of decl.metrics) {
    const name = metric.name;
    if (!ctx.env.metrics.has(name)) {
      const known = quotedList(ctx.env.metrics);
      ctx.error(metric.range, 'unknown-metric', `unknown metric '${name}'${didYouMean(name, ctx.env.metrics)}; known metrics: ${known}`);
      valid = false;
    } else if (seen.has(name)) {
      ctx.warning(metric.range, 'duplicate-metric', `metric '${name}' is listed twice`);
    }
    seen.add(name);
  }
  return valid ? { logPoints: points?.value ?? DEFAULT_LOG_POINTS, metrics: [...seen] } : undefined;
}
