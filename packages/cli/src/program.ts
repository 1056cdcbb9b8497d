/** The `sgd` command line, built on commander. Each command's action lives in its own module. */
import { Command, Option } from 'commander';
import { DEFAULT_RUN_BACKEND, prepareKernelBackend, runBackendChoice, setKernelBackend, type BackendChoice, type PluginRegistry } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { evaluateAtStart, problemKernels, startPointWarning } from './evaluate.ts';
import { deriveFormulas } from './formulas.ts';
import { formatDiagnostics } from '@sgdiff/dsl';
import { UserError } from './errors.ts';
import { loadProblem } from './load.ts';
import { checkSolverInput } from './solver-input.ts';
import { registerRun } from './run/command.ts';
import { HELP_AFTER } from './help-text.ts';
import { registerSweep } from './sweep/command.ts';
import { registerWorker } from './queue/worker-command.ts';
import { describePlugins, pluginsDescription } from './describe-plugins.ts';
import { collect, parseSeed } from './flags.ts';
import { registryWith } from './plugins.ts';
import { withSourceLimitOptions, type SourceLimits } from './source-limits.ts';
import { summarize, summaryJson } from './summary.ts';
import packageJson from '../package.json' with { type: 'json' };

/**
 * Where a command writes; injectable so tests can capture output.
 * @category CLI
 */
export interface Output {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}


/** The width to wrap listings to: the terminal's (at most 120), or 100 when the output is not a terminal. */
function terminalWidth(): number {
  return process.stdout.isTTY ? Math.min(120, process.stdout.columns) : 100;
}

/**
 * Builds the `sgd` program; `registry` holds the plugins its commands use.
 * @category CLI
 */
export function buildProgram(io: Output, registry: PluginRegistry = defaultRegistry()): Command {
  const withPlugins = async (plugins: readonly string[]): Promise<PluginRegistry> => (plugins.length > 0 ? registryWith(plugins) : registry);
  const program = new Command('sgd')
    .description('sgdiff: parametric stochastic optimization with derivatives')
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .version(packageJson.version, '-V, --version', 'print the version of sgd')
    .exitOverride()
    .showHelpAfterError();

  withSourceLimitOptions(program.command('check'))
    .description('check a .sgd file and summarize what it declares')
    .argument('<file>', 'the .sgd file')
    .option('--json', 'print the summary as JSON')
    .option('--plugin <module>', 'load a plugin module (path or package; repeatable)', collect, [])
    .action(async (file: string, options: { json?: boolean; plugin: string[] } & SourceLimits) => {
      const registry = await withPlugins(options.plugin);
      const { problem, warnings, source } = loadProblem(file, registry, [], options);
      // What the solver finds with the file and its drawn instance, as `sgd run` would meet it.
      const solverErrors = checkSolverInput(problem, registry, source);
      if (solverErrors.length > 0) throw new UserError([formatDiagnostics(file, source, solverErrors), warnings].filter(Boolean).join('\n\n'));
      if (warnings) io.err(warnings);
      io.out(options.json ? JSON.stringify(summaryJson(problem)) : summarize(file, problem));
    });

  withSourceLimitOptions(program.command('derive'))
    .description('print ∇ₓF, ∇²ₓₓF·v and ∇²ₓθF·u as formulas, or evaluate them (--eval)')
    .argument('<file>', 'the .sgd file')
    .addOption(new Option('--format <format>', 'formula notation').choices(['text', 'latex']).default('text'))
    .option('--eval', 'evaluate F, ∇ₓF, ∇²ₓₓF and ∇²ₓθF at the start point and the drawn θ')
    .option('--seed <n>', 'seed of the random streams', parseSeed, 0)
    .option('--json', 'with --eval: print the evaluation as JSON')
    .option('--unsimplified', 'print the derivative graphs as differentiated, without the simplification for reading')
    .addOption(new Option('--backend <name>', 'with --eval: kernel code, wasm (WebAssembly SIMD), js, or auto (default: wasm where the runtime has WebAssembly SIMD, else js)').choices(['js', 'wasm', 'auto']))
    .option('--plugin <module>', 'load a plugin module (path or package; repeatable)', collect, [])
    .action(async (file: string, options: { format: 'text' | 'latex'; eval?: boolean; seed: number; json?: boolean; unsimplified?: boolean; plugin: string[]; backend?: BackendChoice } & SourceLimits) => {
      const registry = await withPlugins(options.plugin);
      const { problem, warnings } = loadProblem(file, registry, [], options);
      if (warnings) io.err(warnings);
      if (!options.eval) return io.out(deriveFormulas(problem, registry, options.format, options.unsimplified));
      // The Hessian and the cross derivative are staged through the kernels' memory: counted like a tracked run's Jacobian.
      const backend = runBackendChoice(options.backend ?? DEFAULT_RUN_BACKEND, problem, true);
      setKernelBackend(backend);
      await prepareKernelBackend(backend);
      const kernels = problemKernels(problem, registry, options.seed);
      const evaluation = evaluateAtStart(problem, registry, options.seed, kernels);
      const fault = startPointWarning(kernels);
      if (fault) io.err(`${file}: warning: ${fault}`);
      io.out(options.json ? JSON.stringify(evaluation) : JSON.stringify(evaluation, null, 2));
    });

  program
    .command('plugins')
    .description('list the solvers, functions, metrics and derivative rules the loaded plugins provide')
    .option('--json', 'print the listing as JSON')
    .option('--plugin <module>', 'load a plugin module (path or package; repeatable)', collect, [])
    .action(async (options: { plugin: string[]; json?: boolean }) => {
      const registry = await withPlugins(options.plugin);
      io.out(options.json ? JSON.stringify(pluginsDescription(registry), null, 2) : describePlugins(registry, terminalWidth()));
    });

  registerRun(program, io);
  registerSweep(program, io);
  registerWorker(program, io);
  program.addHelpText('after', HELP_AFTER['']);
  for (const command of program.commands) {
    const help = HELP_AFTER[command.name()];
    if (help) command.addHelpText('after', help);
  }

  return program;
}
