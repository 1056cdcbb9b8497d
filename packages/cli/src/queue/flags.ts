/** The flags `sgd run` and `sgd sweep` share to run on a queue. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_MAX_PAYLOAD } from './payload.ts';
import { parseQueueUrl } from './url.ts';

/** A size: bytes, or a number with K, M or G (binary units: 64M is 64 MiB). */
export function parseByteSize(value: string): number {
  const match = /^(\d+)([KMG]?)$/i.exec(value);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match?.[2] ?? '').toUpperCase()];
  if (!match || unit === undefined || Number(match[1]) < 1) throw new InvalidArgumentError('expected a size in bytes, e.g. 1048576, 512K or 64M');
  return Number(match[1]) * unit;
}

/** Adds `--queue` and `--max-payload` to a command. */
export function addQueueOptions(command: Command): Command {
  return command
    .addOption(new Option('--queue <url>', 'run on workers (sgd worker) through this Redis queue: redis://HOST:PORT[/DB], rediss:// for TLS').argParser(parseQueueUrl))
    .addOption(new Option('--max-payload <size>', 'with --queue: the largest job spec or data file sent through Redis (e.g. 512K, 64M)').argParser(parseByteSize).default(DEFAULT_MAX_PAYLOAD, '64M'));
}
