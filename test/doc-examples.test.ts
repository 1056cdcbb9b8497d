/**
 * The `@example`s of the main entry points (compile a file: `compileSgd`; run one from
 * TypeScript: `runCli`; write a solver plugin: `defaultRegistry`) are compiled and run as written
 * in their TSDoc, so the API reference cannot show code that no longer works.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** The ```ts blocks of the `@example` tags of a source file, with the TSDoc stars removed. */
function examples(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/@example[^\n]*\n((?:\s*\*[^\n]*\n)*?)\s*\*\/\n/g)].flatMap((m) => {
    const body = m[1].replace(/^\s*\* ?/gm, '');
    return [...body.matchAll(/```ts\n([^]*?)```/g)].map((b) => b[1]);
  });
}

/** Runs a block as a module in test/ (so the workspace packages resolve) and returns what it logged. */
async function run(code: string, name: string): Promise<unknown[][]> {
  const dir = join(ROOT, 'test/.examples');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.ts`);
  writeFileSync(path, code);
  const logged: unknown[][] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
  try {
    await import(/* @vite-ignore */ `${path}?t=${Date.now()}`);
  } finally {
    spy.mockRestore();
  }
  return logged;
}

describe('@example blocks of the main entry points', () => {
  it('compileSgd: compiles a file and differentiates it', async () => {
    const [code] = examples('packages/dsl/src/index.ts');
    expect(await run(code, 'compile')).toEqual([[1]]);
  });

  it('runCli: runs a file from TypeScript and reads result.json', async () => {
    const [code] = examples('packages/cli/src/main.ts');
    const [[exitCode, distance]] = (await run(code, 'run')) as [[number, number]];
    expect(exitCode).toBe(0);
    expect(distance).toBeGreaterThan(0);
    expect(distance).toBeLessThan(10);
  });

  it('defaultRegistry: a solver plugin written in TypeScript is registered', async () => {
    const [code] = examples('packages/plugins/src/module.ts');
    expect(await run(code, 'plugin')).toEqual([[true]]);
  });
});
