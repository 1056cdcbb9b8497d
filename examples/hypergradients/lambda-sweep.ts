/**
 * Grazzi, Pontil, Salzo (2021), Fig. 1 over several regularization parameters: SID's error at 60
 * epochs on MNIST odd/even with one λ, Stoch const against Stoch dec, for each log λ given.
 *
 *   node_modules/.bin/tsx examples/hypergradients/lambda-sweep.ts OUTDIR RUNS LOGLAM...
 *
 * For each LOGLAM and each method it runs (in process, as `sgd run` does)
 * `mnist-one-lambda.sgd --set const.loglam=LOGLAM --runs RUNS --out OUTDIR/LOGLAM-METHOD`, with
 * `--set solve.step=... --set solve.sid_step=...` = β/(γ + k), β = γ = 2/(1 − q²) for `dec`. A
 * directory that already holds a result.json is read, not run again (so an interrupted sweep
 * resumes). Writes OUTDIR/lambda.csv and OUTDIR/lambda.svg (the squared final error against
 * log λ) and prints one line per λ: κ, ‖g*‖, each method's final error relative to ‖g*‖ and the
 * log–log slope of its mean error over SID's last decade.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { renderBandChart, runCli } from '@sgdiff/cli';
import { logLogSlope, parseTrace } from '../superefficiency/analysis.ts';

const FILE = new URL('./mnist-one-lambda.sgd', import.meta.url).pathname;
const DECREASING = '2 / (1 - q^2) / (2 / (1 - q^2) + k)';
const METHODS = { const: [], dec: ['--set', `solve.step=${DECREASING}`, '--set', `solve.sid_step=${DECREASING}`] } as const;
const SID = 'hypergradient_error_sid';

/** One method's outcome at one λ. */
interface MethodOutcome {
  /** Mean over the runs of ‖ĝ − g*‖ after all of SID's steps. */
  readonly error: number;
  /** Log–log slope of the mean error over SID's last decade of k. */
  readonly slope: number;
}

/** One λ's row. */
interface LambdaRow {
  readonly loglam: number;
  readonly kappa: number;
  readonly gStar: number;
  readonly methods: Record<keyof typeof METHODS, MethodOutcome>;
}

/** Runs (or reads) one method at one λ. */
async function outcome(dir: string, loglam: string, runs: string, method: keyof typeof METHODS): Promise<{ result: { final: Record<string, number>; reference: { kappa: number; hypergradient: { lam: number[] } } }; slope: number }> {
  if (!existsSync(`${dir}/result.json`)) {
    const args = ['run', FILE, '--runs', runs, '--set', `const.loglam=${loglam}`, ...METHODS[method], '--out', dir];
    const err: string[] = [];
    const code = await runCli(args, { out: (s) => console.log(s), err: (s) => err.push(s) });
    if (code !== 0) throw new Error(`sgd ${args.join(' ')} exited with ${code}: ${err.join('\n')}`);
  }
  const trace = parseTrace(readFileSync(`${dir}/sid.csv`, 'utf8'));
  const kMax = trace.k[trace.k.length - 1];
  return { result: JSON.parse(readFileSync(`${dir}/result.json`, 'utf8')), slope: logLogSlope(trace, SID, kMax / 10) };
}

async function main(): Promise<void> {
  const [outDir, runs, ...loglams] = process.argv.slice(2);
  if (!outDir || !runs || loglams.length === 0) throw new Error('usage: lambda-sweep.ts OUTDIR RUNS LOGLAM ...');
  mkdirSync(outDir, { recursive: true });
  const rows: LambdaRow[] = [];
  for (const loglam of loglams) {
    const c = await outcome(`${outDir}/${loglam}-const`, loglam, runs, 'const');
    const d = await outcome(`${outDir}/${loglam}-dec`, loglam, runs, 'dec');
    const gStar = Math.abs(c.result.reference.hypergradient.lam[0]);
    const row: LambdaRow = {
      loglam: Number(loglam),
      kappa: c.result.reference.kappa,
      gStar,
      methods: { const: { error: c.result.final[SID], slope: c.slope }, dec: { error: d.result.final[SID], slope: d.slope } },
    };
    rows.push(row);
    const cells = (['const', 'dec'] as const).map((m) => `${m}: error/‖g*‖ ${(row.methods[m].error / gStar).toExponential(2)}, slope ${row.methods[m].slope.toFixed(2)}`);
    console.log(`loglam ${loglam}  kappa ${row.kappa.toFixed(1)}  |g*| ${gStar.toExponential(3)}  ${cells.join('  ')}`);
  }
  writeFileSync(
    `${outDir}/lambda.csv`,
    ['loglam,kappa,g_star,const_error,const_slope,dec_error,dec_slope', ...rows.map((r) => [r.loglam, r.kappa, r.gStar, r.methods.const.error, r.methods.const.slope, r.methods.dec.error, r.methods.dec.slope].join(','))].join('\n') + '\n',
  );
  const label = { const: 'Stoch const', dec: 'Stoch dec' } as const;
  const svg = await renderBandChart({
    title: `MNIST odd/even, one λ: SID's squared error after 30 + 30 epochs (mean over ${runs} runs)`,
    xTitle: 'log λ (e^lam regularizes the mean loss; λ_paper = 5000 e^lam)',
    yTitle: '‖ĝ − ∇f‖² (mean error squared)',
    logX: false,
    yFormat: '.0e',
    bands: false,
    markers: true,
    points: rows.flatMap((r) => (['const', 'dec'] as const).map((m) => ({ series: label[m], x: r.loglam, mean: r.methods[m].error ** 2, low: 0, high: 0 }))),
  });
  writeFileSync(`${outDir}/lambda.svg`, svg);
  console.log(`${outDir}/lambda.csv, ${outDir}/lambda.svg`);
}

await main();
