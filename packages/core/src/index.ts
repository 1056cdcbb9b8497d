/**
 * `@sgdiff/core`: the IR, symbolic differentiation engine, code generator, problem model,
 * random streams and plugin contracts of sgdiff.
 * @packageDocumentation
 */
export * from './ir/shape.ts';
export * from './ir/node.ts';
export * from './ir/builder.ts';
export * from './ir/functions.ts';
export * from './ir/printer.ts';
export * from './diff/rules.ts';
export * from './diff/engine.ts';
export * from './codegen/literal.ts';
export * from './codegen/layout.ts';
export * from './codegen/schedule.ts';
export * from './codegen/compile.ts';
export * from './problem/problem.ts';
export * from './problem/layout.ts';
export * from './problem/instance.ts';
export * from './runtime/rng.ts';
export * from './derive/graphs.ts';
export * from './derive/kernels.ts';
export * from './plugin/options.ts';
export * from './plugin/contracts.ts';
export * from './plugin/tokens.ts';
export * from './plugin/registry.ts';
