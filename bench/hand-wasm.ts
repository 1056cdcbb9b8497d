/**
 * The SGD′ step of least squares written by hand in WebAssembly with f64x2 SIMD (built with
 * Binaryen's JS API), fused and in place, tangent-major: for sample i, with a = A[i],
 * J_p ← J_p − η a (a·J_p − δ_ip) for every column p, and x ← x − η a (a·x − θ_i). A, θ, x and J
 * live in the module's memory; a step is one call with the sample index. Dot products add in
 * two lanes (even and odd entries), like the framework's WebAssembly backend.
 */
import binaryen from 'binaryen';

/** The hand-written module, instantiated, with views on its arrays. */
export interface HandWasmSgdPrime {
  /** One step with sample `i`. */
  step(i: number): void;
  /** J, tangent-major (a view on the module's memory). */
  readonly J: Float64Array;
  /** The iterate (a view on the module's memory). */
  readonly x: Float64Array;
}

const F64 = binaryen.f64;
const I32 = binaryen.i32;
const V128 = binaryen.v128;

/** Builds the module for n samples and d unknowns with step `eta`, and copies A, θ, x₀ in (J₀ = 0). */
export function handWasmSgdPrime(A: Float64Array, theta: Float64Array, x0: Float64Array, n: number, d: number, eta: number): HandWasmSgdPrime {
  if (d % 2 !== 0) throw new Error('the hand WebAssembly loop needs an even d');
  const aAt = 0;
  const thAt = aAt + n * d * 8;
  const xAt = thAt + n * 8;
  const jAt = xAt + d * 8;
  const bytes = jAt + n * d * 8;
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
  m.setMemory(Math.ceil(bytes / 65536), 65536, 'memory');
  let labels = 0;
  // locals: 0 i (param), 1 row, 2 col, 3 j, 4 p, 5 acc v128, 6 r f64, 7 rv v128
  const get = (k: number, t: number): number => m.local.get(k, t);
  const set = (k: number, v: number): number => m.local.set(k, v);
  const dot = (vecAt: (j: number) => number, label = `dot${labels++}`): number[] => [
    set(5, m.f64x2.splat(m.f64.const(0))),
    set(3, m.i32.const(0)),
    m.loop(
      label,
      m.block(null, [
        set(5, m.f64x2.add(get(5, V128), m.f64x2.mul(m.v128.load(0, 8, m.i32.add(get(1, I32), get(3, I32))), m.v128.load(0, 8, vecAt(get(3, I32)))))),
        set(3, m.i32.add(get(3, I32), m.i32.const(16))),
        m.br(label, m.i32.lt_u(get(3, I32), m.i32.const(d * 8))),
      ]),
    ),
  ];
  const axpy = (vecAt: (j: number) => number, label = `axpy${labels++}`): number[] => [
    set(7, m.f64x2.splat(m.f64.mul(m.f64.const(eta), get(6, F64)))),
    set(3, m.i32.const(0)),
    m.loop(
      label,
      m.block(null, [
        m.v128.store(0, 8, vecAt(get(3, I32)), m.f64x2.sub(m.v128.load(0, 8, vecAt(get(3, I32))), m.f64x2.mul(m.v128.load(0, 8, m.i32.add(get(1, I32), get(3, I32))), get(7, V128)))),
        set(3, m.i32.add(get(3, I32), m.i32.const(16))),
        m.br(label, m.i32.lt_u(get(3, I32), m.i32.const(d * 8))),
      ]),
    ),
  ];
  const lanes = (): number => m.f64.add(m.f64x2.extract_lane(get(5, V128), 0), m.f64x2.extract_lane(get(5, V128), 1));
  const column = (j: number): number => m.i32.add(get(2, I32), j);
  const xEntry = (j: number): number => m.i32.add(m.i32.const(xAt), j);
  const body = m.block(null, [
    set(1, m.i32.add(m.i32.const(aAt), m.i32.mul(get(0, I32), m.i32.const(d * 8)))),
    set(2, m.i32.const(jAt)),
    set(4, m.i32.const(0)),
    m.loop(
      'columns',
      m.block(null, [
        ...dot(column),
        set(6, m.f64.sub(lanes(), m.select(m.i32.eq(get(4, I32), get(0, I32)), m.f64.const(1), m.f64.const(0)))),
        ...axpy(column),
        set(2, m.i32.add(get(2, I32), m.i32.const(d * 8))),
        set(4, m.i32.add(get(4, I32), m.i32.const(1))),
        m.br('columns', m.i32.lt_u(get(4, I32), m.i32.const(n))),
      ]),
    ),
    ...dot(xEntry),
    set(6, m.f64.sub(lanes(), m.f64.load(thAt, 8, m.i32.shl(get(0, I32), m.i32.const(3))))),
    ...axpy(xEntry),
  ]);
  m.addFunction('step', binaryen.createType([I32]), binaryen.none, [I32, I32, I32, I32, V128, F64, V128], body);
  m.addFunctionExport('step', 'step');
  if (!m.validate()) throw new Error('hand WebAssembly module is invalid');
  m.optimize();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(m.emitBinary()));
  m.dispose();
  const memory = instance.exports['memory'] as WebAssembly.Memory;
  const f64 = new Float64Array(memory.buffer);
  f64.set(A, aAt / 8);
  f64.set(theta, thAt / 8);
  f64.set(x0, xAt / 8);
  const step = instance.exports['step'] as (i: number) => void;
  return { step, J: new Float64Array(memory.buffer, jAt, n * d), x: new Float64Array(memory.buffer, xAt, d) };
}
