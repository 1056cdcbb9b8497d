/**
 * `@sgdiff/cli`: the `sgd` command line (check, derive) and the JSON views it prints.
 * @packageDocumentation
 */
export * from './main.ts';
export * from './program.ts';
export * from './errors.ts';
export * from './load.ts';
export * from './json.ts';
export * from './evaluate.ts';
export * from './sources.ts';
export * from './formulas.ts';
export * from './simplify-for-print.ts';
export * from './summary.ts';
export * from './plugins.ts';
export * from './describe-plugins.ts';
export * from './text-table.ts';
export * from './help-text.ts';
export * from './run/overrides.ts';
export * from './run/param-entries.ts';
export * from './run/metric-labels.ts';
export * from './read-source.ts';
export * from './run/session.ts';
export * from './run/metrics.ts';
export * from './run/job.ts';
export * from './run/monte-carlo.ts';
export * from './run/aggregate.ts';
export * from './run/result.ts';
export * from './run/out-dir.ts';
export * from './run/instance-file.ts';
export * from './run/plot.ts';
export * from './render-svg.ts';
export * from './run/guides.ts';
export * from './run/command.ts';
export * from './run/hyper-session.ts';
export * from './run/outer.ts';
export * from './sweep/coordinate-chart.ts';
export * from './run/fault.ts';
export * from './run/run-fold.ts';
export * from './run/checkpoint.ts';
