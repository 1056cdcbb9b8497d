/**
 * The probe's files that made the front end quadratic: 100,000 consts, 100,000 duplicate
 * `dim`s, thousands of lines with an unknown name, and a long chain of indexing. Each now compiles in time linear in the
 * file (about 4 s of CPU for 100,000 lines; the probe's inputs ran past 60 s). Wall time is not
 * compared between sizes (the machine is shared); the sizes are chosen so the quadratic
 * versions would run for minutes, far past the timeout: 25,000 consts took 25 s and 4,000
 * unknown names 30 s before, each growing with the square of the count.
 */
import { describe, expect, it } from 'vitest';
import { compileSgd } from '@sgdiff/dsl';
import { defaultRegistry } from '@sgdiff/plugins';
import { checkEnvironment } from '../packages/cli/src/load.ts';

const env = checkEnvironment(defaultRegistry());
const TAIL = 'var x : R = 0\nminimize f(x) = x^2\nsolve gd { iterations = 3 }\n';
const TIMEOUT = 90_000;

function lines(count: number, line: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => `${line(i)}\n`).join('');
}

describe('front end at scale', () => {
  it(
    'x[0] indexed 20,000 times is converted in one pass and refused as too deep (a filter per bracket made it 4·10⁸ steps)',
    () => {
      const { diagnostics } = compileSgd(`var x : R[3] = 1\nminimize f(x) = x${'[0]'.repeat(20_000)}\n`, 'p.sgd', env);
      expect(diagnostics.map((d) => d.code)).toEqual(['expression-too-deep']);
    },
    TIMEOUT,
  );

  it(
    '100,000 consts compile to a problem with every one of them',
    () => {
      const { problem, diagnostics } = compileSgd(lines(100_000, (i) => `const c${i} = ${i}`) + TAIL, 'p.sgd', env);
      expect(diagnostics).toEqual([]);
      expect(problem?.consts).toHaveLength(100_000);
      expect(problem?.consts[99_999]).toEqual({ name: 'c99999', value: 99_999 });
    },
    TIMEOUT,
  );

  it(
    '100,000 duplicate dims: 99,999 duplicate-declaration errors, each naming line 1',
    () => {
      const { diagnostics } = compileSgd(lines(100_000, (i) => `dim n = ${i + 1}`) + TAIL, 'p.sgd', env);
      expect(diagnostics).toHaveLength(99_999);
      expect(diagnostics.every((d) => d.code === 'duplicate-declaration' && d.message === "'n' is already declared on line 1")).toBe(true);
    },
    TIMEOUT,
  );

  it(
    '20,000 unknown names among 20,000 declarations: every one reported, the first ones with a hint',
    () => {
      // `yy{i}` is one edit from the declared `y{i}`: a hint when the budget allows.
      const { diagnostics } = compileSgd(lines(20_000, (i) => `var y${i} : R = yy${i}`), 'p.sgd', env);
      const unknown = diagnostics.filter((d) => d.code === 'unknown-name');
      expect(unknown).toHaveLength(20_000);
      expect(unknown[0].message).toBe("unknown name 'yy0' (did you mean 'y0'?)");
      // The hints share a budget of comparisons: past it, the message is the bare one.
      expect(unknown[unknown.length - 1].message).toBe("unknown name 'yy19999'");
    },
    TIMEOUT,
  );
});
