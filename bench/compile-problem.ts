/** Benchmark problems go through the real language pipeline, as a user's file would. */
import type { PluginRegistry, Problem } from '@sgdiff/core';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment } from '@sgdiff/cli';

/** The problem of the `.sgd` source made of `lines`; a benchmark problem that does not compile is a bug. */
export function compileBenchProblem(lines: readonly string[], registry: PluginRegistry): Problem {
  const { problem, diagnostics } = compileSgd([...lines, ''].join('\n'), 'bench.sgd', checkEnvironment(registry));
  if (!problem) throw new Error(`benchmark problem failed to compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  return problem;
}
