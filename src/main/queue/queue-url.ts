/**
 * The Redis a coordinator and its workers share: its URL (flag > setting > MLBL_QUEUE) and the
 * connections made to it. `redis://[user:password@]host:port[/db]` or `rediss://` (TLS); the
 * password and TLS options pass through to ioredis untouched and are never printed.
 */
import { Redis } from 'ioredis';

/** The queue URL to use, or undefined for the embedded default (this machine, no Redis). */
export function resolveQueueUrl(flag?: string, setting?: string): string | undefined {
  const url = flag ?? (setting || undefined) ?? (process.env.MLBL_QUEUE || undefined);
  if (url === undefined) return undefined;
  checkQueueUrl(url);
  return url;
}

export function checkQueueUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`queue URL ${JSON.stringify(redactUrl(url))}: not a URL (expected redis://HOST:PORT or rediss://HOST:PORT)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`queue URL ${redactUrl(url)}: the scheme must be redis:// or rediss:// (TLS)`);
  if (!u.hostname) throw new Error(`queue URL ${redactUrl(url)}: no host`);
}

/** A URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * A connection to the queue's Redis. `maxRetriesPerRequest: null` is what BullMQ's blocking
 * commands need; a Redis that cannot be reached is reported once with the (redacted) URL.
 */
export function connectRedis(url: string, name: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
  let said = false;
  r.on('error', (e: Error) => {
    if (said) return;
    said = true;
    process.stderr.write(`mlbl: queue ${redactUrl(url)}: ${e.message}\n`);
  });
  r.on('ready', () => (said = false));
  return r;
}
