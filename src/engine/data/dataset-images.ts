/**
 * The images of an imported classification dataset at a chosen input shape: each image decoded
 * with sharp (EXIF orientation applied), brought to H x W by the resize mode (stretch, centre
 * crop, pad with black), converted to grey or RGB, and kept as bytes (HWC). The decoded set is
 * cached per (dataset items, shape, resize mode) in the dataset's cache folder, so the epochs
 * after the first, later runs on the same dataset and shape, and evaluations decode nothing.
 *
 * Decoding happens in the engine process (as feature extraction does), never on the host's event
 * loop. MNIST datasets keep their images inside idx files: those are read from the idx file and
 * resized the same way. An image that cannot be decoded is recorded as failed (zeros) and left
 * out of training; the cache keeps that too.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ClassifierInputs, ClassifierItem, InputShape, ResizeMode } from '../../shared/image-input';
import { inputShapeToString } from '../../shared/image-input';
import { readIdx } from './idx';
import type { IdxArray } from '../../shared/idx';

/** Refuse images bigger than this before decoding (decompression bombs), as the importer does. */
const MAX_PIXELS = 8192 * 8192;
const CACHE_VERSION = 1;

export interface DecodedImages {
  /** count * h * w * c bytes. */
  pixels: Uint8Array;
  /** 1 where the image decoded, 0 where it failed. */
  ok: Uint8Array;
  count: number;
  shape: [number, number, number];
  /** The cache file, and whether it was already there. */
  cacheFile: string;
  cached: boolean;
  failures: { path: string; message: string }[];
  seconds: number;
}

const FIT: Record<ResizeMode, 'fill' | 'cover' | 'contain'> = { stretch: 'fill', crop: 'cover', pad: 'contain' };

/** One image (a file, its bytes, or raw pixels) to H x W x C bytes. */
export async function decodeToShape(
  input: string | Buffer | { raw: Uint8Array; width: number; height: number; channels: 1 | 3 },
  shape: InputShape,
  resize: ResizeMode,
): Promise<Uint8Array> {
  let img =
    typeof input === 'string' || Buffer.isBuffer(input)
      ? sharp(input, { failOn: 'error', limitInputPixels: MAX_PIXELS }).rotate()
      : sharp(Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength), {
          raw: { width: input.width, height: input.height, channels: input.channels },
        });
  img = img.resize(shape.width, shape.height, { fit: FIT[resize], position: 'centre', background: { r: 0, g: 0, b: 0, alpha: 1 } });
  img = shape.channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const n = shape.height * shape.width;
  if (info.width !== shape.width || info.height !== shape.height)
    throw new Error(`resized to ${info.width}x${info.height}, expected ${shape.width}x${shape.height}`);
  if (info.channels === shape.channels) return new Uint8Array(data.buffer, data.byteOffset, n * shape.channels).slice();
  // sharp keeps a grey source grey (1 channel) or adds alpha in some paths: bring it to C here.
  const out = new Uint8Array(n * shape.channels);
  const ic = info.channels;
  for (let i = 0; i < n; i++) {
    if (shape.channels === 3) {
      const g = ic >= 3 ? -1 : (data[i * ic] as number);
      for (let k = 0; k < 3; k++) out[i * 3 + k] = g >= 0 ? g : (data[i * ic + k] as number);
    } else {
      out[i] =
        ic >= 3
          ? Math.round(0.299 * (data[i * ic] as number) + 0.587 * (data[i * ic + 1] as number) + 0.114 * (data[i * ic + 2] as number))
          : (data[i * ic] as number);
    }
  }
  return out;
}

/** Identity of the decoded set: the items (paths, frames) and how they are prepared. */
export function cacheKey(inputs: Pick<ClassifierInputs, 'root' | 'items'>, shape: InputShape, resize: ResizeMode): string {
  const h = createHash('sha256');
  h.update(`v${CACHE_VERSION}\n${inputs.root}\n${inputShapeToString(shape)}\n${resize}\n`);
  for (const it of inputs.items) h.update(`${it.path}\t${it.frame ?? ''}\n`);
  return `${inputShapeToString(shape)}-${resize}-${h.digest('hex').slice(0, 16)}`;
}

interface CacheMeta {
  version: number;
  count: number;
  shape: [number, number, number];
  resize: ResizeMode;
  ok: number[];
  failures: { path: string; message: string }[];
}

