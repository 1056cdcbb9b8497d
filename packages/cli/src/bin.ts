#!/usr/bin/env node
/** The `sgd` executable. */
import { runCli } from './main.ts';

// A reader that stops early (`| head`) closes the pipe: that ends the output, it is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
});
process.exitCode = code;
