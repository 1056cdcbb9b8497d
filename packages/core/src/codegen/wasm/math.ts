/**
 * Elementwise functions written in WebAssembly, as WAT text compiled once per process
 * (`native-functions.ts`); kernel modules import them from that one instance. The text is built
 * only from the constants below: nothing from a `.sgd` file or a plugin enters it.
 *
 * Algorithms (accuracy against `Math`, measured by `math.test.ts`, is stated in
 * `docs/architecture.md` "Backends and memory layout"):
 * - `exp`: x = k·ln2 + r with |r| ≤ ln2/2 (ln2 split in a high part with 32 zero trailing bits and a
 *   low part, so k·ln2_hi is exact), e^r by its Taylor polynomial of degree 13 (truncation below
 *   2⁻⁶⁰), scaled by 2^k in two exact halves.
 * - `log`: x = m·2^e with m ∈ [√½, √2), f = m − 1 (exact), s = f/(2 + f), and
 *   log(1 + f) = f − (f²/2 − s·(f²/2 + R)) with R = Σ 2s^{2k}/(2k + 1), k ≤ 10 (fdlibm's arrangement).
 * - `log1p` and `expm1` by Kahan's corrections: log(u)·x/(u − 1) with u = 1 + x, and
 *   (u − 1)·x/log(u) with u = eˣ.
 * - `tanh` = e/(e + 2) with e = expm1(2|x|), sign restored; 1 beyond |x| > 22.
 * - `sigmoid`, `softplus`: the same overflow-free branches as the JavaScript built-ins.
 * - `sqrt` is the native instruction (correctly rounded). `pow` is imported from JavaScript.
 * @module
 */

import { binaryen } from './binaryen-module.ts';

/** The WebAssembly features kernels use: SIMD, `memory.fill`, and a shared memory (a run's `KernelMemory`). */
export function wasmFeatures(): number {
  return binaryen.Features.MVP | binaryen.Features.SIMD128 | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.Atomics;
}

/**
 * Elementwise functions this module defines, each a WebAssembly function `(f64) → f64` of that name.
 * @category Code generation
 */
export const WASM_MATH_FUNCTIONS: readonly string[] = ['exp', 'log', 'log1p', 'expm1', 'tanh', 'sigmoid', 'softplus', 'sqrt'];

const LN2_HI = '6.93147180369123816490e-01';
const LN2_LO = '1.90821492927058770002e-10';

/** `c0 + v·(c1 + v·(c2 + …))` in folded WAT, for the f64 local `v`. */
function horner(v: string, coefficients: readonly number[]): string {
  const [first, ...rest] = coefficients;
  const head = `(f64.const ${wat(first!)})`;
  if (rest.length === 0) return head;
  return `(f64.add ${head} (f64.mul (local.get ${v}) ${horner(v, rest)}))`;
}

/** A double as WAT writes it, exactly (hexadecimal float). */
function wat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & 0xfffffffffffffn).toString(16).padStart(13, '0');
  if (exponent === 0) return `${sign}0x0.${mantissa}p-1022`;
  return `${sign}0x1.${mantissa}p${exponent - 1023}`;
}

const factorials = (n: number): number[] => {
  const out = [1];
  for (let k = 1; k <= n; k++) out.push(out[k - 1]! / k);
  return out;
};

/** 1, 1, 1/2!, …, 1/13!: e^r on |r| ≤ ln2/2. */
const EXP_TAYLOR = factorials(13);
/** 2/3, 2/5, …, 2/21: R(z)/z for log. */
const LOG_SERIES = Array.from({ length: 10 }, (_, k) => 2 / (2 * k + 3));

const isNaN = (x: string): string => `(if (f64.ne (local.get ${x}) (local.get ${x})) (then (return (local.get ${x}))))`;
const scale = (n: string): string => `(f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add ${n} (i32.const 1023))) (i64.const 52)))`;

const EXP = `
 (func $exp (param $x f64) (result f64) (local $k f64) (local $r f64) (local $p f64) (local $n i32) (local $h i32)
  ${isNaN('$x')}
  (if (f64.gt (local.get $x) (f64.const ${wat(709.782712893384)})) (then (return (f64.const inf))))
  (if (f64.lt (local.get $x) (f64.const ${wat(-745.1332191019412)})) (then (return (f64.const 0))))
  (local.set $k (f64.nearest (f64.mul (local.get $x) (f64.const ${wat(Math.LOG2E)}))))
  (local.set $r (f64.sub (f64.sub (local.get $x) (f64.mul (local.get $k) (f64.const ${LN2_HI}))) (f64.mul (local.get $k) (f64.const ${LN2_LO}))))
  (local.set $p ${horner('$r', EXP_TAYLOR)})
  (local.set $n (i32.trunc_f64_s (local.get $k)))
  (local.set $h (i32.shr_s (local.get $n) (i32.const 1)))
  (f64.mul (f64.mul (local.get $p) ${scale('(local.get $h)')}) ${scale('(i32.sub (local.get $n) (local.get $h))')}))`;

