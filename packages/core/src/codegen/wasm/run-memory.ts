/** The WebAssembly memory a run of a problem needs, known from its declarations before anything is drawn. */
import { sizeOf } from '../../ir/shape.ts';
import type { Problem } from '../../problem/problem.ts';
import { checkWasmMemory } from './memory-limit.ts';

/**
 * Bytes of the doubles a run keeps in a kernel's WebAssembly memory: every data, param and var
 * entry, and with derivative tracking the Jacobian ∂θx (vars × params entries).
 * @category Code generation
 */
export function wasmRunBytes(problem: Problem, tracking: boolean): number {
  let entries = 0;
  let vars = 0;
  let params = 0;
  for (const symbol of problem.tensors) {
    const size = sizeOf(symbol.shape);
    entries += size;
    if (symbol.kind === 'var') vars += size;
    if (symbol.kind === 'param') params += size;
  }
  return 8 * (entries + (tracking ? vars * params : 0));
}

/**
 * Throws a `WasmMemoryLimitError` naming the size when a run of `problem` cannot fit WebAssembly's memory.
 * @category Code generation
 */
export function checkWasmRun(problem: Problem, tracking: boolean): void {
  checkWasmMemory(wasmRunBytes(problem, tracking), tracking ? 'this problem (its data, params, vars and Jacobian ∂θx)' : 'this problem (its data, params and vars)');
}
