/**
 * Reading files a user (or a web page holding the token) names, without letting one file take
 * the process down: only regular files are opened, under a size limit; FIFOs, sockets and
 * devices are refused by name BEFORE open (opening a FIFO blocks one of libuv's four pool threads
 * until a writer comes); kernel pseudo-files (/proc, /sys, /dev) are refused because they report
 * size 0 and may hold secrets. Errors name the file and the reason, never its contents.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A file that is not read, and why (the message names the file, never its contents). */
export class FileRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileRefusedError';
  }
}

const MiB = 1024 * 1024;
export const fmtBytes = (n: number): string =>
  n >= 1024 * MiB ? `${(n / (1024 * MiB)).toFixed(1)} GiB` : n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`;

/** What a non-regular file is, for messages ("a FIFO"); null for a regular file. */
export function kindOf(st: fs.Stats): string | null {
  if (st.isFile()) return null;
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];
/** True for a resolved path under /proc, /sys or /dev (Linux). */
export const isKernelPath = (real: string): boolean => process.platform === 'linux' && PSEUDO_ROOTS.some((r) => real === r || real.startsWith(`${r}/`));

export interface CheckedFile {
  real: string;
  size: number;
  stat: fs.Stats;
}

/**
 * Checks that `file` is a regular file no bigger than `maxBytes`, without opening it. `label` is
 * how messages name it (default: the path as given).
 */
export async function checkRegularFile(file: string, maxBytes: number, label = file): Promise<CheckedFile> {
  let real: string;
  let st: fs.Stats;
  try {
    real = await fs.promises.realpath(file);
    st = await fs.promises.stat(real);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileRefusedError(
      code === 'ENOENT'
        ? `${label} does not exist`
        : code === 'EACCES'
          ? `${label} cannot be read (permission denied)`
          : `${label} cannot be read (${code ?? 'error'})`,
    );
  }
  const kind = kindOf(st);
  if (kind) throw new FileRefusedError(`${label} is ${kind}, not a regular file`);
  if (isKernelPath(real)) throw new FileRefusedError(`${label} is a kernel pseudo-file (under ${real.split('/').slice(0, 2).join('/')}), not a data file`);
  if (st.size > maxBytes) throw new FileRefusedError(`${label} is too large: ${fmtBytes(st.size)} (the limit is ${fmtBytes(maxBytes)})`);
  return { real, size: st.size, stat: st };
}

/**
 * Opens a checked regular file for reading. O_NONBLOCK makes an open that races with the file
 * being replaced by a FIFO return at once instead of blocking; fstat after open confirms it is
 * still the same regular file.
 */
export async function openRegularFile(file: string, maxBytes: number, label = file): Promise<{ fh: fs.promises.FileHandle; size: number; real: string }> {
  const c = await checkRegularFile(file, maxBytes, label);
  const fh = await fs.promises.open(c.real, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.ino !== c.stat.ino || st.dev !== c.stat.dev) throw new FileRefusedError(`${label} changed while it was being opened`);
    if (st.size > maxBytes) throw new FileRefusedError(`${label} is too large: ${fmtBytes(st.size)} (the limit is ${fmtBytes(maxBytes)})`);
    return { fh, size: st.size, real: c.real };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Up to `bytes` from the start of a checked regular file. */
export async function readHead(file: string, bytes: number, maxBytes: number, label = file): Promise<Buffer> {
  const { fh } = await openRegularFile(file, maxBytes, label);
  try {
    const b = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(b, 0, bytes, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The whole of a checked regular file (for files that are parsed whole: COCO JSON, idx labels). */
export async function readWhole(file: string, maxBytes: number, label = file): Promise<Buffer> {
  const { fh } = await openRegularFile(file, maxBytes, label);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * Chunks of a checked regular file (refused above `maxBytes`), at most `stopAfter` bytes in all
 * (default `maxBytes`: a file that grows while read is cut there), stopping with an error once
 * `deadline` (ms since the epoch) has passed.
 */
export async function* readChunks(
  file: string,
  opts: { maxBytes: number; stopAfter?: number; label?: string; deadline?: number; chunk?: number; onBytes?: (n: number) => void },
): AsyncGenerator<Buffer> {
  const label = opts.label ?? file;
  const { fh } = await openRegularFile(file, opts.maxBytes, label);
  const limit = Math.min(opts.stopAfter ?? opts.maxBytes, opts.maxBytes);
  try {
    const buf = Buffer.alloc(opts.chunk ?? 1 << 16);
    let pos = 0;
    for (;;) {
      if (opts.deadline !== undefined && Date.now() > opts.deadline)
        throw new FileRefusedError(`${label}: reading took too long (stopped after ${fmtBytes(pos)})`);
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, limit - pos), pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      opts.onBytes?.(pos);
      // A copy: the consumer may keep it while the next read reuses `buf`.
      yield Buffer.from(buf.subarray(0, bytesRead));
      if (pos >= limit) return;
    }
  } finally {
    await fh.close();
  }
}

/** True when `real` (a resolved path) is `root` or lies under it (`root` resolved too). */
export function isUnder(root: string, real: string): boolean {
  const r = path.relative(root, real);
  return r === '' || (!r.startsWith(`..${path.sep}`) && r !== '..' && !path.isAbsolute(r));
}
