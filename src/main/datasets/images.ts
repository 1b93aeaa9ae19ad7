import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif']);
export const isImageName = (name: string): boolean => IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());

export type Probe =
  | { ok: true; width: number; height: number; bytes: number; format: string }
  | { ok: false; reason: 'missing_image' | 'undecodable_image'; message: string };

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

/**
 * Checks one image file. `decode` decodes every pixel (that is what catches a truncated JPEG);
 * small files are decoded from one read, big ones with shrink-on-load. `header` reads only the
 * header. Sizes are as displayed (EXIF orientation applied).
 */
export async function probeImage(file: string, verify: 'decode' | 'header' = 'decode'): Promise<Probe> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch {
    return { ok: false, reason: 'missing_image', message: 'the image file does not exist' };
  }
  if (!st.isFile()) return { ok: false, reason: 'missing_image', message: 'not a file' };
  if (st.size === 0) return { ok: false, reason: 'undecodable_image', message: 'the image file is empty' };
  try {
    if (verify === 'decode' && st.size <= SMALL_FILE) {
      const buf = await fs.promises.readFile(file);
      const format = sniffFormat(buf);
      if (!format) return { ok: false, reason: 'undecodable_image', message: 'not an image (unknown file signature)' };
      const { info } = await sharp(buf, { failOn: 'error' }).rotate().raw().toBuffer({ resolveWithObject: true });
      return { ok: true, width: info.width, height: info.height, bytes: st.size, format };
    }
    const img = sharp(file, { failOn: 'error', limitInputPixels: 1 << 28 });
    const meta = await img.metadata();
    if (!meta.width || !meta.height) return { ok: false, reason: 'undecodable_image', message: 'no image size in the header' };
    if (verify === 'decode') await img.resize(Math.max(1, Math.ceil(meta.width / 8)), null, { fastShrinkOnLoad: true }).raw().toBuffer();
    const swap = (meta.orientation ?? 1) >= 5;
    return { ok: true, width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height, bytes: st.size, format: meta.format ?? path.extname(file).slice(1).toLowerCase() };
  } catch (e) {
    return { ok: false, reason: 'undecodable_image', message: `cannot decode: ${firstLine((e as Error).message)}` };
  }
}

const firstLine = (s: string): string => s.split('\n')[0]?.trim() ?? s;

/** Resolves a relative image path under `root`; null when it would escape the folder. */
export function resolveInside(root: string, rel: string): string | null {
  const abs = path.resolve(root, rel);
  const r = path.relative(root, abs);
  if (!r || r.startsWith('..') || path.isAbsolute(r)) return null;
  return abs;
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
    else if (e.isFile() || e.isSymbolicLink()) yield rel;
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
