/**
 * Which elementwise functions a kernel module computes with its own WebAssembly version
 * (`math.ts`) rather than by calling the function's JavaScript `evaluate`. A function qualifies
 * by name and by agreeing with its `evaluate` at a few probe points, so a plugin that registers
 * a different function under a built-in's name still gets its own `evaluate`.
 */
import { binaryen } from './binaryen-module.ts';
import type { ElementwiseFunction } from '../../ir/functions.ts';
import { wasmFeatures, WASM_MATH_FUNCTIONS, WASM_MATH_MODULE } from './math.ts';

/** Arguments where a function and its WebAssembly namesake must agree (inside every built-in's domain). */
const PROBES = [0.3, 0.9, 1.7, 4.2, 11.5];
/** Agreement asked at the probes: the WebAssembly versions are within a few ulps of `Math`. */
const PROBE_TOLERANCE = 1e-13;

let compiled: WebAssembly.Module | null = null;
let standalone: Readonly<Record<string, (z: number) => number>> | null = null;

/**
 * The math module compiled once per process, every function exported (a forward-tracking thread instantiates it too).
 * @category Code generation
 */
export function wasmMathModule(): WebAssembly.Module {
  if (!compiled) {
    const module = binaryen.parseText(WASM_MATH_MODULE);
    try {
      module.setFeatures(wasmFeatures());
      for (const name of WASM_MATH_FUNCTIONS) module.addFunctionExport(name, name);
      module.optimize();
      compiled = new WebAssembly.Module(module.emitBinary());
    } finally {
      module.dispose();
    }
  }
  return compiled;
}

/**
 * The math module, instantiated once with every function exported: kernels import from it (module `math`), probes and accuracy tests call it.
 * @category Code generation
 */
export function wasmMathFunctions(): Readonly<Record<string, (z: number) => number>> {
  standalone ??= new WebAssembly.Instance(wasmMathModule()).exports as unknown as Record<string, (z: number) => number>;
  return standalone;
}

/** The module's function computing `f`, or `null` when `f` must be imported from JavaScript. */
export function nativeFunctionName(f: ElementwiseFunction): string | null {
  if (!WASM_MATH_FUNCTIONS.includes(f.name)) return null;
  const native = wasmMathFunctions()[f.name]!;
  const agrees = PROBES.every((z) => {
    const want = f.evaluate(z);
    return Math.abs(native(z) - want) <= PROBE_TOLERANCE * Math.abs(want);
  });
  return agrees ? f.name : null;
}
