import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export type StaticResult = 'sent' | 'not_found';

/** Files up to this size are read whole; larger ones are streamed. */
const SMALL = 256 * 1024;

function inside(root: string, p: string): boolean {
  return p.startsWith(root + path.sep);
}

/**
 * Streams `rel` (a decoded URL path) from `root` (already a realpath). Only a regular file whose
 * real path is under root is served: symlinks out of it, directories, FIFOs and devices are
 * 'not_found'. O_NONBLOCK keeps opening a FIFO from parking a thread-pool thread.
 */
export async function sendStatic(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  root: string,
  rel: string,
  headers: Record<string, string>,
): Promise<StaticResult> {
  const file = path.resolve(root, '.' + rel);
  if (!inside(root, file)) return 'not_found';
  let real: string;
  try {
    real = await fs.promises.realpath(file);
  } catch {
    return 'not_found';
  }
  if (!inside(root, real)) return 'not_found';
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(real, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return 'not_found';
  }
  let stat: fs.Stats;
  try {
    stat = await fh.stat();
  } catch {
    await fh.close().catch(() => undefined);
    return 'not_found';
  }
  if (!stat.isFile()) {
    await fh.close().catch(() => undefined);
    return 'not_found';
  }
  res.writeHead(200, { ...headers, 'Content-Type': MIME[path.extname(real)] ?? 'application/octet-stream', 'Content-Length': String(stat.size) });
  if (req.method === 'HEAD' || stat.size === 0) {
    await fh.close().catch(() => undefined);
    res.end();
    return 'sent';
  }
  if (stat.size <= SMALL) {
    // One read is about twice as fast as a stream for the renderer's small files.
    const body = Buffer.alloc(stat.size);
    try {
      const { bytesRead } = await fh.read(body, 0, stat.size, 0);
      // Shrunk since fstat: the Content-Length sent would be a lie.
      if (bytesRead !== stat.size) throw new Error('short read');
    } catch {
      res.destroy();
      return 'sent';
    } finally {
      await fh.close().catch(() => undefined);
    }
    res.end(body);
    return 'sent';
  }
  // The stream owns the handle from here (autoClose); pipeline honours the socket's backpressure
  // and destroys both sides if the client goes away.
  const body = fh.createReadStream({ start: 0, end: stat.size - 1 });
  await pipeline(body, res).catch(() => {
    res.destroy();
  });
  return 'sent';
}
