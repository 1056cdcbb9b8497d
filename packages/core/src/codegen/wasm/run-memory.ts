/** The WebAssembly memory a run of a problem needs, known from its declarations before anything is drawn. */
import { sizeOf } from '../../ir/shape.ts';
import type { Problem } from '../../problem/problem.ts';
import type { BackendChoice } from '../backend.ts';
import { checkWasmMemory, WASM_MAX_BYTES } from './memory-limit.ts';

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

/**
 * The backend a run of `problem` is compiled for when it asks for `choice`: `choice` itself,
 * except that `auto` stays on JavaScript when the run's arrays ({@link wasmRunBytes}) take more
 * than half of WebAssembly's memory. The other half is room for what that count leaves out
 * (kernel scratch, a staged Jacobian-size result, the spare state), so the default never refuses
 * or fails a run that `js` would take; an explicit `wasm` is checked by {@link checkWasmRun}.
 * @category Code generation
 */
export function runBackendChoice(choice: BackendChoice | undefined, problem: Problem, tracking: boolean): BackendChoice | undefined {
  return choice === 'auto' && wasmRunBytes(problem, tracking) > WASM_MAX_BYTES / 2 ? 'js' : choice;
}
