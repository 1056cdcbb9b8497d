/**
 * The front end under random input at volume. Two sources of inputs, both from fixed seeds:
 * a grammar-aware generator of `.sgd` programs (mostly valid, so checking, lowering and
 * differentiation are reached) and a mutator of the shipped examples (deletions, duplications,
 * inserted tokens, truncations: mostly invalid, so every error path is reached). Each input
 * goes through parse → check → lower → derivative graphs, and must: throw nothing; give
 * diagnostics whose ranges lie inside the file with line and column matching the offset; take
 * less than {@link timeLimitMs} of its size; give the same diagnostics the second time. A
 * sample of the programs that compile also goes through a short `sgd run`. The seed corpus of
 * `test/fuzz-corpus/` is replayed the same way.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDerivativeGraphs } from '@sgdiff/core';
import { runCli } from '@sgdiff/cli';
import { compileSgd, type Diagnostic } from '@sgdiff/dsl';
import { defaultRegistry } from '@sgdiff/plugins';
import { checkEnvironment } from '../packages/cli/src/load.ts';
import { WORST_CASES } from './fuzz-corpus/worst-cases.ts';
import { cpuMs } from './support/cpu-time.ts';

const registry = defaultRegistry();
const env = checkEnvironment(registry);

/** Inputs per run: generated programs and mutated examples. */
const GENERATED = 5000;
const MUTATED = 5000;
/** Programs that compile, run for a few iterations through the CLI. */
const RUN_SAMPLE = 20;

/** The CPU time one input may take through every stage ({@link cpuMs}): 2 s, plus 0.4 ms per byte (unloaded, the 64 KB file of 16,000 syntax errors takes about 4 s). */
function timeLimitMs(source: string): number {
  return 2000 + 0.4 * source.length;
}

/** The outcome of one input, reduced to what must be reproducible. */
interface Outcome {
  readonly diagnostics: readonly Diagnostic[];
  readonly compiled: boolean;
}

function throughFrontEnd(source: string): Outcome {
  const { problem, diagnostics } = compileSgd(source, 'fuzz.sgd', env);
  if (problem) buildDerivativeGraphs(problem, registry.rules);
  return { diagnostics, compiled: problem !== undefined };
}

