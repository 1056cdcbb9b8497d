/**
 * Figure 3a of Ablin, Peyré, Moreau (ICML 2020): the noise level of each hypergradient
 * estimator under SGD with a constant step ρ, against ρ.
 *
 *   node_modules/.bin/tsx examples/superefficiency/sweep.ts OUTDIR RUNS K RHO...
 *
 * For each ρ it runs `sgd run examples/superefficiency/sgd-constant-step.sgd --set solve.step=ρ
 * --set solve.iterations=⌈K/ρ⌉ --runs RUNS --out OUTDIR/rho-ρ` (in process), takes the plateau
 * of each estimator — the mean over runs (trace.csv's mean column) averaged over the record
 * points with k in the second half of the run — and fits the log–log slope of plateau against ρ.
 * Prediction: 1/2 for g1 (analytic), 1 for g2 (automatic) and g3 (implicit).
 * Writes OUTDIR/plateau.csv and OUTDIR/plateau.svg (log–log, drawn as `sgd run`'s plot.svg).
 *
 * The number of steps grows like 1/ρ because the iterates (rate ρμ) and the Jacobian
 * (rate ρμ, with a factor t) need ≈ K/(ρ μ) steps to forget z₀ = 0 and J₀ = 0.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { renderBandChart, runCli } from '@sgdiff/cli';
import { fitLine, plateau, readTrace } from './analysis.ts';

const FILE = new URL('./sgd-constant-step.sgd', import.meta.url).pathname;
const ESTIMATORS = ['analytic', 'automatic', 'implicit'] as const;

/** One ρ's plateaus, by estimator, and the distance's. */
export interface PlateauRow {
  readonly rho: number;
  readonly iterations: number;
  readonly plateaus: Record<(typeof ESTIMATORS)[number] | 'distance', number>;
}

/** Runs one ρ and returns its plateaus. */
export async function plateauAt(rho: number, runs: number, iterations: number, out: string, workers = 1): Promise<PlateauRow> {
  const err: string[] = [];
  const args = ['run', FILE, '--set', `solve.step=${rho}`, '--set', `solve.iterations=${iterations}`, '--runs', String(runs), '--workers', String(workers), '--out', out];
  const code = await runCli(args, { out: () => {}, err: (s) => err.push(s) });
  if (code !== 0) throw new Error(`sgd ${args.join(' ')} exited with ${code}: ${err.join('\n')}`);
  const trace = readTrace(out);
  const column = (e: string): string => (e === 'distance' ? e : `hypergradient_error_${e}`);
  const plateaus = Object.fromEntries([...ESTIMATORS, 'distance'].map((e) => [e, plateau(trace, column(e), iterations / 2)])) as PlateauRow['plateaus'];
  return { rho, iterations, plateaus };
}

/** Log–log slopes of the plateaus against ρ. */
export function plateauSlopes(rows: readonly PlateauRow[]): PlateauRow['plateaus'] {
  const x = rows.map((r) => Math.log(r.rho));
  const keys = [...ESTIMATORS, 'distance'] as const;
  return Object.fromEntries(keys.map((e) => [e, fitLine(x, rows.map((r) => Math.log(r.plateaus[e]))).slope])) as PlateauRow['plateaus'];
}

async function main(): Promise<void> {
  const [outDir, runsArg, kArg, ...rhoArgs] = process.argv.slice(2);
  if (!outDir || !kArg || rhoArgs.length < 2) throw new Error('usage: sweep.ts OUTDIR RUNS K RHO RHO ...');
  mkdirSync(outDir, { recursive: true });
  const rows: PlateauRow[] = [];
  for (const r of rhoArgs) {
    const rho = Number(r);
    const started = Date.now();
    const row = await plateauAt(rho, Number(runsArg), Math.ceil(Number(kArg) / rho), `${outDir}/rho-${r}`);
    rows.push(row);
    const cells = [...ESTIMATORS, 'distance'].map((e) => `${e} ${row.plateaus[e as keyof PlateauRow['plateaus']].toExponential(3)}`);
    console.log(`rho ${r}  t = ${row.iterations}  ${cells.join('  ')}  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const slopes = plateauSlopes(rows);
  console.log(`log–log slopes of the plateau against rho: ${Object.entries(slopes).map(([e, s]) => `${e} ${s.toFixed(3)}`).join(', ')}`);
  writeFileSync(
    `${outDir}/plateau.csv`,
    ['rho,iterations,analytic,automatic,implicit,distance', ...rows.map((r) => [r.rho, r.iterations, r.plateaus.analytic, r.plateaus.automatic, r.plateaus.implicit, r.plateaus.distance].join(','))].join('\n') + '\n',
  );
  const label = { analytic: 'g1 analytic', automatic: 'g2 automatic', implicit: 'g3 implicit', distance: '|z_t − z*|' } as const;
  const points = rows.flatMap((r) => ESTIMATORS.map((e) => ({ series: `${label[e]} (slope ${slopes[e].toFixed(2)})`, x: r.rho, mean: r.plateaus[e], low: 0, high: 0 })));
  const svg = await renderBandChart({
    title: `SGD, constant step: noise level E|g_i − g*| against ρ (${runsArg} runs, t = ${kArg}/ρ)`,
    xTitle: 'step ρ',
    yTitle: 'mean |g_i − g*| on the plateau',
    logX: true,
    bands: false,
    markers: true,
    points,
  });
  writeFileSync(`${outDir}/plateau.svg`, svg);
  console.log(`${outDir}/plateau.csv, ${outDir}/plateau.svg`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
