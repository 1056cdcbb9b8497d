/**
 * The limits of loading a `.sgd` file, on every command that loads one: its size, checked
 * before it is read (`--max-file-size`, default 8 MiB), and the diagnostics listed before the
 * rest are counted (`--max-errors`, default 50).
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FILE_SIZE } from '../packages/cli/src/source-limits.ts';
import { sgd, sgdFile } from './support/cli.ts';

const SMALL = 'var x : R = 0\nminimize f(x) = x^2\nsolve gd { iterations = 3 }\n';

describe('--max-file-size', () => {
  it('refuses a file over the limit before reading it, with its size and the flag; a higher limit reads it', async () => {
    const path = sgdFile(SMALL, 'sgd-source-limits-');
    // 62 bytes (14 + 20 + 28): over a 32-byte limit.
    for (const command of ['check', 'derive', 'run']) {
      const r = await sgd(command, path, '--max-file-size', '32');
      expect(r.code).toBe(1);
      expect(r.err).toBe(`${path}: error: the file is 62 bytes, over the limit of 32 bytes for a .sgd file; raise it with --max-file-size 1MiB`);
    }
    expect((await sgd('check', path, '--max-file-size', '1KiB')).code).toBe(0);
  });

  it('the default is 8 MiB: a 9 MiB file of comments is refused before the parser sees it', async () => {
    expect(DEFAULT_MAX_FILE_SIZE).toBe(8 * 2 ** 20);
    const path = sgdFile(SMALL, 'sgd-source-limits-');
    writeFileSync(path, SMALL + `# ${'x'.repeat(1021)}\n`.repeat(9 * 1024));
    const started = performance.now();
    const r = await sgd('check', path);
    expect(r.err).toBe(`${path}: error: the file is 9.00 MiB, over the limit of 8.00 MiB for a .sgd file; raise it with --max-file-size 16MiB`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await sgd('check', path, '--max-file-size', '16MiB')).code).toBe(0);
  });
});

describe('--max-errors', () => {
  it('lists that many diagnostics in file order, then the count of the rest', async () => {
    const path = sgdFile(SMALL + Array.from({ length: 30 }, (_, k) => `dim a${k} = unknown${k}`).join('\n') + '\n', 'sgd-source-limits-');
    const listedBy = (err: string): string[] => err.split('\n').filter((line) => line.startsWith(`${path}:`) && line.includes(': error: '));
    const capped = await sgd('check', path, '--max-errors', '5');
    expect(listedBy(capped.err)).toHaveLength(5);
    expect(listedBy(capped.err)[4]).toMatch(new RegExp(`^${path}:8:\\d+: error: unknown name 'unknown4'`));
    expect(capped.err).toMatch(/: and 25 more \(30 diagnostics, 30 errors\); fix the first ones and check again$/);
    // The default, 50, lists all 30.
    expect(listedBy((await sgd('check', path)).err)).toHaveLength(30);
    expect((await sgd('check', path, '--max-errors', '0')).err).toContain("option '--max-errors <n>' argument '0' is invalid");
  });
});