const LOG = `
 (func $log (param $x f64) (result f64) (local $bits i64) (local $e i32) (local $m f64) (local $f f64) (local $s f64) (local $z f64) (local $hfsq f64) (local $r f64) (local $k f64)
  ${isNaN('$x')}
  (if (f64.lt (local.get $x) (f64.const 0)) (then (return (f64.const nan))))
  (if (f64.eq (local.get $x) (f64.const 0)) (then (return (f64.const -inf))))
  (if (f64.eq (local.get $x) (f64.const inf)) (then (return (local.get $x))))
  (if (f64.lt (local.get $x) (f64.const ${wat(2.2250738585072014e-308)}))
   (then (local.set $x (f64.mul (local.get $x) (f64.const ${wat(2 ** 54)}))) (local.set $e (i32.const -54))))
  (local.set $bits (i64.reinterpret_f64 (local.get $x)))
  (local.set $e (i32.add (local.get $e) (i32.sub (i32.wrap_i64 (i64.shr_u (local.get $bits) (i64.const 52))) (i32.const 1023))))
  (local.set $m (f64.reinterpret_i64 (i64.or (i64.and (local.get $bits) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
  (if (f64.gt (local.get $m) (f64.const ${wat(Math.SQRT2)}))
   (then (local.set $m (f64.mul (local.get $m) (f64.const 0.5))) (local.set $e (i32.add (local.get $e) (i32.const 1)))))
  (local.set $f (f64.sub (local.get $m) (f64.const 1)))
  (local.set $hfsq (f64.mul (f64.const 0.5) (f64.mul (local.get $f) (local.get $f))))
  (local.set $s (f64.div (local.get $f) (f64.add (f64.const 2) (local.get $f))))
  (local.set $z (f64.mul (local.get $s) (local.get $s)))
  (local.set $r (f64.mul (local.get $z) ${horner('$z', LOG_SERIES)}))
  (local.set $k (f64.convert_i32_s (local.get $e)))
  (f64.sub (f64.mul (local.get $k) (f64.const ${LN2_HI}))
   (f64.sub (f64.sub (local.get $hfsq) (f64.add (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r))) (f64.mul (local.get $k) (f64.const ${LN2_LO}))))
    (local.get $f))))`;

const LOG1P = `
 (func $log1p (param $x f64) (result f64) (local $u f64)
  ${isNaN('$x')}
  (if (f64.eq (local.get $x) (f64.const inf)) (then (return (local.get $x))))
  (local.set $u (f64.add (f64.const 1) (local.get $x)))
  (if (f64.eq (local.get $u) (f64.const 1)) (then (return (local.get $x))))
  (f64.mul (call $log (local.get $u)) (f64.div (local.get $x) (f64.sub (local.get $u) (f64.const 1)))))`;

const EXPM1 = `
 (func $expm1 (param $x f64) (result f64) (local $u f64) (local $d f64)
  ${isNaN('$x')}
  (if (f64.gt (local.get $x) (f64.const ${wat(709.782712893384)})) (then (return (f64.const inf))))
  (if (f64.lt (local.get $x) (f64.const -40)) (then (return (f64.const -1))))
  (local.set $u (call $exp (local.get $x)))
  (if (f64.eq (local.get $u) (f64.const 1)) (then (return (local.get $x))))
  (local.set $d (f64.sub (local.get $u) (f64.const 1)))
  (if (f64.eq (local.get $d) (f64.const -1)) (then (return (local.get $d))))
  (f64.mul (local.get $d) (f64.div (local.get $x) (call $log (local.get $u)))))`;

const TANH = `
 (func $tanh (param $x f64) (result f64) (local $a f64) (local $e f64)
  ${isNaN('$x')}
  (local.set $a (f64.abs (local.get $x)))
  (if (f64.gt (local.get $a) (f64.const 22)) (then (return (f64.copysign (f64.const 1) (local.get $x)))))
  (local.set $e (call $expm1 (f64.mul (f64.const 2) (local.get $a))))
  (f64.copysign (f64.div (local.get $e) (f64.add (local.get $e) (f64.const 2))) (local.get $x)))`;

const SIGMOID = `
 (func $sigmoid (param $x f64) (result f64) (local $e f64)
  (if (f64.ge (local.get $x) (f64.const 0))
   (then (return (f64.div (f64.const 1) (f64.add (f64.const 1) (call $exp (f64.neg (local.get $x))))))))
  (local.set $e (call $exp (local.get $x)))
  (f64.div (local.get $e) (f64.add (f64.const 1) (local.get $e))))`;

const SOFTPLUS = `
 (func $softplus (param $x f64) (result f64)
  (if (f64.gt (local.get $x) (f64.const 0))
   (then (return (f64.add (local.get $x) (call $log1p (call $exp (f64.neg (local.get $x))))))))
  (call $log1p (call $exp (local.get $x))))`;

const SQRT = `
 (func $sqrt (param $x f64) (result f64) (f64.sqrt (local.get $x)))`;

/** The WAT module of the functions above. */
export const WASM_MATH_MODULE = `(module
 ${[EXP, LOG, LOG1P, EXPM1, TANH, SIGMOID, SOFTPLUS, SQRT].join('\n')}
)`;
