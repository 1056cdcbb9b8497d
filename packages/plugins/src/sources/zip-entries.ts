/**
 * Reading one member of a ZIP archive (the container of NumPy's `.npz`, written by `np.savez`
 * stored and by `np.savez_compressed` deflated), through the central directory as the ZIP
 * specification (APPNOTE.TXT) lays it out. ZIP64 archives (members over 4 GiB) are refused.
 */
import { inflateRawSync } from 'node:zlib';

/**
 * An archive that cannot be read; the message says why, without the file's name.
 * @category Problems and references
 */
export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError';
}

/** One member of the central directory. */
interface ZipMember {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly localHeader: number;
}

/** The members listed in the central directory, in order. */
function members(bytes: Uint8Array): ZipMember[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record is the last 22 bytes, before a comment of up to 64 KiB.
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new ZipFormatError('not a .npz (ZIP) archive: no end of central directory');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw new ZipFormatError('ZIP64 archives are not supported; save smaller arrays or use .npy files');
  const list: ZipMember[] = [];
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw new ZipFormatError('the central directory is damaged');
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    list.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      localHeader: view.getUint32(at + 42, true),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return list;
}

/**
 * The names of the archive's members.
 * @category Problems and references
 */
export function zipMemberNames(bytes: Uint8Array): string[] {
  return members(bytes).map((m) => m.name);
}

/**
 * The uncompressed bytes of member `name`, or `undefined` when the archive has none of that name.
 * @category Problems and references
 */
export function readZipMember(bytes: Uint8Array, name: string): Uint8Array | undefined {
  const member = members(bytes).find((m) => m.name === name);
  if (!member) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = member.localHeader;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== 0x04034b50) throw new ZipFormatError(`the local header of '${name}' is damaged`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const data = bytes.subarray(start, start + member.compressedSize);
  if (member.method === 0) return data;
  if (member.method === 8) return inflateRawSync(data);
  throw new ZipFormatError(`'${name}' is compressed with method ${member.method}; only stored (np.savez) and deflated (np.savez_compressed) members are read`);
}
