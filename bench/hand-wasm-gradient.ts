/**
 * The per-sample least-squares gradient ∇ₓf(x, θ; i) = A[i] (A[i]·x − θ[i]) written by hand in
 * WebAssembly with f64x2 SIMD (built with Binaryen's JS API, like `hand-wasm.ts`): A, θ, x and
 * the output live in the module's memory; a gradient is one call with the sample index. The dot
 * product adds in two lanes (even and odd entries), like the framework's WebAssembly backend.
 */
import binaryen from 'binaryen';

/** The hand-written module, instantiated, with views on its arrays. */
export interface HandWasmGradient {
  /** Writes the gradient of sample `i` into `out`. */
  gradient(i: number): void;
  /** The point x (a view on the module's memory). */
  readonly x: Float64Array;
  /** The gradient last written (a view on the module's memory). */
  readonly out: Float64Array;
}

const I32 = binaryen.i32;
const V128 = binaryen.v128;

/** Builds the module for n samples and d unknowns, and copies A, θ and x in. */
export function handWasmGradient(A: Float64Array, theta: Float64Array, x: Float64Array, n: number, d: number): HandWasmGradient {
  if (d % 2 !== 0) throw new Error('the hand WebAssembly gradient needs an even d');
  const aAt = 0;
  const thAt = aAt + n * d * 8;
  const xAt = thAt + n * 8;
  const outAt = xAt + d * 8;
  const bytes = outAt + d * 8;
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
  m.setMemory(Math.ceil(bytes / 65536), 65536, 'memory');
  // locals: 0 i (param), 1 row (byte address of A[i]), 2 j (byte offset), 3 acc v128, 4 r splatted v128
  const get = (k: number, t: number): number => m.local.get(k, t);
  const set = (k: number, v: number): number => m.local.set(k, v);
  const row = (): number => m.i32.add(get(1, I32), get(2, I32));
  const loop = (label: string, body: number): number =>
    m.block(null, [
      set(2, m.i32.const(0)),
      m.loop(label, m.block(null, [body, set(2, m.i32.add(get(2, I32), m.i32.const(16))), m.br(label, m.i32.lt_u(get(2, I32), m.i32.const(d * 8)))])),
    ]);
  const body = m.block(null, [
    set(1, m.i32.add(m.i32.const(aAt), m.i32.mul(get(0, I32), m.i32.const(d * 8)))),
    set(3, m.f64x2.splat(m.f64.const(0))),
    loop('dot', set(3, m.f64x2.add(get(3, V128), m.f64x2.mul(m.v128.load(0, 8, row()), m.v128.load(xAt, 8, get(2, I32)))))),
    set(
      4,
      m.f64x2.splat(m.f64.sub(m.f64.add(m.f64x2.extract_lane(get(3, V128), 0), m.f64x2.extract_lane(get(3, V128), 1)), m.f64.load(thAt, 8, m.i32.shl(get(0, I32), m.i32.const(3))))),
    ),
    loop('scale', m.v128.store(outAt, 8, get(2, I32), m.f64x2.mul(m.v128.load(0, 8, row()), get(4, V128)))),
  ]);
  m.addFunction('gradient', binaryen.createType([I32]), binaryen.none, [I32, I32, V128, V128], body);
  m.addFunctionExport('gradient', 'gradient');
  if (!m.validate()) throw new Error('hand WebAssembly gradient module is invalid');
  m.optimize();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(m.emitBinary()));
  m.dispose();
  const memory = instance.exports['memory'] as WebAssembly.Memory;
  const f64 = new Float64Array(memory.buffer);
  f64.set(A, aAt / 8);
  f64.set(theta, thAt / 8);
  f64.set(x, xAt / 8);
  const gradient = instance.exports['gradient'] as (i: number) => void;
  return { gradient, x: new Float64Array(memory.buffer, xAt, d), out: new Float64Array(memory.buffer, outAt, d) };
}