/** Line and column (1-based, UTF-16 units) of an offset, computed independently of the lexer (lines end at `\r\n`, `\n` or a lone `\r`, as for the lexer). */
function positionOf(source: string, offset: number): { line: number; column: number } {
  const lines = source.slice(0, offset).split(/\r\n|\n|\r/);
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** Every property of one input; returns whether it compiled. */
function assertSound(source: string, label: string, checkTwice: boolean): boolean {
  let timed: { result: Outcome; ms: number };
  try {
    timed = cpuMs(() => throughFrontEnd(source));
  } catch (error) {
    throw new Error(`${label}: an exception escaped: ${(error as Error).stack}\n--- input ---\n${source.slice(0, 2000)}`);
  }
  const outcome = timed.result;
  expect(timed.ms, `${label}: ${timed.ms.toFixed(0)} ms of CPU for ${source.length} bytes`).toBeLessThan(timeLimitMs(source));
  for (const d of outcome.diagnostics) {
    const { start, end } = d.range;
    const where = `${label}: '${d.message}' at ${JSON.stringify(d.range)} in a file of ${source.length} characters`;
    expect(0 <= start.offset && start.offset <= end.offset && end.offset <= source.length, where).toBe(true);
    expect(positionOf(source, start.offset), where).toEqual({ line: start.line, column: start.column });
    expect(positionOf(source, end.offset), where).toEqual({ line: end.line, column: end.column });
  }
  if (checkTwice) expect(throughFrontEnd(source), `${label}: a second compilation differs`).toEqual(outcome);
  return outcome.compiled;
}

// ---- The grammar-aware generator. ----

const scalarNames = ['x', 'y', 'theta', 'c'];
const functions = ['exp', 'log', 'log1p', 'sqrt', 'softplus', 'sigmoid', 'tanh', 'sum', 'norm2', 'mean'];
const number = fc.oneof(fc.integer({ min: 0, max: 9 }).map(String), fc.constantFrom('0.5', '1e-3', '2.', '.25', '1e309', '0'));
const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    number,
    fc.constantFrom(...scalarNames, 'v', 'v[0]', 'A[i]', 'A[i] . v', 'k', 'mu', 'L', 'kappa', 'zz'),
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '.', '@', '^'), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('e').map((a) => `-${a}`),
    tie('e').map((a) => `(${a})`),
    fc.tuple(fc.constantFrom(...functions), tie('e')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a}[${b}]`),
  ),
})).e;
const generatedProgram = fc
  .record({
    n: fc.integer({ min: 1, max: 5 }),
    d: fc.integer({ min: 1, max: 4 }),
    vecVar: fc.boolean(),
    body: expression,
    extra: fc.array(expression, { maxLength: 2 }),
    solver: fc.constantFrom('gd', 'sgd', 'newton_unknown'),
    iterations: fc.constantFrom('3', '5', '0', '-1', '2.5', '1e15'),
    step: fc.option(expression, { nil: undefined }),
    track: fc.constantFrom('none', 'forward', 'reverse', 'implicit', 'sideways'),
    report: fc.option(fc.tuple(fc.constantFrom('1', '5', '1e15', '0'), fc.subarray(['step', 'suboptimality', 'distance', 'jacobian_error', 'bogus', 'step'])), { nil: undefined }),
  })
  .map((p) =>
    [
      `dim n = ${p.n}`,
      `dim d = ${p.d}`,
      `const c = ${p.extra[0] ?? '0.5'}`,
      `data A : R[n, d] ~ normal(0, 1)`,
      `data v : R[d] = ${p.extra[1] ?? '1'}`,
      `param theta : R ~ normal(0, 1)`,
      `param y : R = 2`,
      p.vecVar ? `var x : R[d] = 0.5` : `var x : R = 0.5`,
      `sample i ~ uniform(n)`,
      `minimize f(x, theta; i) = ${p.body}`,
      `solve ${p.solver} { iterations = ${p.iterations}${p.step ? ` step = ${p.step}` : ''} track = ${p.track} }`,
      p.report ? `report every log ${p.report[0]} { ${p.report[1].join(', ')} }` : '',
    ].join('\n'),
  );
/** The same programs with the solve block any generated program could have, so a sample compiles and runs. */
const runnableProgram = fc
  .record({ body: expression, vecVar: fc.boolean() })
  .map(({ body, vecVar }) => `dim n = 3\ndim d = 2\nconst c = 0.5\ndata A : R[n, d] ~ normal(0, 1)\ndata v : R[d] = 1\nparam theta : R ~ normal(0, 1)\nparam y : R = 2\n${vecVar ? 'var x : R[d] = 0.5' : 'var x : R = 0.5'}\nsample i ~ uniform(n)\nminimize f(x, theta; i) = ${body}\nsolve gd { iterations = 3 }\nreport every log 3 { step }\n`);

// ---- The mutator of the shipped examples. ----

function examples(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return examples(path);
    return name.endsWith('.sgd') ? [path] : [];
  });
}
/** Examples that read no data set (a mutation must not make the fuzzer read MNIST). */
const shipped = examples('examples')
  .map((path) => readFileSync(path, 'utf8'))
  .filter((text) => !/\bfrom\b/.test(text));
const fragments = ['(', ')', '[', ']', '{', '}', ',', ';', '=', '~', ':', '-', '^', '.', '@', '"', '#', '\n', 'dim', 'var', 'R', 'log', 'every', 'x', '0', '1e999', 'θ', '$', '\t', '\r'];
type Mutation = { kind: 'delete' | 'duplicate' | 'insert' | 'truncate' | 'swap'; at: number; length: number; fragment: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'duplicate', 'insert', 'insert', 'truncate', 'swap'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  length: fc.integer({ min: 1, max: 40 }),
  fragment: fc.constantFrom(...fragments),
});
function mutate(text: string, m: Mutation): string {
  const at = Math.floor(m.at * text.length);
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'duplicate':
      return text.slice(0, at + m.length) + text.slice(at, at + m.length) + text.slice(at + m.length);
    case 'insert':
      return text.slice(0, at) + m.fragment + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
    case 'swap':
      return text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) + text.slice(at + 2);
  }
}
const mutatedExample = fc
  .tuple(fc.integer({ min: 0, max: shipped.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([k, ms]) => ms.reduce(mutate, shipped[k]));

async function runQuietly(source: string): Promise<{ code: number; err: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sgd-fuzz-'));
  const path = join(dir, 'fuzz.sgd');
  writeFileSync(path, source);
  const err: string[] = [];
  const code = await runCli(['run', path], { out: () => undefined, err: (s) => err.push(s) });
  return { code, err: err.join('\n') };
}

describe('front-end fuzzing', () => {
  it(`${GENERATED} generated programs and ${MUTATED} mutated examples: nothing escapes, ranges inside, bounded time, reproducible`, async () => {
    const inputs = [
      ...fc.sample(generatedProgram, { seed: 20261203, numRuns: GENERATED }),
      ...fc.sample(mutatedExample, { seed: 1203, numRuns: MUTATED }),
    ];
    let compiled = 0;
    const started = performance.now();
    inputs.forEach((source, k) => {
      if (assertSound(source, `input ${k}`, k % 4 === 0)) compiled += 1;
    });
    const runnable = fc.sample(runnableProgram, { seed: 7, numRuns: 400 }).filter((source) => throughFrontEnd(source).compiled);
    expect(runnable.length).toBeGreaterThanOrEqual(RUN_SAMPLE);
    const runs = await Promise.all(runnable.slice(0, RUN_SAMPLE).map(runQuietly));
    // A run may refuse (exit 1, a positioned message) but never fail internally (exit 70).
    for (const [k, r] of runs.entries()) expect(r.code, `run ${k}: ${r.err}`).not.toBe(70);
    console.log(
      `fuzz: ${inputs.length} inputs (${compiled} compiled and differentiated) in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `${RUN_SAMPLE} runs: ${runs.filter((r) => r.code === 0).length} exited 0`,
    );
    expect(inputs.length).toBeGreaterThanOrEqual(10_000);
    // The generator must reach the checker's success path, not only its errors.
    expect(compiled).toBeGreaterThan(GENERATED / 10);
  }, 180_000);

  for (const [name, generate] of Object.entries(WORST_CASES)) {
    it(`replays the seed corpus: ${name}`, () => {
      const source = generate();
      // Compiling twice is the slow part of the largest cases; their determinism is that of the small ones.
      assertSound(source, name, source.length < 20_000);
    }, 60_000);
  }
});
