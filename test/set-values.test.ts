/**
 * `--set KEY=VALUE` takes one value, as the language's parser reads it: a number, an
 * identifier or one expression (a list only for a solve option). The probe's flags that pasted
 * a second option, a report line or a declaration into the file are refused, naming the flag;
 * what replaces the written value is printed from the parsed tokens, so nothing else of the
 * file changes.
 */
import { describe, expect, it } from 'vitest';
import { parseSettingValue } from '@sgdiff/dsl';
import { applyOverrides, parseOverride } from '../packages/cli/src/run/overrides.ts';
import { sgd, sgdFile } from './support/cli.ts';

const FILE = sgdFile(
  `const c = 1
dim n = 3
var x : R[n] = 0
minimize f(x) = norm2(x - c)
solve gd { iterations = 10 track = forward step = 0.1 }
`,
  'sgd-set-values-',
);

describe('--set values', () => {
  it.each([
    ['solve.iterations=3 track = forward', "'3' is a complete value, followed by 'track = forward'"],
    ['solve.step=1 / L } report { step', "'1 / L' is a complete value, followed by '} report { step'"],
    ['const.c=2 dim m = 7', "'2' is a complete value, followed by 'dim m = 7'"],
    ['const.c=2, 3', "'2' is a complete value, followed by ', 3'"],
    ['const.c=(1 + 2', "'( 1 + 2' is incomplete"],
    ['dim.n=$', "unexpected character '$'"],
    ['param.theta=1 2', "'1' is a complete value, followed by '2'"],
  ])('refuses %s before any work, naming the flag', async (flag, reason) => {
    const { code, out, err } = await sgd('run', FILE, '--set', flag);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`--set ${flag}: error: expected one value (a number, an identifier or one expression`);
    expect(err).toContain(reason);
  });

  it('a comment or a line break in a value cannot reach the file: only the value changes', () => {
    const source = 'var x : R = 0\nminimize f(x) = x^2\nsolve gd { iterations = 10 track = forward }\n';
    for (const flag of ['solve.iterations=3 # track = none }', 'solve.iterations=3\n']) {
      const edited = applyOverrides(source, 'p.sgd', [parseOverride(flag.replace('\n', ' '))]).source;
      expect(edited).toBe(source.replace('iterations = 10', 'iterations = 3'));
    }
  });

  it('keeps the accepted forms: expressions, enum identifiers, lists, dims, params, new options', async () => {
    const overrides = ['const.c=3*2', 'dim.n=5', 'solve.step=3/L', 'solve.track=none', 'solve.estimator=analytic,implicit', 'param.p=-0.5', 'solve.iterations=7'].map(parseOverride);
    expect(overrides.map((o) => o.value)).toEqual(['3 * 2', '5', '3 / L', 'none', 'analytic, implicit', '- 0.5', '7']);
    const source = 'const c = 1\ndim n = 3\nparam p : R ~ normal(0, 1)\nsolve gd { iterations = 10 step = 0.1 track = forward estimator = analytic }\n';
    const edited = applyOverrides(source, 'p.sgd', overrides).source;
    expect(edited).toBe('const c = 3 * 2\ndim n = 5\nparam p : R = - 0.5\nsolve gd { iterations = 7 step = 3 / L track = none estimator = analytic, implicit }\n');
    const { code, out } = await sgd('run', FILE, '--set', 'const.c=3 * 2', '--set', 'solve.iterations=3', '--set', 'solve.step=1 / L');
    expect(code).toBe(0);
    // The rest of the solve line is untouched: tracking stays on.
    expect(out).toContain('gd, 3 iterations, track = forward');
  });

  it('a value nested beyond the parser’s limit is refused, not a stack overflow', () => {
    const deep = `${'('.repeat(20_000)}1${')'.repeat(20_000)}`;
    const parsed = parseSettingValue(deep, false);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(/nested too deeply \(limit \d+/);
    expect(() => parseOverride(`const.c=${deep}`)).toThrow(/--set const\.c=.*: error: expected one value .*nested too deeply/s);
  });
});
