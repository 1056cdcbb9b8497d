/**
 * Which metric plugins a session's runs record: those the `report` line names, or every
 * registered one whose needs the run can meet. A metric whose reference is missing (reference =
 * none, an uncertified x*, an iterative reference without Jacobian products) is left out of the
 * trace, and the session says so in one warning: it is never computed against a wrong reference.
 */
import { referenceLacks, type MetricPlugin, type MetricRunInfo, type PluginRegistry, type Problem, type RunReference } from '@sgdiff/core';
import type { HyperSession } from './hyper-session.ts';
import { tracksJacobian, type RunSettings } from './session.ts';

/**
 * The metrics of a session.
 * @category CLI
 */
export interface ChosenMetrics {
  /** The plugins recorded, in column order. */
  readonly plugins: readonly MetricPlugin[];
  /** What their `columns` read. */
  readonly info: MetricRunInfo;
  /** The trace columns, in order. */
  readonly columns: readonly string[];
  /** The one warning naming the metrics left out and why, when some were. */
  readonly warning?: string;
}

/**
 * Chooses the metrics of a session (see the file comment).
 * @category CLI
 */
export function chooseMetrics(registry: PluginRegistry, problem: Problem, settings: RunSettings, reference: RunReference, hyper: HyperSession | undefined): ChosenMetrics {
  const info: MetricRunInfo = { estimators: hyper?.chosen ?? [] };
  const asked = problem.report?.metrics ?? [];
  const tracks = tracksJacobian({ problem, settings });
  // The default list skips, without a word, what the run was not set up for (no tracking, no outer objective).
  const named = asked.flatMap((name) => registry.metrics.get(name) ?? []);
  // A report line naming no column the run can record (e.g. only hypergradient_error with estimator = sid) records the default set.
  const candidates = named.some((m) => (m.columns?.(info) ?? [m.name]).length > 0)
    ? named
    : [...registry.metrics.values()].filter(
        (m) =>
          (!m.needs.jacobian || tracks) &&
          (!m.needs.outer || hyper !== undefined) &&
          (!m.needs.solver || m.needs.solver === problem.solve?.solver) &&
          m.needs.problem?.(problem) === undefined,
      );
  const plugins: MetricPlugin[] = [];
  const leftOut = new Map<string, string[]>();
  for (const plugin of candidates) {
    const reason = plugin.needs.problem?.(problem) ?? missing(plugin, reference, hyper);
    if (reason === undefined) plugins.push(plugin);
    else leftOut.set(reason, [...(leftOut.get(reason) ?? []), plugin.name]);
  }
  const columns = plugins.flatMap((p) => p.columns?.(info) ?? [p.name]);
  const warning = leftOut.size > 0 ? `metrics left out of the trace: ${[...leftOut].map(([reason, names]) => `${names.join(', ')} (${reason})`).join('; ')}` : undefined;
  return { plugins, info, columns, ...(warning ? { warning } : {}) };
}

/** Why `plugin` cannot be computed in this session, or `undefined` when it can. */
function missing(plugin: MetricPlugin, reference: RunReference, hyper: HyperSession | undefined): string | undefined {
  if (plugin.needs.outer && !hyper) return 'no outer objective';
  if (plugin.needs.reference) {
    const lacks = referenceLacks(reference, plugin.needs.reference);
    if (lacks) return lacks;
  }
  if (plugin.needs.outer && plugin.needs.reference && !hyper?.reference) return 'no exact hypergradient g*';
  return undefined;
}
