/** Parsers of command-line flag values shared by the commands. */
import { InvalidArgumentError } from 'commander';

/** Commander accumulator for repeatable flags. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A seed: a non-negative safe integer. */
export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** A positive safe integer (run and worker counts). */
export function parsePositiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}
