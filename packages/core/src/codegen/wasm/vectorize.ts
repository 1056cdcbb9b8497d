/**
 * Which loops the WebAssembly emitter runs two iterations at a time in f64x2 lanes. A loop
 * qualifies when it is innermost (its body only `let`s and `store`s), every load is unit-stride
 * or loop-invariant in its index, every store is unit-stride, and every buffer it stores into is
 * accessed at one index expression only, so that no iteration reads what another writes (two
 * lanes then compute exactly what two scalar iterations compute). A reduction qualifies when its
 * element does. Conditions inside must not depend on the loop index.
 */
import type { LoopBuffer, LoopCondition, LoopExpr, LoopLocal, LoopStatement } from '../loop-ir.ts';
import { strideIn } from './affine.ts';

/** Whether `element` can be evaluated in two lanes for the loop index `j`. */
export function vectorizableElement(element: LoopExpr, j: LoopLocal<'i32'>): boolean {
  return exprOk(element, j);
}

/** Whether the loop body `body` over `j` can run in two lanes. */
export function vectorizableLoop(body: readonly LoopStatement[], j: LoopLocal<'i32'>): boolean {
  const stored = new Map<string, string>();
  for (const s of body) {
    if (s.kind === 'let') {
      if (!exprOk(s.value, j)) return false;
    } else if (s.kind === 'store') {
      if (strideIn(s.index, j) !== 1 || !exprOk(s.value, j)) return false;
      const key = bufferKey(s.buffer);
      const at = JSON.stringify(s.index);
      if (stored.has(key) && stored.get(key) !== at) return false;
      stored.set(key, at);
    } else return false;
  }
  if (stored.size === 0) return false;
  // A buffer stored into is read only where it is written (the same index expression).
  const loadsOk = (e: LoopExpr): boolean => {
    switch (e.op) {
      case 'load': {
        const at = stored.get(bufferKey(e.buffer));
        return at === undefined || at === JSON.stringify(e.index);
      }
      case 'binary':
        return loadsOk(e.left) && loadsOk(e.right);
      case 'unary':
      case 'call':
        return loadsOk(e.arg);
      case 'select':
        return loadsOk(e.then) && loadsOk(e.otherwise);
      default:
        return true;
    }
  };
  return body.every((s) => (s.kind === 'let' || s.kind === 'store') && loadsOk(s.value));
}

/** A buffer's identity within one kernel. */
export function bufferKey(buffer: LoopBuffer): string {
  return buffer.kind === 'argument' ? `a:${buffer.name}` : `${buffer.kind}:${buffer.index}`;
}

function exprOk(e: LoopExpr, j: LoopLocal<'i32'>): boolean {
  switch (e.op) {
    case 'const':
    case 'local':
      return true;
    case 'load': {
      const stride = strideIn(e.index, j);
      return stride === 0 || stride === 1;
    }
    case 'fromIndex':
      return strideIn(e.index, j) === 0;
    case 'binary':
      return exprOk(e.left, j) && exprOk(e.right, j);
    case 'unary':
    case 'call':
      return exprOk(e.arg, j);
    case 'select':
      return conditionOk(e.condition, j) && exprOk(e.then, j) && exprOk(e.otherwise, j);
    default: {
      const unknown: never = e;
      throw new Error(`unknown loop expression ${JSON.stringify(unknown)}`);
    }
  }
}

/** Conditions are evaluated once for both lanes: they must not depend on j, and `infinite` (of a lane value) is not vectorized. */
function conditionOk(c: LoopCondition, j: LoopLocal<'i32'>): boolean {
  return c.op === 'equal' && strideIn(c.left, j) === 0 && strideIn(c.right, j) === 0;
}
