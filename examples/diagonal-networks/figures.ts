/**
 * The README figures of the diagonal-network study, from the outputs of the example commands
 * (see README.md here):
 *
 *   node_modules/.bin/tsx examples/diagonal-networks/figures.ts GD_SWEEP SGD_SWEEP SENSITIVITY_RUN OUTDIR
 *
 * - OUTDIR/recovery-vs-step.svg: final ‖w − w*‖ against the step, GD and SGD (mean over runs, 10–90% band);
 * - OUTDIR/gain.svg: Gain_i = log(α²/α_∞,i²) per coordinate at the largest step where every run of
 *   the cell completed, GD and SGD (from the cell's mean final u, v), support of w* marked;
 * - OUTDIR/sensitivity.svg: ∂w_T/∂α and ∂w_T/∂γ per coordinate from `sgd run sensitivity.sgd --out`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderBandChart, renderCoordinateChart, type CoordinateBar } from '@sgdiff/cli';

/** Bars per coordinate with the support of w* marked. */
const coordinateChart = (title: string, yTitle: string, bars: CoordinateBar[]): Promise<string> => renderCoordinateChart(title, yTitle, bars, 'supp w*', 'off support');

interface Row {
  readonly cell: number;
  readonly grid: Record<string, number>;
  readonly status: string;
  readonly final: Record<string, number | null>;
}
interface Summary {
  readonly grid: Array<{ key: string; values: number[] }>;
  readonly rows: Row[];
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function quantile(sorted: number[], q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.ceil(at)] - sorted[lo]) * (at - lo);
}

/** Mean and 10–90% band of the final recovery error per step, cells whose runs all completed. */
function recoveryPoints(summary: Summary, series: string) {
  const byCell = new Map<number, Row[]>();
  for (const row of summary.rows) byCell.set(row.cell, [...(byCell.get(row.cell) ?? []), row]);
  return [...byCell.values()].flatMap((rows) => {
    const values = rows.map((r) => r.final.recovery_error);
    if (rows.some((r) => r.status !== 'complete') || values.some((v) => v === null)) return [];
    const sorted = (values as number[]).sort((a, b) => a - b);
    return [{ series, x: rows[0].grid['solve.step'], mean: sorted.reduce((s, v) => s + v, 0) / sorted.length, low: quantile(sorted, 0.1), high: quantile(sorted, 0.9) }];
  });
}

/** The largest-step cell whose runs all completed. */
function largestStepCell(summary: Summary): number {
  const ok = new Map<number, { step: number; fine: boolean }>();
  for (const row of summary.rows) {
    const previous = ok.get(row.cell) ?? { step: row.grid['solve.step'], fine: true };
    ok.set(row.cell, { step: previous.step, fine: previous.fine && row.status === 'complete' });
  }
  const fine = [...ok].filter(([, c]) => c.fine).sort((a, b) => b[1].step - a[1].step);
  return fine[0][0];
}

function cellDir(sweep: string, cell: number): string {
  const name = readdirSync(join(sweep, 'cells')).find((n) => Number(n) === cell);
  if (name === undefined) throw new Error(`no cell ${cell} in ${sweep}`);
  return join(sweep, 'cells', name);
}

/** Gain per coordinate of a cell: log((u₀² − v₀²)/|u² − v²|) with the cell's (mean) final u, v. */
function gainPoints(sweep: string, cell: number, series: string): CoordinateBar[] {
  const dir = cellDir(sweep, cell);
  const result = readJson<{ x: Record<string, number[]>; grid: Record<string, number> }>(join(dir, 'result.json'));
  const instance = readJson<Record<string, number[]>>(join(dir, 'instance.json'));
  return result.x.u.map((u, i) => ({
    series: `${series}, step ${result.grid['solve.step'].toPrecision(3)}`,
    coordinate: i,
    value: Math.log((instance.u[i] ** 2 - instance.v[i] ** 2) / Math.abs(u ** 2 - result.x.v[i] ** 2)),
    marked: instance.w_star[i] !== 0,
  }));
}

const [gdSweep, sgdSweep, sensitivityRun, out] = process.argv.slice(2);
if (!out) throw new Error('usage: figures.ts GD_SWEEP SGD_SWEEP SENSITIVITY_RUN OUTDIR');
mkdirSync(out, { recursive: true });
const gd = readJson<Summary>(join(gdSweep, 'summary.json'));
const sgd = readJson<Summary>(join(sgdSweep, 'summary.json'));
writeFileSync(
  join(out, 'recovery-vs-step.svg'),
  await renderBandChart({
    title: 'Diagonal network (N = 40, d = 100, r = 5, α = 0.1): final ‖w − w*‖ against the step',
    xTitle: 'step γ',
    yTitle: '‖w_T − w*‖ (SGD: mean over runs, 10–90% band)',
    logX: true,
    bands: true,
    markers: true,
    points: [...recoveryPoints(gd, 'GD'), ...recoveryPoints(sgd, 'SGD, batch 1')],
  }),
);
writeFileSync(
  join(out, 'gain.svg'),
  await coordinateChart('Gain log(α²/α_∞²) per coordinate at the largest stable step', 'gain', [
    ...gainPoints(gdSweep, largestStepCell(gd), 'GD'),
    ...gainPoints(sgdSweep, largestStepCell(sgd), 'SGD'),
  ]),
);
const sens = readJson<{ x: Record<string, number[]>; jacobian: Record<string, Record<string, number[][]>> }>(join(sensitivityRun, 'result.json'));
const sensInstance = readJson<Record<string, number | number[]>>(join(sensitivityRun, 'instance.json'));
const alpha = sensInstance.alpha as number;
const wStar = sensInstance.w_star as number[];
const { a, v } = sens.x;
// ∂w/∂θ = (∂u/∂θ) ⊙ v + u ⊙ ∂v/∂θ with u = α + a, ∂u/∂α = 1 + ∂a/∂α.
const derivative = (p: 'alpha' | 'gamma', series: string): CoordinateBar[] =>
  a.map((ai, i) => ({
    series,
    coordinate: i,
    value: ((p === 'alpha' ? 1 : 0) + sens.jacobian.a[p][i][0]) * v[i] + (alpha + ai) * sens.jacobian.v[p][i][0],
    marked: wStar[i] !== 0,
  }));
writeFileSync(
  join(out, 'sensitivity.svg'),
  await coordinateChart(`Sensitivity of w_T to the initialization scale and the step (GD, α = ${alpha})`, 'derivative', [...derivative('alpha', '∂w_T/∂α'), ...derivative('gamma', '∂w_T/∂γ')]),
);
