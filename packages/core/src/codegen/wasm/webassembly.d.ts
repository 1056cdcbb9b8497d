/**
 * The part of the WebAssembly JavaScript API the WebAssembly backend uses. Node has it globally,
 * but `@types/node` only declares it with the DOM library, which this project does not load.
 */
declare namespace WebAssembly {
  /** A compiled module. */
  class Module {
    constructor(bytes: Uint8Array);
  }
  /** An instantiated module. */
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  /** A linear memory. */
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  /** Whether `bytes` are a valid module for this runtime. */
  function validate(bytes: Uint8Array): boolean;
}
