/**
 * Reading a `.sgd` file as text, with one clean line for everything that is not one: a missing
 * file, a directory, an unreadable file, and binary content (a NUL byte or bytes that are not
 * UTF-8), which would otherwise come back as thousands of syntax errors full of control bytes.
 */
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';

/** Why a file could not be read, in words, from Node's error code. */
function reason(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory, not a .sgd file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return error.code ?? error.message;
  }
}

/** The 1-based line and column of byte `offset` of `bytes`, counting lines by `\n`. */
function lineColumn(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let start = 0;
  for (let k = 0; k < offset; k++) {
    if (bytes[k] === 0x0a) {
      line++;
      start = k + 1;
    }
  }
  return `${line}:${offset - start + 1}`;
}

/** How many continuation bytes follow lead byte `b` in UTF-8, or -1 when `b` cannot start a character. */
function continuations(b: number): number {
  if (b < 0x80) return 0;
  if (b >= 0xc2 && b <= 0xdf) return 1;
  if (b >= 0xe0 && b <= 0xef) return 2;
  if (b >= 0xf0 && b <= 0xf4) return 3;
  return -1;
}

/**
 * The first byte at which `bytes` stops being UTF-8 text, or -1; a NUL byte counts as binary.
 * (Overlong three- and four-byte forms and surrogates are not singled out: they are rare in
 * real files and the parser rejects the characters anyway.)
 */
function firstBinaryByte(bytes: Uint8Array): number {
  for (let k = 0; k < bytes.length; ) {
    const b = bytes[k];
    if (b === 0) return k;
    const count = continuations(b);
    if (count < 0) return k;
    for (let j = 1; j <= count; j++) {
      if (k + j >= bytes.length || (bytes[k + j] & 0xc0) !== 0x80) return k;
    }
    k += count + 1;
  }
  return -1;
}

/**
 * The text of `file`; throws a {@link UserError} with one line when it cannot be read or is not text.
 * @category CLI
 */
export function readSourceFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UserError(`${file}: error: cannot read file: ${reason(error as NodeJS.ErrnoException)}`);
  }
  const binary = firstBinaryByte(bytes);
  if (binary >= 0) {
    const what = bytes[binary] === 0 ? 'a NUL byte' : `byte 0x${bytes[binary].toString(16).padStart(2, '0')}, which is not UTF-8`;
    throw new UserError(`${file}:${lineColumn(bytes, binary)}: error: not a text file (${what}); a .sgd file is UTF-8 text`);
  }
  return bytes.toString('utf8');
}
