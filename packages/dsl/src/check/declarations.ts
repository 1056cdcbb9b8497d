/**
 * Checks of the declarations: `dim`, `const`, `data`/`param`/`var` and `sample`. Each fills
 * in its symbol's value, shape or size for the checks of later statements.
 */
import { formatShape, sizeOf, type Shape, type TensorInit } from '@sgdiff/core';
import type { ConstDecl, DimDecl, Expr, Initializer, SampleDecl, TensorDecl, TypeExpr } from '../ast.ts';
import { evaluateConstant, evaluatePositiveInteger } from './constants.ts';
import type { CheckContext, DeclaredSymbol } from './context.ts';
import { checkDataExpression, mentionsData } from './data-expression.ts';
import { checkDataSource, checkSampleLaw, checkTensorDistribution, type SampleLaw } from './distributions.ts';

/** A tensor may take at most 2 GiB of float64 entries, so a typo in a dim cannot exhaust memory. */
const MAX_TENSOR_BYTES = 2 * 1024 ** 3;
const BYTES_PER_ENTRY = 8;
/** Scalars, vectors and matrices. */
const MAX_RANK = 2;

/**
 * A checked data, param or var declaration.
 * @category Language
 */
export interface CheckedTensor {
  /** `data`, `param` or `var`. */
  readonly kind: TensorDecl['kind'];
  /** The declared name. */
  readonly name: string;
  /** Its shape. */
  readonly shape: Shape;
  /** How it gets its value: as the core describes it, or an expression of earlier data (lowered to IR later). */
  readonly init: TensorInit | { readonly kind: 'data-expression'; readonly expr: Expr };
}

/** Checks `dim n = expr`; records the dim's value in its symbol and returns the symbol. */
export function checkDim(decl: DimDecl, symbol: DeclaredSymbol, ctx: CheckContext): DeclaredSymbol {
  symbol.value = evaluatePositiveInteger(decl.value, ctx, decl.range.start.offset, 'invalid-dim', `dim '${decl.name.name}'`);
  return symbol;
}

/** Checks `const c = expr`; records the constant's value in its symbol and returns the symbol. */
export function checkConst(decl: ConstDecl, symbol: DeclaredSymbol, ctx: CheckContext): DeclaredSymbol {
  symbol.value = evaluateConstant(decl.value, ctx, decl.range.start.offset);
  return symbol;
}

/** Checks a data, param or var declaration; records its shape and returns it resolved when valid. */
export function checkTensor(decl: TensorDecl, symbol: DeclaredSymbol, ctx: CheckContext): CheckedTensor | undefined {
  const before = decl.range.start.offset;
  const shape = checkType(decl.type, ctx, before);
  symbol.shape = shape;
  const init = checkInitializer(decl.init, shape, ctx, before);
  return shape && init ? { kind: decl.kind, name: decl.name.name, shape, init } : undefined;
}

/** Checks `sample s ~ uniform(n[, batch = b])` and records the number of outcomes. */
export function checkSample(decl: SampleDecl, symbol: DeclaredSymbol, ctx: CheckContext): SampleLaw | undefined {
  const law = checkSampleLaw(decl.distribution, ctx, decl.range.start.offset);
  symbol.size = law?.size;
  return law;
}

function checkType(type: TypeExpr, ctx: CheckContext, before: number): Shape | undefined {
  if (type.extents.length > MAX_RANK) {
    ctx.error(type.range, 'unsupported-rank', `tensors have at most ${MAX_RANK} dimensions (R, R[n] or R[n, d]), got ${type.extents.length}`);
    return undefined;
  }
  const extents = type.extents.map((e) => evaluatePositiveInteger(e, ctx, before, 'invalid-extent', 'a type extent'));
  if (extents.some((e) => e === undefined)) return undefined;
  const shape = extents as number[];
  const bytes = sizeOf(shape) * BYTES_PER_ENTRY;
  if (bytes > MAX_TENSOR_BYTES) {
    const gib = (bytes / 1024 ** 3).toPrecision(3);
    ctx.error(type.range, 'tensor-too-large', `${formatShape(shape)} needs ${gib} GiB; a tensor may take at most 2 GiB`);
  }
  // The shape stays known even when too large, so that uses of the tensor are still checked.
  return shape;
}

function checkInitializer(init: Initializer, shape: Shape | undefined, ctx: CheckContext, before: number): CheckedTensor['init'] | undefined {
  switch (init.$type) {
    case 'DrawInit':
      return checkTensorDistribution(init.distribution, shape, ctx, before);
    case 'SourceInit':
      return checkDataSource(init.source, shape, ctx, before);
    case 'ValueInit': {
      if (mentionsData(init.value, ctx)) {
        return checkDataExpression(init.value, shape, ctx, before) ? { kind: 'data-expression', expr: init.value } : undefined;
      }
      const value = evaluateConstant(init.value, ctx, before);
      return value === undefined ? undefined : { kind: 'constant', value };
    }
  }
}
