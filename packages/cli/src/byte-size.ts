/** Byte sizes on the command line (`--memory-limit 8GiB`) and in messages. */
import { InvalidArgumentError } from 'commander';

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tib: 2 ** 40 };

/** Parses `8GiB`, `512MiB`, `64k`, `1.5G` or a number of bytes (binary units; case ignored). */
export function parseByteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidArgumentError('expected a size such as 8GiB, 512MiB or 64KiB');
  return bytes;
}

/** `bytes` in the largest binary unit it reaches, 3 significant digits (`5.72 GiB`). */
export function formatByteSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  while (u < units.length - 1 && bytes >= 1024 ** (u + 1)) u++;
  return u === 0 ? `${bytes} bytes` : `${(bytes / 1024 ** u).toPrecision(3)} ${units[u]}`;
}

/** A flag value at least `bytes`: the next power of two of MiB or GiB (`8GiB`), to quote in a message. */
export function sizeFlagAbove(bytes: number): string {
  const mib = 2 ** Math.max(0, Math.ceil(Math.log2(bytes / 2 ** 20)));
  return mib >= 1024 ? `${mib / 1024}GiB` : `${mib}MiB`;
}
