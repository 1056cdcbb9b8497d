/** The `sgd` command line, built on commander. Each command's action lives in its own module. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { PluginRegistry } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { evaluateAtStart } from './evaluate.ts';
import { deriveFormulas } from './formulas.ts';
import { loadProblem } from './load.ts';
import { registerRun } from './run/command.ts';
import { summarize } from './summary.ts';

/** Where a command writes; injectable so tests can capture output. */
export interface Output {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** Builds the `sgd` program; `registry` holds the plugins its commands use. */
export function buildProgram(io: Output, registry: PluginRegistry = defaultRegistry()): Command {
  const program = new Command('sgd')
    .description('sgdiff: parametric stochastic optimization with derivatives')
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .exitOverride()
    .showHelpAfterError();

  program
    .command('check')
    .description('check a .sgd file and summarize what it declares')
    .argument('<file>', 'the .sgd file')
    .option('--json', 'print the summary as JSON')
    .action((file: string, options: { json?: boolean }) => {
      const { problem } = loadProblem(file, registry);
      if (!options.json) return io.out(summarize(file, problem));
      io.out(
        JSON.stringify({
          dims: Object.fromEntries(problem.dims.map((d) => [d.name, d.value])),
          consts: Object.fromEntries(problem.consts.map((c) => [c.name, c.value])),
          tensors: problem.tensors.map((t) => ({ kind: t.kind, name: t.name, shape: t.shape, init: t.init })),
          sample: problem.sample && { name: problem.sample.name, size: problem.sample.size, batch: problem.sample.batch },
          objective: problem.objectiveName,
          solve: problem.solve ?? null,
          report: problem.report ?? null,
        }),
      );
    });

  program
    .command('derive')
    .description('print ∇ₓF, ∇²ₓₓF·v and ∇²ₓθF·u as formulas, or evaluate them (--eval)')
    .argument('<file>', 'the .sgd file')
    .addOption(new Option('--format <format>', 'formula notation').choices(['text', 'latex']).default('text'))
    .option('--eval', 'evaluate F, ∇ₓF, ∇²ₓₓF and ∇²ₓθF at the start point and the drawn θ')
    .option('--seed <n>', 'seed of the random streams', parseSeed, 0)
    .option('--json', 'with --eval: print the evaluation as JSON')
    .action((file: string, options: { format: 'text' | 'latex'; eval?: boolean; seed: number; json?: boolean }) => {
      const { problem } = loadProblem(file, registry);
      if (!options.eval) return io.out(deriveFormulas(problem, registry, options.format));
      const evaluation = evaluateAtStart(problem, registry, options.seed);
      io.out(options.json ? JSON.stringify(evaluation) : JSON.stringify(evaluation, null, 2));
    });

  registerRun(program, io, parseSeed);

  return program;
}
