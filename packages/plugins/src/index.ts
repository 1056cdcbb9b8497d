/**
 * `@sgdiff/plugins`: the registration of the built-in operators, the elementwise functions, solvers,
 * metrics, outer solvers and data sources, registered through the public plugin API.
 * @packageDocumentation
 */
export * from './module.ts';
export * from './functions/builtin.ts';
export * from './metrics.ts';
export * from './outer-solvers.ts';
export * from './solvers/gradient-descent.ts';
export * from './solvers/inexact-sgd.ts';
export * from './solvers/fixed-point.ts';
export * from './solvers/step-option.ts';
export * from './sources/mnist.ts';
export * from './sources/mnist-data.ts';
export * from './sources/file-sources.ts';
export * from './sources/npy-format.ts';
export * from './sources/zip-entries.ts';
export * from './sources/text-tables.ts';
export * from './solvers/sinkhorn.ts';
export * from './solvers/sinkhorn-inputs.ts';
export * from './solvers/sinkhorn-reference.ts';
export * from './solvers/sinkhorn-run-reference.ts';
export * from './sinkhorn-metrics.ts';
export * from './sources/grid.ts';
export * from './solvers/sinkhorn-instance.ts';
export * from './mirror-ascent.ts';
export * from './metrics/implicit-bias.ts';
export * from './metrics/interpolators.ts';
