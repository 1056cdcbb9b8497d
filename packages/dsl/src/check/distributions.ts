/**
 * The right-hand sides of declarations that are calls: the law a tensor is drawn from
 * (`~ normal(0, 1)`), its data source (`from src(...)`) and the law of a sample (`~ uniform(n)`).
 */
import { sizeOf, type Shape, type TensorInit } from '@sgdiff/core';
import type { CallExpr, Expr } from '../ast.ts';
import { BATCH_ARGUMENT, SAMPLE_DISTRIBUTION, TENSOR_DISTRIBUTIONS } from './builtins.ts';
import { checkArity, rejectNamedArguments } from './calls.ts';
import { evaluateConstant, evaluatePositiveInteger } from './constants.ts';
import type { CheckContext } from './context.ts';
import { checkSourceArguments } from './source-arguments.ts';
import { didYouMean, quotedList } from './suggest.ts';

/** The law of a sample: `size` equally likely outcomes, drawn `batch` at a time. */
export interface SampleLaw {
  /** Number of outcomes. */
  readonly size: number;
  /** Minibatch size, 1 when not given. */
  readonly batch: number;
}

/**
 * `normal(mean, sd)`, `uniform(lo, hi)` or `sparse_normal(r, sd)` with constant arguments (r an
 * integer from 1 to the number of entries of `shape`, when known); `undefined` after reporting.
 */
export function checkTensorDistribution(call: CallExpr, shape: Shape | undefined, ctx: CheckContext, before: number): TensorInit | undefined {
  const name = call.callee.name;
  const parameters = TENSOR_DISTRIBUTIONS.get(name);
  if (!parameters) {
    const hint = didYouMean(name, TENSOR_DISTRIBUTIONS.keys());
    ctx.error(call.callee.range, 'unknown-distribution', `unknown distribution '${name}'${hint}; tensors can be drawn from normal(mean, sd), uniform(lo, hi) or sparse_normal(r, sd)`);
    return undefined;
  }
  rejectNamedArguments(call, ctx);
  if (!checkArity(call, ctx, parameters.length, parameters)) return undefined;
  const [a, b] = call.args.map((arg) => evaluateConstant(arg, ctx, before));
  if (a === undefined || b === undefined) return undefined;
  if (name === 'sparse_normal') return checkSparseNormal(call, a, b, shape, ctx);
  if (name === 'normal') {
    if (b > 0) return { kind: 'normal', mean: a, sd: b };
    ctx.error(call.args[1].range, 'invalid-distribution', `the standard deviation of 'normal' must be positive, got ${b}`);
    return undefined;
  }
  if (a < b) return { kind: 'uniform', lo: a, hi: b };
  ctx.error(call.range, 'invalid-distribution', `'uniform(lo, hi)' needs lo < hi, got ${a} and ${b}`);
  return undefined;
}

/** `sparse_normal(r, sd)`: 1 ≤ r ≤ the number of entries, r an integer, sd > 0 (all errors at once). */
function checkSparseNormal(call: CallExpr, r: number, sd: number, shape: Shape | undefined, ctx: CheckContext): TensorInit | undefined {
  const entries = shape ? sizeOf(shape) : undefined;
  let valid = true;
  if (!Number.isInteger(r) || r < 1) {
    ctx.error(call.args[0].range, 'invalid-distribution', `the number of nonzero entries r of 'sparse_normal' must be a positive integer, got ${r}`);
    valid = false;
  } else if (entries !== undefined && r > entries) {
    ctx.error(call.args[0].range, 'invalid-distribution', `'sparse_normal' cannot place r = ${r} nonzero entries in a tensor of ${entries} entries`);
    valid = false;
  }
  if (!(sd > 0)) {
    ctx.error(call.args[1].range, 'invalid-distribution', `the standard deviation of 'sparse_normal' must be positive, got ${sd}`);
    valid = false;
  }
  return valid && entries !== undefined ? { kind: 'sparse_normal', r, sd } : undefined;
}

/**
 * `from src(key = value, ...)`: a known source, its named arguments valid (see
 * {@link checkSourceArguments}; defaults are filled in), and a declared `shape` the source can
 * read (its `check`, reported as `unreadable-source` at the call). `undefined` after reporting,
 * or when the shape is unknown because of an earlier error.
 */
export function checkDataSource(call: CallExpr, shape: Shape | undefined, ctx: CheckContext, before: number): TensorInit | undefined {
  const name = call.callee.name;
  const source = ctx.env.sources.get(name);
  if (!source) {
    const hint = didYouMean(name, ctx.env.sources.keys());
    const known = ctx.env.sources.size > 0 ? `; known sources: ${quotedList(ctx.env.sources.keys())}` : '; no data source is installed';
    ctx.error(call.callee.range, 'unknown-source', `unknown data source '${name}'${hint}${known}`);
    return undefined;
  }
  const args = checkSourceArguments(call, source, ctx, before);
  if (!args || !shape) return undefined;
  const reason = source.check(shape, args);
  if (reason === undefined) return { kind: 'source', source: name, args };
  ctx.error(call.range, 'unreadable-source', `${name}: ${reason}`);
  return undefined;
}

/** `uniform(n)` or `uniform(n, batch = b)` with `n` a positive integer and `1 ≤ b ≤ n`. */
export function checkSampleLaw(call: CallExpr, ctx: CheckContext, before: number): SampleLaw | undefined {
  if (call.callee.name !== SAMPLE_DISTRIBUTION) {
    ctx.error(call.callee.range, 'invalid-distribution', 'a sample must be drawn from uniform(n) or uniform(n, batch = b)');
    return undefined;
  }
  let batchArg: Expr | undefined;
  for (const arg of call.namedArgs) {
    if (arg.name.name !== BATCH_ARGUMENT) {
      ctx.error(arg.name.range, 'invalid-argument', `unknown argument '${arg.name.name}' of a sample's 'uniform'; only 'batch' is accepted`);
    } else if (batchArg) {
      ctx.error(arg.name.range, 'invalid-argument', "argument 'batch' is given twice");
    } else if (arg.value.$type === 'StringLiteral') {
      ctx.error(arg.value.range, 'invalid-argument', "'batch' must be a number, not a string");
    } else {
      batchArg = arg.value;
    }
  }
  if (!checkArity(call, ctx, 1, ['n'])) return undefined;
  const size = evaluatePositiveInteger(call.args[0], ctx, before, 'invalid-distribution', 'the number of outcomes of a sample');
  if (!batchArg) return size === undefined ? undefined : { size, batch: 1 };
  const batch = evaluatePositiveInteger(batchArg, ctx, before, 'invalid-distribution', 'the batch size');
  if (size === undefined || batch === undefined) return undefined;
  if (batch <= size) return { size, batch };
  ctx.error(batchArg.range, 'invalid-distribution', `the batch size must be at most n = ${size}, got ${batch}`);
  return undefined;
}
