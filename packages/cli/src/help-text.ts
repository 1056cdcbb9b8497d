/** What `sgd --help` and each command's `--help` print after the options: examples, exit codes, files. */

/**
 * The exit codes of every command (see main.ts).
 * @category CLI
 */
export const EXIT_CODES = `Exit codes:
  0   success
  1   a mistake in the file or the flags (every diagnostic printed as file:line:col)
  2   a run diverged or met a NaN/infinity (sgd run: the iteration, quantity and cause are printed)
  69  --queue: Redis cannot be reached within 5 s
  70  an internal error (a bug in sgdiff; SGD_DEBUG=1 shows the stack)
  130 --queue: interrupted; the jobs stay on the queue (rerun with --resume)`;

/**
 * The files `sgd run --out DIR` writes, by when.
 * @category CLI
 */
export const OUT_FILES = `Files written by --out DIR (a new directory; an existing non-empty one is refused):
  instance.json  the drawn instance: dims, consts, data, params and the start point
  trace.csv      the metrics at the logged iterations: mean and 10%/90% quantiles over runs
  result.json    x, jacobian, reference (x*, ∂θx*, mu, L), hypergradient, final metrics
  plot.svg       the metrics against k, log–log
  sid.csv        with estimator = sid: SID's error against its own iterations
  outer.csv      with outer_solve: θ's outer iterations (then no trace.csv, plot.svg)
After a divergence or numerical fault: instance.json, the partial trace.csv and a
result.json with its status. --resume continues a killed run from .DIR.checkpoint.`;

/**
 * Help appended to each command, by command name ('' for the program itself).
 * @category CLI
 */
export const HELP_AFTER: Readonly<Record<string, string>> = {
  '': `
Examples:
  sgd check examples/least-squares.sgd
  sgd derive examples/least-squares.sgd --format latex
  sgd run examples/sgd-derivatives/decreasing-step.sgd --runs 8 --workers 4 --out out/decreasing

${EXIT_CODES}

Paths are relative to the directory sgd is started in (under pnpm sgd, the caller's directory).
Documentation: docs/cli.md and docs/language.md in the repository.`,
  check: `
Examples:
  sgd check examples/least-squares.sgd
  sgd check examples/least-squares.sgd --json
  sgd check examples/plugins/heavy-ball.sgd --plugin ./examples/plugins/heavy-ball.ts

${EXIT_CODES}`,
  derive: `
Examples:
  sgd derive examples/least-squares.sgd
  sgd derive examples/least-squares.sgd --format latex
  sgd derive examples/least-squares.sgd --eval --seed 1 --json

${EXIT_CODES}`,
  run: `
Examples:
  sgd run examples/least-squares.sgd --set solve.iterations=2000
  sgd run examples/sgd-derivatives/decreasing-step.sgd --runs 8 --workers 4 --out out/decreasing
  sgd run examples/least-squares.sgd --set 'param.theta[3]=0.5' --json
  sgd run big.sgd --memory-limit 16GiB    (the run's memory is estimated and checked before any work)

${OUT_FILES}

${EXIT_CODES}`,
  worker: `
Examples:
  sgd worker --queue redis://127.0.0.1:6379
  sgd worker --queue redis://:PASSWORD@queue-host:6379/0 --concurrency 4

Then, on any machine: sgd run FILE --runs 64 --queue URL, or sgd sweep ... --queue URL.
Redis must never be reachable from outside your network: see docs/distributed.md.

${EXIT_CODES}`,
  plugins: `
Examples:
  sgd plugins
  sgd plugins --json
  sgd plugins --plugin ./examples/plugins/heavy-ball.ts

${EXIT_CODES}`,
};
