/**
 * The `--queue` URL: `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`, or `rediss://` for TLS.
 * Checked before anything runs, so a typo fails at once with a message that names the part.
 */
import { UserError } from '../errors.ts';

/** Where the queue's Redis is, as ioredis takes it. */
export interface QueueAddress {
  /** Host name or address. */
  readonly host: string;
  /** TCP port (6379 unless given). */
  readonly port: number;
  /** Database index (0 unless given). */
  readonly db: number;
  /** ACL user name, when given. */
  readonly username?: string;
  /** Password, when given. */
  readonly password?: string;
  /** Whether the connection uses TLS (`rediss://`). */
  readonly tls: boolean;
  /** The URL with its password masked, for messages. */
  readonly shown: string;
}

/** Parses a `--queue` value; throws a {@link UserError} naming what is wrong. */
export function parseQueueUrl(text: string): QueueAddress {
  // A password never reaches a message.
  const shown = text.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
  const fail = (why: string): never => {
    throw new UserError(`--queue ${shown}: error: ${why}; expected redis://HOST:PORT[/DB] (rediss:// for TLS, redis://:PASSWORD@HOST:PORT with a password)`);
  };
  // WHATWG URL rejects a bad port without saying why: name it first.
  const port = /^rediss?:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/@]*):([^/?#]*)/.exec(text)?.[1];
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) fail(`the port '${port}' is not a number in 1..65535`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') fail(`the scheme is '${url.protocol.replace(/:$/, '')}', not redis or rediss`);
  if (url.hostname === '') fail('no host');
  if (url.search !== '' || url.hash !== '') fail('a query or fragment is not understood');
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) fail(`the database '${path}' is not a number`);
  const db = path === '' ? 0 : Number(path);
  if (db > 15) fail(`the database ${db} is out of Redis's default range 0..15`);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? 6379 : Number(url.port), db, tls: url.protocol === 'rediss:', shown, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}
