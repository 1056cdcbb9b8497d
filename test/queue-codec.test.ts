/**
 * What crosses the queue comes back with the same bits (`queue/codec.ts`): typed arrays byte for
 * byte (NaN payloads, −0, subnormals included), the numbers JSON cannot hold, undefined, maps;
 * and the `--queue` URL and `--max-payload` size parsers against hand-written expectations.
 */
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../packages/cli/src/queue/codec.ts';
import { parseByteSize } from '../packages/cli/src/queue/flags.ts';
import { parseQueueUrl } from '../packages/cli/src/queue/url.ts';

/** The bytes of a typed array. */
const bytes = (a: ArrayBufferView): number[] => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

describe('the queue codec', () => {
  it('gives back the same bits', () => {
    const weird = new Float64Array([NaN, -0, 0, Infinity, -Infinity, Number.MIN_VALUE, 5e-324 * 3, 0.1 + 0.2, -1.7976931348623157e308]);
    // A NaN with a payload other than the canonical one: its bytes must survive too.
    new DataView(weird.buffer).setUint32(4, 0x7ff80001, true);
    const value = {
      x: weird,
      idx: new Int32Array([-1, 2 ** 31 - 1]),
      numbers: [NaN, -0, Infinity, -Infinity, 1 / 3, undefined],
      nested: { k: [0, 1], divergence: undefined },
      map: new Map([['implicit', new Float64Array([1.5])]]),
    };
    const back = decode<typeof value>(encode(value));
    expect(back.x).toBeInstanceOf(Float64Array);
    expect(bytes(back.x)).toEqual(bytes(weird));
    expect(back.idx).toBeInstanceOf(Int32Array);
    expect([...back.idx]).toEqual([-1, 2 ** 31 - 1]);
    expect(back.numbers.map((v) => (v === undefined ? 'undefined' : Object.is(v, -0) ? '-0' : String(v)))).toEqual(['NaN', '-0', 'Infinity', '-Infinity', String(1 / 3), 'undefined']);
    expect('divergence' in back.nested && back.nested.divergence === undefined).toBe(true);
    expect(back.map.get('implicit')?.[0]).toBe(1.5);
  });

  it('refuses what it cannot send', () => {
    expect(() => encode({ a: new BigInt64Array(1) })).toThrow(/cannot send a BigInt64Array over the queue/);
  });
});

describe('--queue and --max-payload values', () => {
  it('parses URLs, with defaults, a password (masked when shown), TLS and a database', () => {
    expect(parseQueueUrl('redis://127.0.0.1')).toEqual({ host: '127.0.0.1', port: 6379, db: 0, tls: false, shown: 'redis://127.0.0.1' });
    expect(parseQueueUrl('rediss://user:p%40ss@queue.example:6380/3')).toEqual({
      host: 'queue.example',
      port: 6380,
      db: 3,
      tls: true,
      username: 'user',
      password: 'p@ss',
      shown: 'rediss://user:***@queue.example:6380/3',
    });
    expect(parseQueueUrl('redis://[::1]:7000').host).toBe('::1');
    expect(() => parseQueueUrl('redis://h:6379/16')).toThrow(/the database 16 is out of Redis's default range 0\.\.15/);
    expect(() => parseQueueUrl('redis://h:6379?x=1')).toThrow(/a query or fragment is not understood/);
  });

  it('parses sizes in bytes, K, M and G (binary units)', () => {
    expect([parseByteSize('900'), parseByteSize('512K'), parseByteSize('64M'), parseByteSize('1g')]).toEqual([900, 512 * 1024, 64 * 1024 * 1024, 1024 ** 3]);
    for (const bad of ['0', '-1', '1.5M', '64MB', '']) expect(() => parseByteSize(bad), bad).toThrow(/expected a size in bytes/);
  });
});