/**
 * The dataset's images at `shape`: from the cache when it holds this exact set, else decoded
 * (4 at a time; sharp decodes on libuv threads) and written to the cache (bytes first, then the
 * meta file that makes it valid, each by rename).
 */
export async function decodeDatasetImages(
  inputs: Pick<ClassifierInputs, 'root' | 'items' | 'cacheDir'>,
  shape: InputShape,
  resize: ResizeMode,
  onProgress?: (done: number, total: number) => void,
): Promise<DecodedImages> {
  const t0 = performance.now();
  const dims: [number, number, number] = [shape.height, shape.width, shape.channels];
  const px = shape.height * shape.width * shape.channels;
  const count = inputs.items.length;
  const key = cacheKey(inputs, shape, resize);
  const cacheFile = path.join(inputs.cacheDir, `${key}.u8`);
  const metaFile = path.join(inputs.cacheDir, `${key}.json`);
  const hit = readCache(cacheFile, metaFile, count, px);
  if (hit) {
    return {
      pixels: hit.pixels,
      ok: Uint8Array.from(hit.meta.ok),
      count,
      shape: dims,
      cacheFile,
      cached: true,
      failures: hit.meta.failures,
      seconds: (performance.now() - t0) / 1000,
    };
  }
  const pixels = new Uint8Array(count * px);
  const ok = new Uint8Array(count);
  const failures: { path: string; message: string }[] = [];
  const idxFiles = new Map<string, IdxArray>();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const it = inputs.items[i] as ClassifierItem;
      try {
        const bytes = await decodeItem(inputs.root, it, shape, resize, idxFiles);
        pixels.set(bytes, i * px);
        ok[i] = 1;
      } catch (e) {
        if (failures.length < 1000) failures.push({ path: it.path + (it.frame !== null ? `#${it.frame}` : ''), message: (e as Error).message });
      }
      done++;
      if (onProgress && (done % 256 === 0 || done === count)) onProgress(done, count);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  writeCache(inputs.cacheDir, cacheFile, metaFile, pixels, { version: CACHE_VERSION, count, shape: dims, resize, ok: Array.from(ok), failures });
  return { pixels, ok, count, shape: dims, cacheFile, cached: false, failures, seconds: (performance.now() - t0) / 1000 };
}

async function decodeItem(root: string, it: ClassifierItem, shape: InputShape, resize: ResizeMode, idxFiles: Map<string, IdxArray>): Promise<Uint8Array> {
  const file = path.resolve(root, it.path);
  // Paths come from the host's SQLite rows; still, never read outside the dataset's folder.
  if (file !== path.resolve(root) && !file.startsWith(path.resolve(root) + path.sep)) throw new Error('outside the dataset folder');
  if (it.frame === null) return decodeToShape(file, shape, resize);
  let idx = idxFiles.get(file);
  if (!idx) {
    idx = readIdx(file);
    idxFiles.set(file, idx);
  }
  const [n = 0, rows = 0, cols = 0] = idx.dims;
  if (it.frame < 0 || it.frame >= n) throw new Error(`image ${it.frame} is outside the idx file (${n} images)`);
  const raw = idx.data.subarray(it.frame * rows * cols, (it.frame + 1) * rows * cols);
  if (rows === shape.height && cols === shape.width && shape.channels === 1) return raw.slice();
  return decodeToShape({ raw, width: cols, height: rows, channels: 1 }, shape, resize);
}

function readCache(cacheFile: string, metaFile: string, count: number, px: number): { pixels: Uint8Array; meta: CacheMeta } | null {
  try {
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as CacheMeta;
    if (meta.version !== CACHE_VERSION || meta.count !== count || meta.ok.length !== count) return null;
    const buf = fs.readFileSync(cacheFile);
    if (buf.length !== count * px) return null;
    return { pixels: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), meta };
  } catch {
    return null;
  }
}

function writeCache(dir: string, cacheFile: string, metaFile: string, pixels: Uint8Array, meta: CacheMeta): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, pixels);
    fs.renameSync(tmp, cacheFile);
    const tmpMeta = `${metaFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmpMeta, JSON.stringify(meta));
    fs.renameSync(tmpMeta, metaFile);
  } catch {
    // A cache that cannot be written (read-only data folder, full disk) costs a decode next time, nothing else.
  }
}
