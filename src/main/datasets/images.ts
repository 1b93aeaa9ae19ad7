import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { FileRefusedError, checkRegularFile, isUnder, readWhole, type CheckedFile } from '../safe-files';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif']);
export const isImageName = (name: string): boolean => IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());

export type Probe =
  | { ok: true; width: number; height: number; bytes: number; format: string }
  | { ok: false; reason: 'missing_image' | 'undecodable_image' | 'unsupported_file'; message: string };

/** The container format from the first bytes. */
export function sniffFormat(b: Uint8Array): string | null {
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpeg';
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) return 'webp';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'gif';
  if (b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if ((b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d)) return 'tiff';
  if (b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70) return 'heif';
  return null;
}

const SMALL_FILE = 512 * 1024;
/** Image files bigger than this are not read. */
export const MAX_IMAGE_BYTES = 512 * 1024 * 1024;
/**
 * Images with more pixels are refused from their header, before any decode (a 31 KB PNG can
 * claim 16000 x 16000). Passed to sharp as `limitInputPixels` too. 8192 x 8192.
 */
export const MAX_IMAGE_PIXELS = 8192 * 8192;
/** ... and so are images whose decoded pixels would take more than this. */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;
/** Up to this many pixels an image is decoded whole; above, with shrink-on-load (bounded memory). */
const FULL_DECODE_PIXELS = 16 * 1024 * 1024;

const BYTES_PER_SAMPLE: Record<string, number> = { uchar: 1, char: 1, ushort: 2, short: 2, uint: 4, int: 4, float: 4, complex: 8, double: 8, dpcomplex: 16 };
const mpx = (n: number): string => `${(n / 1e6).toFixed(1)} Mpx`;

/** Why an image is too big to decode, from its header (sharp().metadata()), or null. */
export function tooBigToDecode(meta: { width?: number; height?: number; channels?: number; depth?: string; pages?: number }): string | null {
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const px = w * h;
  if (px > MAX_IMAGE_PIXELS) return `too large to decode: ${w} x ${h} pixels (${mpx(px)}; the limit is ${mpx(MAX_IMAGE_PIXELS)})`;
  const bytes = px * (meta.channels ?? 4) * (BYTES_PER_SAMPLE[meta.depth ?? 'uchar'] ?? 4);
  if (bytes > MAX_DECODED_BYTES)
    return `too large to decode: ${w} x ${h} pixels would take ${Math.round(bytes / 2 ** 20)} MiB decoded (the limit is ${MAX_DECODED_BYTES / 2 ** 20} MiB)`;
  return null;
}

/**
 * Checks one image file. `decode` decodes every pixel (that is what catches a truncated JPEG);
 * small images are decoded whole, big ones with shrink-on-load. `header` reads only the header.
 * Either way the header is read first and an image too big to decode is refused before any
 * pixel is (decompression bombs). Only regular files are opened. Sizes are as displayed (EXIF
 * orientation applied).
 */
export async function probeImage(file: string, verify: 'decode' | 'header' = 'decode'): Promise<Probe> {
  let c: CheckedFile;
  try {
    c = await checkRegularFile(file, MAX_IMAGE_BYTES, path.basename(file));
  } catch (e) {
    if (!(e instanceof FileRefusedError)) throw e;
    if (/does not exist$/.test(e.message)) return { ok: false, reason: 'missing_image', message: 'the image file does not exist' };
    return { ok: false, reason: 'unsupported_file', message: e.message };
  }
  if (c.size === 0) return { ok: false, reason: 'undecodable_image', message: 'the image file is empty' };
  try {
    const small = c.size <= SMALL_FILE;
    const input = small ? await readWhole(c.real, SMALL_FILE, path.basename(file)) : c.real;
    let format: string | null = null;
    if (Buffer.isBuffer(input)) {
      format = sniffFormat(input);
      if (!format) return { ok: false, reason: 'undecodable_image', message: 'not an image (unknown file signature)' };
    }
    const img = (): Sharp => sharp(input, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS });
    // The header alone (no pixel limit: sharp would refuse without saying the size), then the checks.
    const meta = await sharp(input, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return { ok: false, reason: 'undecodable_image', message: 'no image size in the header' };
    const big = tooBigToDecode(meta);
    if (big) return { ok: false, reason: 'undecodable_image', message: big };
    if (verify === 'decode') {
      if (small && meta.width * meta.height <= FULL_DECODE_PIXELS) await img().rotate().raw().toBuffer();
      else
        await img()
          .resize(Math.max(1, Math.ceil(meta.width / 8)), null, { fastShrinkOnLoad: true })
          .raw()
          .toBuffer();
    }
    const swap = (meta.orientation ?? 1) >= 5;
    return {
      ok: true,
      width: swap ? meta.height : meta.width,
      height: swap ? meta.width : meta.height,
      bytes: c.size,
      format: format ?? meta.format ?? path.extname(file).slice(1).toLowerCase(),
    };
  } catch (e) {
    return { ok: false, reason: 'undecodable_image', message: `cannot decode: ${firstLine((e as Error).message)}` };
  }
}

const firstLine = (s: string): string => s.split('\n')[0]?.trim() ?? s;

/** Resolves a relative image path under `root`; null when it would escape the folder (by its text). */
export function resolveInside(root: string, rel: string): string | null {
  const abs = path.resolve(root, rel);
  const r = path.relative(root, abs);
  if (!r || r.startsWith('..') || path.isAbsolute(r)) return null;
  return abs;
}

export type Resolved = { ok: true; file: string } | { ok: false; reason: 'missing_image' | 'unsupported_file'; message: string };

/**
 * Resolves a relative image path under `rootReal` (a realpath) to the file it really is:
 * symbolic links are followed, and a path whose target lies outside the folder (a link to a file
 * elsewhere, or a file inside a linked folder) is refused, as is `../` by its text.
 */
export async function resolveInsideReal(rootReal: string, rel: string): Promise<Resolved> {
  const abs = resolveInside(rootReal, rel);
  if (!abs) return { ok: false, reason: 'missing_image', message: 'the path points outside the images folder' };
  let real: string;
  try {
    real = await fs.promises.realpath(abs);
  } catch {
    return { ok: false, reason: 'missing_image', message: 'the image file does not exist' };
  }
  if (!isUnder(rootReal, real) || real === rootReal)
    return {
      ok: false,
      reason: 'unsupported_file',
      message: 'a symbolic link (or a file in a linked folder) that leads outside the dataset folder: not followed',
    };
  return { ok: true, file: real };
}

/** Sorted entries of a folder (names only), or [] when it cannot be read. */
export async function sortedEntries(dir: string): Promise<fs.Dirent[]> {
  try {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/** Every file under `dir`, depth first in name order, as paths relative to `dir` (POSIX slashes). */
export async function* walkFiles(dir: string, prefix = ''): AsyncGenerator<string> {
  for (const e of await sortedEntries(dir)) {
    if (e.name.startsWith('.')) continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walkFiles(path.join(dir, e.name), rel);
    else yield rel; // links, FIFOs, sockets too: the importer reports them (and never opens a non-file)
  }
}

/** Runs `fn` over items with at most `limit` in flight, results in input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}
