/**
 * JSON for what crosses the queue (a job's spec, a run's results) that gives back the same bits:
 * typed arrays travel as their bytes in base64, and the numbers JSON cannot hold (NaN, ±∞, −0)
 * as tagged strings. Every other number round-trips exactly through JSON's shortest form.
 */

/** The typed arrays a result or a reference may hold, by constructor name. */
const TYPED = { Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray } as const;
type TypedName = keyof typeof TYPED;

/** The JSON-safe form of `value`. */
function pack(value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { $n: 'NaN' };
    if (value === Infinity) return { $n: 'Infinity' };
    if (value === -Infinity) return { $n: '-Infinity' };
    if (Object.is(value, -0)) return { $n: '-0' };
    return value;
  }
  if (value === undefined) return { $u: 1 };
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    if (!(name in TYPED)) throw new Error(`cannot send a ${name} over the queue`);
    return { $t: name, b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(pack);
  if (value instanceof Map) return { $m: [...value].map(([k, v]) => [pack(k), pack(v)]) };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pack(v)]));
}

/** The value `pack` made `packed` from. */
function unpack(packed: unknown): unknown {
  if (packed === null || typeof packed !== 'object') return packed;
  if (Array.isArray(packed)) return packed.map(unpack);
  const tagged = packed as Record<string, unknown>;
  if (typeof tagged.$n === 'string') return Number(tagged.$n);
  if (tagged.$u === 1) return undefined;
  if (typeof tagged.$t === 'string' && typeof tagged.b === 'string') {
    const bytes = Buffer.from(tagged.b, 'base64');
    const Typed = TYPED[tagged.$t as TypedName];
    // Copied into a fresh buffer: Buffer.from may return a slice of a shared pool, not aligned.
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    return new Typed(copy);
  }
  if (Array.isArray(tagged.$m)) return new Map((tagged.$m as Array<[unknown, unknown]>).map(([k, v]) => [unpack(k), unpack(v)]));
  return Object.fromEntries(Object.entries(tagged).map(([k, v]) => [k, unpack(v)]));
}

/** `value` as JSON text that {@link decode} turns back into the same bits. */
export function encode(value: unknown): string {
  return JSON.stringify(pack(value));
}

/** The value {@link encode} wrote. */
export function decode<T>(text: string): T {
  return unpack(JSON.parse(text)) as T;
}
