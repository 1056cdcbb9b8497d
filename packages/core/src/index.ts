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
export * from './codegen/plan.ts';
export * from './codegen/compile.ts';
export * from './problem/problem.ts';
export * from './problem/layout.ts';
export * from './problem/instance.ts';
export * from './runtime/rng.ts';
export * from './derive/graphs.ts';
export * from './derive/kernels.ts';
export * from './plugin/options.ts';
export * from './plugin/contracts.ts';
export * from './plugin/data-source.ts';
export * from './plugin/tokens.ts';
export * from './plugin/registry.ts';
export * from './ir/split.ts';
export * from './linalg/dense.ts';
export * from './linalg/vector.ts';
export * from './reference/reference.ts';
export * from './run/schedule.ts';
export * from './solver/contract.ts';
export * from './solver/common-options.ts';
export * from './solver/step-program.ts';
export * from './solver/schedule-kernel.ts';
export * from './solver/stepper.ts';
export * from './solver/forward-tracker.ts';
export * from './solver/reverse.ts';
export * from './solver/implicit.ts';
export * from './solver/run.ts';
export * from './solver/conformance.ts';
export * from './hyper/outer-kernels.ts';
export * from './hyper/estimators.ts';
export * from './hyper/observer.ts';
export * from './hyper/sid.ts';
export * from './hyper/outer-loop.ts';
export * from './reference/mode.ts';
export * from './reference/lanczos.ts';
export * from './reference/truncated-cg.ts';
export * from './reference/newton-cg.ts';
export * from './reference/jacobian-products.ts';
export * from './reference/iterative.ts';
export * from './reference/run-reference.ts';
