/**
 * Files that are not `.sgd` text get one clean line each (binary content, a directory, a missing
 * file), and a file with very many errors lists the first 50 then how many more.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LISTED_DIAGNOSTICS, runCli } from '@sgdiff/cli';

const dir = mkdtempSync(join(tmpdir(), 'sgd-bad-files-'));

async function check(path: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['check', path], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('files that are not .sgd text', () => {
  it('a binary file (a NUL byte) is one line with its position', async () => {
    const path = join(dir, 'binary');
    writeFileSync(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x41, 0x00, 0x01]));
    const r = await check(path);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${path}:2:2: error: not a text file (a NUL byte); a .sgd file is UTF-8 text`);
  });

  it('invalid UTF-8 is one line naming the first bad byte', async () => {
    const path = join(dir, 'latin1.sgd');
    writeFileSync(path, Buffer.concat([Buffer.from('dim n = 3\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const r = await check(path);
    expect(r.err).toBe(`${path}:2:6: error: not a text file (byte 0xe9, which is not UTF-8); a .sgd file is UTF-8 text`);
  });

  it('valid multi-byte UTF-8 (comments in Greek) is text', async () => {
    const path = join(dir, 'greek.sgd');
    writeFileSync(path, '# θ and ∂θx\ndim n = 3\nvar x : R[n] = 0\nminimize f(x) = norm2(x)\n');
    expect((await check(path)).code).toBe(0);
  });

  it('a directory and a missing file are one line each, without Node’s error text', async () => {
    expect((await check(dir)).err).toBe(`${dir}: error: cannot read file: it is a directory, not a .sgd file`);
    const missing = join(dir, 'missing.sgd');
    expect((await check(missing)).err).toBe(`${missing}: error: cannot read file: no such file`);
  });
});

describe('a file with very many errors', () => {
  it(`lists the first ${MAX_LISTED_DIAGNOSTICS} in file order, then the count of the rest`, async () => {
    const path = join(dir, 'many.sgd');
    writeFileSync(path, Array.from({ length: 80 }, (_, k) => `dim a${k} = unknown${k}`).join('\n') + '\n');
    const r = await check(path);
    const listed = r.err.split('\n').filter((line) => line.startsWith(`${path}:`) && line.includes(': error: '));
    expect(listed).toHaveLength(MAX_LISTED_DIAGNOSTICS);
    // In file order: the missing objective (at 1:1) first, then one unknown name per line.
    expect(listed[0]).toBe(`${path}:1:1: error: the file has no objective: add 'minimize f(x; i) = ...'`);
    expect(listed[1]).toMatch(new RegExp(`^${path}:1:\\d+: error: unknown name 'unknown0'`));
    expect(listed[49]).toMatch(new RegExp(`^${path}:49:\\d+: error: unknown name 'unknown48'`));
    expect(r.err).toMatch(/: and \d+ more \(\d+ diagnostics, \d+ errors\); fix the first ones and check again$/);
    const more = Number(/and (\d+) more \((\d+) diagnostics/.exec(r.err)![1]);
    const total = Number(/and \d+ more \((\d+) diagnostics/.exec(r.err)![1]);
    expect(more).toBe(total - MAX_LISTED_DIAGNOSTICS);
    expect(total).toBeGreaterThanOrEqual(80);
  });
});
