/**
 * Binaryen, loaded when a process first needs the WebAssembly backend: its module is 15 MB of
 * JavaScript that takes about half a second to load, which every `sgd` would otherwise pay at
 * startup, also on the JavaScript backend. A run on WebAssembly awaits {@link loadBinaryen}
 * (`prepareKernelBackend` does) before it compiles kernels; the emitter reads Binaryen through
 * {@link binaryen}, which names the missing step instead of failing inside the emitter.
 */
import type Binaryen from 'binaryen';

let api: typeof Binaryen | undefined;

/**
 * Loads Binaryen once per process (later calls resolve at once).
 * @category Code generation
 */
export async function loadBinaryen(): Promise<void> {
  api ??= (await import('binaryen')).default;
}

/** Whether {@link loadBinaryen} has resolved. */
export function binaryenLoaded(): boolean {
  return api !== undefined;
}

/** Binaryen's API as the emitter uses it: each property read forwards to the loaded module. */
export const binaryen = new Proxy({} as typeof Binaryen, {
  get(_target, key) {
    if (!api) throw new Error('internal error: a WebAssembly kernel was compiled before loadBinaryen() resolved (await prepareKernelBackend or loadBinaryen first)');
    return Reflect.get(api, key) as unknown;
  },
});
