/** Test helpers: real image files made with sharp in temporary folders. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import zlib from 'node:zlib';

export function tmpDir(prefix = 'mlbl-ds-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small real image; the colour depends on `seed` so files differ. */
export async function writeImage(file: string, opts: { width?: number; height?: number; seed?: number; format?: 'jpeg' | 'png' | 'webp' } = {}): Promise<void> {
  const { width = 40, height = 30, seed = 0 } = opts;
  const format = opts.format ?? (/\.png$/i.test(file) ? 'png' : /\.webp$/i.test(file) ? 'webp' : 'jpeg');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7 + seed * 31 + (i % width) * 3) & 255;
  await sharp(px, { raw: { width, height, channels: 3 } })
    .toFormat(format, format === 'jpeg' ? { quality: 90 } : {})
    .toFile(file);
}

/** A JPEG cut short: its header is fine, its pixels end early. */
export async function writeTruncatedJpeg(file: string): Promise<void> {
  await writeImage(file, { width: 64, height: 48, seed: 99, format: 'jpeg' });
  const b = fs.readFileSync(file);
  fs.writeFileSync(file, b.subarray(0, Math.floor(b.length * 0.55)));
}

export function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** IDX files: `n` images of rows x cols unsigned bytes and their labels. */
export function writeIdx(dir: string, prefix: string, n: number, opts: { rows?: number; cols?: number; truncateImages?: number; labels?: boolean } = {}): void {
  const { rows = 28, cols = 28 } = opts;
  fs.mkdirSync(dir, { recursive: true });
  const head = Buffer.alloc(16);
  head.writeUInt32BE(0x00000803, 0);
  head.writeUInt32BE(n, 4);
  head.writeUInt32BE(rows, 8);
  head.writeUInt32BE(cols, 12);
  const px = Buffer.alloc(n * rows * cols);
  for (let i = 0; i < px.length; i++) px[i] = (i * 13) & 255;
  let img = Buffer.concat([head, px]);
  if (opts.truncateImages) img = img.subarray(0, img.length - opts.truncateImages);
  fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), img);
  if (opts.labels !== false) {
    const lh = Buffer.alloc(8);
    lh.writeUInt32BE(0x00000801, 0);
    lh.writeUInt32BE(n, 4);
    fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), Buffer.concat([lh, Buffer.from(Array.from({ length: n }, (_, i) => i % 10))]));
  }
}

export const FLICKR_MINI = fileURLToPath(new URL('../../../../shared/datasets/flickr8k-mini', import.meta.url));
export const FLICKR_CAPTIONS = fileURLToPath(new URL('../../../../shared/datasets/flickr8k-captions', import.meta.url));

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A decompression bomb: a valid 1-bit greyscale PNG of side x side black pixels (16000: about
 * 31 KB on disk, 256 M pixels decoded). Written by hand so making it costs no decode.
 */
export function writeBombPng(file: string, side = 16000): void {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const row = 1 + Math.ceil(side / 8); // filter byte + packed bits
  const idat = zlib.deflateSync(Buffer.alloc(row * side), { level: 9 });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', idat),
      pngChunk('IEND', Buffer.alloc(0)),
    ]),
  );
}
