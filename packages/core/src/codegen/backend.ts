/**
 * Kernel backends: JavaScript (`emit-js.ts`) or WebAssembly with SIMD (`wasm/`), the choice
 * between them when none is asked for, and the run's one WebAssembly memory.
 */
import { loadBinaryen } from './wasm/binaryen-module.ts';
import { KernelMemory } from './wasm/kernel-memory.ts';

/**
 * A code generator for kernels.
 * @category Code generation
 */
export type Backend = 'js' | 'wasm';

/**
 * Every backend, as `--backend` and the solve block's `backend` option spell them.
 * @category Code generation
 */
export const BACKENDS: readonly Backend[] = ['js', 'wasm'];

/**
 * A backend as a run asks for it: one of {@link BACKENDS}, or `auto` (WebAssembly where the runtime has SIMD, else JavaScript).
 * @category Code generation
 */
export type BackendChoice = Backend | 'auto';

/** `(module (func (result v128) (v128.const i32x4 0 0 0 0)))`: valid only where the runtime has 128-bit SIMD. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd,
  0x0c, ...new Array<number>(16).fill(0), 0x0b,
]);

/**
 * Whether this runtime runs WebAssembly with 128-bit SIMD.
 * @category Code generation
 */
export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/**
 * The backend `compileKernel` uses when neither its options nor {@link setKernelBackend} name one:
 * JavaScript. A library caller compiling a kernel on its own stays there, because `compileKernel`
 * is synchronous while WebAssembly needs Binaryen loaded first (`prepareKernelBackend`, half a
 * second), and because a WebAssembly kernel outside a run owns a memory and copies every argument
 * into it per call, which for one kernel called with ordinary arrays costs more than it saves.
 * Runs choose with {@link DEFAULT_RUN_BACKEND}.
 * @category Code generation
 */
export const DEFAULT_BACKEND: Backend = 'js';

/**
 * The backend a run asks for when the solve block and `--backend` name none (the solve option
 * `backend`, `sgd derive --eval`): `auto`, WebAssembly where the runtime has SIMD, else JavaScript.
 * @category Code generation
 */
export const DEFAULT_RUN_BACKEND: BackendChoice = 'auto';

let processBackend: Backend | undefined;
let warned = false;
let runMemory: KernelMemory | undefined;

/**
 * Sets the backend of every kernel this process compiles without an explicit `backend` option:
 * a run (`sgd run`, `sgd derive --eval`, a worker rebuilding a session) compiles all its kernels
 * for one backend. `auto` is WebAssembly where the runtime has SIMD, JavaScript elsewhere, without
 * a message; `undefined` restores {@link DEFAULT_BACKEND}. The previous run ends (its
 * forward-tracking threads stop). Returns the backend chosen.
 * @category Code generation
 */
export function setKernelBackend(choice: BackendChoice | undefined, simd: () => boolean = wasmSimdSupported): Backend {
  processBackend = choice === 'auto' ? (simd() ? 'wasm' : 'js') : choice;
  runMemory?.end();
  runMemory = undefined;
  return processBackend ?? DEFAULT_BACKEND;
}

/**
 * The memory of the run {@link setKernelBackend} started, when that run is on WebAssembly (made
 * on first use): its kernels, stepper and trackers share it. `undefined` on JavaScript, and for
 * kernels compiled outside a run (each then owns a memory).
 * @category Code generation
 */
export function runKernelMemory(): KernelMemory | undefined {
  if (processBackend !== 'wasm') return undefined;
  runMemory ??= new KernelMemory();
  return runMemory;
}

/**
 * The backend a kernel is compiled with: `requested`, or the one {@link setKernelBackend} set, or
 * {@link DEFAULT_BACKEND}; except that
 * WebAssembly falls back to JavaScript, with one line on stderr per process, where the runtime
 * lacks SIMD.
 * @category Code generation
 */
export function resolveBackend(requested: Backend | undefined, simd: () => boolean = wasmSimdSupported): Backend {
  const wanted = requested ?? processBackend ?? DEFAULT_BACKEND;
  if (wanted === 'js' || simd()) return wanted;
  if (!warned) {
    process.stderr.write('sgd: this runtime has no WebAssembly SIMD; kernels run on the JavaScript backend\n');
    warned = true;
  }
  return 'js';
}

/**
 * Loads what a run on `choice` needs before its kernels are compiled: Binaryen when `choice`
 * resolves to WebAssembly (`auto` where the runtime has SIMD). Binaryen is not loaded at startup
 * (half a second), so a caller about to compile WebAssembly kernels awaits this first; a choice
 * of `undefined` stands for {@link DEFAULT_BACKEND}.
 * @category Code generation
 */
export async function prepareKernelBackend(choice: BackendChoice | undefined, simd: () => boolean = wasmSimdSupported): Promise<void> {
  const wanted = choice === 'auto' ? (simd() ? 'wasm' : 'js') : (choice ?? DEFAULT_BACKEND);
  if (wanted === 'wasm' && simd()) await loadBinaryen();
}
