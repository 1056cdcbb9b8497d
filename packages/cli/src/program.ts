/** The `sgd` command line, built on commander. Each command's action lives in its own module. */
import { Command, Option } from 'commander';
import type { PluginRegistry } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { evaluateAtStart } from './evaluate.ts';
import { deriveFormulas } from './formulas.ts';
import { loadProblem } from './load.ts';
import { registerRun } from './run/command.ts';
import { registerSweep } from './sweep/command.ts';
import { describePlugins } from './describe-plugins.ts';
import { collect, parseSeed } from './flags.ts';
import { registryWith } from './plugins.ts';
import { summarize, summaryJson } from './summary.ts';

/** Where a command writes; injectable so tests can capture output. */
export interface Output {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}


/** Builds the `sgd` program; `registry` holds the plugins its commands use. */
export function buildProgram(io: Output, registry: PluginRegistry = defaultRegistry()): Command {
  const withPlugins = async (plugins: readonly string[]): Promise<PluginRegistry> => (plugins.length > 0 ? registryWith(plugins) : registry);
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
    .option('--plugin <module>', 'load a plugin module (path or package; repeatable)', collect, [])
    .action(async (file: string, options: { json?: boolean; plugin: string[] }) => {
      const { problem, warnings } = loadProblem(file, await withPlugins(options.plugin));
      if (warnings) io.err(warnings);
      io.out(options.json ? JSON.stringify(summaryJson(problem)) : summarize(file, problem));
    });

  program
    .command('derive')
    .description('print ∇ₓF, ∇²ₓₓF·v and ∇²ₓθF·u as formulas, or evaluate them (--eval)')
    .argument('<file>', 'the .sgd file')
    .addOption(new Option('--format <format>', 'formula notation').choices(['text', 'latex']).default('text'))
    .option('--eval', 'evaluate F, ∇ₓF, ∇²ₓₓF and ∇²ₓθF at the start point and the drawn θ')
    .option('--seed <n>', 'seed of the random streams', parseSeed, 0)
    .option('--json', 'with --eval: print the evaluation as JSON')
    .option('--plugin <module>', 'load a plugin module (path or package; repeatable)', collect, [])
    .action(async (file: string, options: { format: 'text' | 'latex'; eval?: boolean; seed: number; json?: boolean; plugin: string[] }) => {
      const registry = await withPlugins(options.plugin);
      const { problem, warnings } = loadProblem(file, registry);
      if (warnings) io.err(warnings);
      if (!options.eval) return io.out(deriveFormulas(problem, registry, options.format));
      const evaluation = evaluateAtStart(problem, registry, options.seed);
      io.out(options.json ? JSON.stringify(evaluation) : JSON.stringify(evaluation, null, 2));
    });

  program
    .command('plugins')
    .description('list the solvers, functions, metrics and derivative rules the loaded plugins provide')
    .option('--plugin <module>', 'load a plugin module (path or package; repeatable)', collect, [])
    .action(async (options: { plugin: string[] }) => io.out(describePlugins(await withPlugins(options.plugin))));

  registerRun(program, io);
  registerSweep(program, io);

  return program;
}
