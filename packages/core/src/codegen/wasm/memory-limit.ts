/** WebAssembly's memory limit, checked before anything is allocated. */

/**
 * Bytes a 32-bit WebAssembly memory can hold: 65 536 pages of 64 KiB (4 GiB).
 * @category Code generation
 */
export const WASM_MAX_BYTES = 65536 * 65536;

/**
 * A run or a kernel that would need more WebAssembly memory than the limit.
 * @category Code generation
 */
export class WasmMemoryLimitError extends Error {
  /**
   * @param bytes - the bytes that would be needed
   * @param what - what needs them, for the message
   */
  constructor(
    readonly bytes: number,
    what: string,
  ) {
    super(
      `${what} needs ${formatBytes(bytes)} (${bytes} bytes) of WebAssembly memory, over WebAssembly's limit of ${formatBytes(WASM_MAX_BYTES)}; use --backend js (or backend = "js" in the solve block)`,
    );
    this.name = 'WasmMemoryLimitError';
  }
}

/**
 * Throws a {@link WasmMemoryLimitError} when `bytes` exceed {@link WASM_MAX_BYTES}.
 * @category Code generation
 */
export function checkWasmMemory(bytes: number, what: string): void {
  if (bytes > WASM_MAX_BYTES) throw new WasmMemoryLimitError(bytes, what);
}

function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}
