/**
 * `sgd sweep`: the grid's cells on 1 and 2 worker threads give the same bytes, the summary has
 * exactly the documented columns, diverged cells are marked, bad grids fail before any cell
 * runs, and an interrupted sweep resumes where it stopped.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sgd } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
const file = join(dir, 'net.sgd');
writeFileSync(
  file,
  `dim N = 10
dim d = 16
const alpha = 0.1
data X : R[N, d] ~ normal(0, 1)
data w_star : R[d] ~ sparse_normal(2, 1)
data y : R[N] = X @ w_star
var u : R[d] = alpha
var v : R[d] = 0
sample i ~ uniform(N)
minimize L(u, v; i) = (X[i] . (u * v) - y[i])^2
solve sgd { iterations = 300 step = 0.01 reference = none }
report every log 5 { recovery_error, gain_l1 }
`,
);

/** Every file under `root`, by relative path, with its bytes. */
function tree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = join(rel, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[path] = readFileSync(join(root, path), 'utf8');
    }
  };
  walk('');
  return files;
}

const grid = ['--grid', 'solve.step=0.01,3', '--grid', 'const.alpha=0.1,0.01', '--grid', 'sample.batch=1,5', '--runs', '2'];

describe('sgd sweep', () => {
  it('writes the same bytes with 1 and 2 workers, with exactly the documented columns', async () => {
    const one = join(dir, 'one');
    const two = join(dir, 'two');
    expect((await sgd('sweep', file, ...grid, '--workers', '1', '--out', one, '--plot', 'recovery_error')).code).toBe(0);
    expect((await sgd('sweep', file, ...grid, '--workers', '2', '--out', two, '--plot', 'recovery_error')).code).toBe(0);
    const a = tree(one);
    const b = tree(two);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    // Plots too: their SVG ids are renumbered per document (vega counts them per process).
    for (const path of Object.keys(a)) expect(b[path], path).toBe(a[path]);
    const lines = a['summary.csv'].trim().split('\n');
    expect(lines[0]).toBe('solve.step,const.alpha,sample.batch,run,status,iteration,recovery_error,gain_l1');
    expect(lines).toHaveLength(1 + 8 * 2);
    // Eight cells, each written atomically with result.json, instance.json and its manifest.json.
    expect(Object.keys(a).filter((p) => p.startsWith('cells/'))).toHaveLength(24);
    expect(a['plots/plot-recovery_error.svg']).toContain('<svg');
    expect(a['plots/heatmap-recovery_error.svg']).toContain('<svg');
    // Cells differ: the batch changes the path, alpha the start.
    const summary = JSON.parse(a['summary.json']) as { rows: Array<{ grid: Record<string, number>; status: string; iteration: number; final: Record<string, number | null> }> };
    const row = (step: number, alpha: number, batch: number) => summary.rows.find((r) => r.grid['solve.step'] === step && r.grid['const.alpha'] === alpha && r.grid['sample.batch'] === batch);
    expect(row(0.01, 0.1, 1)?.final.recovery_error).not.toBe(row(0.01, 0.1, 5)?.final.recovery_error);
    expect(row(0.01, 0.1, 1)?.status).toBe('complete');
    expect(row(0.01, 0.1, 1)?.iteration).toBe(300);
    // Step 3 on this problem blows up: marked, with the iteration it stopped at.
    const diverged = summary.rows.filter((r) => r.status === 'diverged');
    expect(diverged.length).toBeGreaterThan(0);
    for (const r of diverged) {
      expect(r.grid['solve.step']).toBe(3);
      expect(r.iteration).toBeGreaterThan(0);
      expect(r.iteration).toBeLessThan(300);
    }
  }, 120000);

  it('resumes an interrupted sweep, skipping its finished cells, to the same summary', async () => {
    const full = join(dir, 'full');
    const cut = join(dir, 'cut');
    const args = ['--grid', 'solve.step=0.005,0.01,0.02', '--runs', '1'];
    await sgd('sweep', file, ...args, '--out', full);
    await sgd('sweep', file, ...args, '--out', cut);
    // What a sweep killed after its first cell leaves: the summary of that cell only.
    const summary = JSON.parse(readFileSync(join(cut, 'summary.json'), 'utf8')) as { rows: Array<{ cell: number }> };
    writeFileSync(join(cut, 'summary.json'), JSON.stringify({ ...summary, rows: summary.rows.filter((r) => r.cell === 0) }));
    const resumed = await sgd('sweep', file, ...args, '--out', cut, '--resume');
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('(2 run now, 1 cells resumed)');
    expect(readFileSync(join(cut, 'summary.csv'), 'utf8')).toBe(readFileSync(join(full, 'summary.csv'), 'utf8'));
    const other = await sgd('sweep', file, '--grid', 'solve.step=0.5', '--out', cut, '--resume');
    expect(other.err).toBe(`--resume: error: ${cut} holds a sweep of another file, seed, run count or grid`);
  }, 120000);

  it('names the cell when a grid value breaks another line of the file (α ≤ 0 in the examples)', async () => {
    const example = 'examples/diagonal-networks/gd.sgd';
    const out = join(dir, 'never');
    const result = await sgd('sweep', example, '--grid', 'const.alpha=0.1,0', '--out', out);
    expect(result.code).toBe(1);
    expect(result.err.split('\n').slice(0, 2)).toEqual([`${example}: error: with const.alpha=0:`, `${example}:7:19: error: this constant expression evaluates to -Infinity, which is not finite`]);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['--grid', 'solve.step='], '--grid solve.step=: error: the grid has no values'],
    [['--grid', 'solve.step'], '--grid solve.step: error: the grid has no values; expected solve.step=v1,v2,... or solve.step=logspace(a, b, n)'],
    [['--grid', 'solve.step=0.1,abc'], "--grid solve.step=0.1,abc: error: 'abc' is not a finite number"],
    [['--grid', 'learning.rate=0.1'], "--grid learning.rate=0.1: error: unknown key 'learning.rate'; expected solve.OPTION, const.NAME or sample.batch"],
    [['--grid', 'sample.size=3'], "--grid sample.size=3: error: unknown key 'sample.size'; a sample's only setting is sample.batch"],
    [['--grid', 'const.gamma=1,2'], `--grid const.gamma: error: ${file} declares no const 'gamma'`],
    [['--grid', 'solve.stepsize=0.1'], "--grid solve.stepsize=0.1: error: 'sgd' has no option 'stepsize'; valid options:"],
    [['--grid', 'solve.iterations=10,0'], "--grid solve.iterations=0: error: option 'iterations' must be at least 1, got 0"],
    [['--grid', 'solve.step=logspace(-3, 0)'], '--grid solve.step=logspace(-3, 0): error: logspace takes 3 arguments (a, b, n), got 2'],
  ])('refuses %j before any cell runs', async (flags, message) => {
    const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    const result = await sgd('sweep', file, ...flags, '--out', out);
    expect(result.code).toBe(1);
    expect(result.err.startsWith(message)).toBe(true);
    expect(existsSync(out)).toBe(false);
  });
});
