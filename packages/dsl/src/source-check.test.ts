/** The checker on `from src(...)` initializers: argument validation and the source's own shape check. */
import { formatShape, type Shape } from '@sgdiff/core';
import { describe, expect, it } from 'vitest';
import { checkFile } from './checker.ts';
import type { SourceDescription } from './check/environment.ts';
import { parseSgd } from './index.ts';
import { TEST_ENVIRONMENT, brief } from './test-support.ts';

/** A fake source of 100 rows of 4 columns, or 100 labels. */
const TABLE: SourceDescription = {
  doc: 'A fake table.',
  args: [
    { name: 'split', type: 'string', values: ['train', 'test'], doc: 'Which rows.' },
    { name: 'scale', type: 'number', default: 1, doc: 'A factor.' },
    { name: 'skip', type: 'integer', default: 0, doc: 'Rows skipped.' },
    { name: 'tag', type: 'string', default: 'none', doc: 'Any string.' },
  ],
  check: (shape: Shape, args) => {
    const rows = 100 - Number(args.skip);
    if (shape.length === 0 || shape.length > 2 || (shape.length === 2 && shape[1] !== 4)) return `reads R[m, 4] or R[m]; got ${formatShape(shape)}`;
    return shape[0] > rows ? `split '${args.split}' has ${rows} rows; ${formatShape(shape)} asks for ${shape[0]}` : undefined;
  },
};

const ENV = { ...TEST_ENVIRONMENT, sources: new Map([['table', TABLE]]) };

function check(decl: string): { diagnostics: string[]; init: unknown } {
  const { ast, diagnostics } = parseSgd(`dim m = 10\n${decl}\nvar x : R = 0\nminimize f(x) = x^2`, 'test.sgd');
  if (!ast) return { diagnostics: diagnostics.map(brief), init: undefined };
  const result = checkFile(ast, ENV);
  return { diagnostics: result.diagnostics.map(brief), init: result.checked?.tensors[0]?.init };
}

describe('data source arguments', () => {
  it('accepts valid arguments and fills in the defaults', () => {
    const r = check('data A : R[m, 4] from table(split = "train", skip = m - 5)');
    expect(r.diagnostics).toEqual([]);
    expect(r.init).toEqual({ kind: 'source', source: 'table', args: { split: 'train', skip: 5, scale: 1, tag: 'none' } });
  });

  it('accepts any string for a string argument without allowed values', () => {
    expect(check('data A : R[m] from table(split = "test", tag = "anything")').diagnostics).toEqual([]);
  });

  it('reports an unknown argument with a suggestion and the list of arguments', () => {
    expect(check('data A : R[m] from table(split = "train", scael = 2)').diagnostics).toEqual([
      "2:43 invalid-source-argument: 'table' has no argument 'scael' (did you mean 'scale'?); its arguments: 'split', 'scale', 'skip', 'tag'",
    ]);
  });

  it('reports a value that is not allowed', () => {
    expect(check('data A : R[m] from table(split = "trian")').diagnostics).toEqual([
      `2:34 invalid-source-argument: argument 'split' of 'table' must be "train" or "test"; got "trian" (did you mean 'train'?)`,
    ]);
  });

  it('reports wrong types: a bare name or a number for a string, a string or a fraction for numbers', () => {
    expect(check('data A : R[m] from table(split = train)').diagnostics).toEqual([
      `2:34 invalid-source-argument: argument 'split' of 'table' must be a string in double quotes ("train" or "test")`,
    ]);
    expect(check('data A : R[m] from table(split = "test", scale = "big", skip = 1.5)').diagnostics).toEqual([
      "2:50 invalid-source-argument: argument 'scale' of 'table' must be a number, not a string",
      "2:64 invalid-source-argument: argument 'skip' of 'table' must be an integer, got 1.5",
    ]);
  });

  it('reports a missing required argument at the call', () => {
    expect(check('data A : R[m] from table(scale = 2)').diagnostics).toEqual([
      `2:20 invalid-source-argument: 'table' needs the argument 'split' ("train" or "test"): Which rows.`,
    ]);
  });

  it('reports positional and repeated arguments', () => {
    expect(check('data A : R[m] from table(3, split = "test", split = "train")').diagnostics).toEqual([
      '2:26 invalid-argument: data source arguments must be named: key = value',
      "2:45 invalid-argument: argument 'split' is given twice",
    ]);
  });

  it('reports an unknown source with a suggestion', () => {
    expect(check('data A : R[m] from tabel(split = "test")').diagnostics).toEqual([
      "2:20 unknown-source: unknown data source 'tabel' (did you mean 'table'?); known sources: 'table'",
    ]);
  });
});

describe("the source's shape check", () => {
  it('reports what the source cannot read at the call, prefixed with its name', () => {
    expect(check('data A : R[101, 4] from table(split = "train")').diagnostics).toEqual([
      "2:25 unreadable-source: table: split 'train' has 100 rows; R[101, 4] asks for 101",
    ]);
    expect(check('data A : R[m, 3] from table(split = "train")').diagnostics).toEqual([
      '2:23 unreadable-source: table: reads R[m, 4] or R[m]; got R[10, 3]',
    ]);
  });

  it('passes the defaulted arguments to the check', () => {
    expect(check('data A : R[96] from table(split = "test", skip = 5)').diagnostics).toEqual([
      "2:21 unreadable-source: table: split 'test' has 95 rows; R[96] asks for 96",
    ]);
  });

  it('is not asked when the arguments are invalid', () => {
    expect(check('data A : R[500] from table(split = "x")').diagnostics).toHaveLength(1);
  });
});
