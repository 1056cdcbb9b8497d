/**
 * `formatTable` when the last column does not fit beside the others: it goes below its row, and
 * when the remaining columns do not fit either, theirs goes below too, each row's lines staying
 * together and in order (the nesting used to misalign rows: a row's name next to the description
 * of the row above).
 */
import { describe, expect, it } from 'vitest';
import { formatTable } from '@sgdiff/cli';

const header = ['option', 'default', 'values', 'description'];
const rows = [
  ['iterations', '1000', 'integer ≥ 1', 'Number of steps.'],
  ['sid_step', '2 / (1 - q^2) / (20 / (1 - q^2) + k)', 'expression of k, mu, L, kappa, q', 'SID: the relaxation of its steps.'],
  ['track', 'none', 'none | forward', 'Derivative tracking.'],
];

describe('formatTable', () => {
  it('puts a column that does not fit below its row, one level or two, keeping each row together', () => {
    const oneLevel = formatTable(header, rows, 110).split('\n');
    expect(oneLevel[0]).toMatch(/^ {2}option +default +values +\(description below\)$/);
    expect(oneLevel.slice(1)).toEqual([
      expect.stringMatching(/^ {2}iterations +1000 +integer ≥ 1$/),
      '      Number of steps.',
      expect.stringMatching(/^ {2}sid_step +2 \/ \(1 - q\^2\) .* expression of k, mu, L, kappa, q$/),
      '      SID: the relaxation of its steps.',
      expect.stringMatching(/^ {2}track +none +none \| forward$/),
      '      Derivative tracking.',
    ]);

    const twoLevels = formatTable(header, rows, 70).split('\n');
    expect(twoLevels[0]).toMatch(/^ {2}option +default +\(values below\) +\(description below\)$/);
    expect(twoLevels.slice(1)).toEqual([
      expect.stringMatching(/^ {2}iterations +1000$/),
      '      integer ≥ 1',
      '      Number of steps.',
      expect.stringMatching(/^ {2}sid_step +2 \/ \(1 - q\^2\) \/ \(20 \/ \(1 - q\^2\) \+ k\)$/),
      '      expression of k, mu, L, kappa, q',
      '      SID: the relaxation of its steps.',
      expect.stringMatching(/^ {2}track +none$/),
      '      none | forward',
      '      Derivative tracking.',
    ]);
  });
});
