/**
 * How a loop-IR index moves with a loop's index j: `coefficient · j + (something not depending on
 * j)`, or not affine in j at all. The WebAssembly emitter vectorizes a loop only where every
 * access is unit-stride (coefficient 1) or loop-invariant (coefficient 0).
 */
import type { LoopIndex, LoopLocal } from '../loop-ir.ts';

/** The coefficient of j in `index`, or `null` when `index` is not affine in j (an `idx[j]`, a product of two j-dependent terms). */
export function strideIn(index: LoopIndex, j: LoopLocal<'i32'>): number | null {
  switch (index.op) {
    case 'const':
    case 'count':
      return 0;
    case 'local':
      return index.local === j ? 1 : 0;
    case 'batchEntry':
      return strideIn(index.at, j) === 0 ? 0 : null;
    case 'add': {
      const left = strideIn(index.left, j);
      const right = strideIn(index.right, j);
      return left === null || right === null ? null : left + right;
    }
    case 'mul': {
      const left = strideIn(index.left, j);
      const right = strideIn(index.right, j);
      if (left === null || right === null) return null;
      if (left === 0 && right === 0) return 0;
      if (left === 0 && index.left.op === 'const') return index.left.value * right;
      if (right === 0 && index.right.op === 'const') return index.right.value * left;
      return null;
    }
    case 'div':
    case 'mod':
      // ⌊j / c⌋ and j mod c do not move by a fixed stride; only a j-free one is invariant.
      return strideIn(index.left, j) === 0 && strideIn(index.right, j) === 0 ? 0 : null;
    default: {
      const unknown: never = index;
      throw new Error(`unknown loop index ${JSON.stringify(unknown)}`);
    }
  }
}
