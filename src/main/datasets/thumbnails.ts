/**
 * Thumbnails, made lazily with sharp and cached on disk under
 * `<dataDir>/datasets/<id>/thumbs/<itemId>-<size>.webp`. Clients ask by item id only; the file
 * behind the item comes from the store.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { Thumbnail } from '../../shared/dataset-schema';
import { parseIdxHeader } from '../../shared/idx';
import { FileRefusedError, checkRegularFile, isUnder, openRegularFile } from '../safe-files';
import type { ItemImageSource } from './dataset-store';
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, tooBigToDecode } from './images';
import { MAX_IDX_IMAGES_BYTES } from './sources';

export class ThumbnailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThumbnailError';
  }
}

/** Size of a thumbnail that fits in size x size, keeping the aspect ratio. */
export function thumbSize(width: number, height: number, size: number): [number, number] {
  const s = size / Math.max(width, height, 1);
  return [Math.max(1, Math.round(width * s)), Math.max(1, Math.round(height * s))];
}

export class Thumbnails {
  private readonly inflight = new Map<string, Promise<Buffer>>();

  constructor(private readonly dataDir: string) {}

  file(datasetId: string, itemId: number, size: number): string {
    return path.join(this.dataDir, 'datasets', datasetId, 'thumbs', `${itemId}-${size}.webp`);
  }

  async get(src: ItemImageSource, size: number): Promise<Thumbnail> {
    if (!src.file || !src.width || !src.height) throw new ThumbnailError(`item ${src.itemId} has no image`);
    const [w, h] = thumbSize(src.width, src.height, size);
    const file = this.file(src.datasetId, src.itemId, size);
    let buf: Buffer;
    try {
      // A cache hit is a few KB in the page cache: a sync read is ~10x faster than going through
      // libuv's thread pool (which sharp keeps busy), and a page of 200 stays well under 50 ms.
      buf = fs.readFileSync(file);
    } catch {
      let p = this.inflight.get(file);
      if (!p) {
        p = this.make(src, file, w, h).finally(() => this.inflight.delete(file));
        this.inflight.set(file, p);
      }
      buf = await p;
    }
    return { itemId: src.itemId, dataUrl: `data:image/webp;base64,${buf.toString('base64')}`, width: w, height: h };
  }

  /** The image's real path, if it is a regular file that really lies inside its dataset's folder. */
  private async checkedImage(src: ItemImageSource): Promise<string> {
    const file = src.file as string;
    let real: string;
    let root: string;
    try {
      real = await fs.promises.realpath(file);
      root = src.root ? await fs.promises.realpath(src.root) : path.dirname(real);
    } catch {
      throw new ThumbnailError(`the image of item ${src.itemId} is no longer on disk`);
    }
    if (!isUnder(root, real) || real === root)
      throw new ThumbnailError(`the image of item ${src.itemId} is a link that leads outside the dataset folder; not served`);
    try {
      await checkRegularFile(real, MAX_IMAGE_BYTES, `the image of item ${src.itemId}`);
    } catch (e) {
      throw e instanceof FileRefusedError ? new ThumbnailError(e.message) : e;
    }
    return real;
  }

  private async make(src: ItemImageSource, file: string, w: number, h: number): Promise<Buffer> {
    let img: Sharp;
    if (src.frame !== null) {
      img = sharp(await readIdxFrame(src.file as string, src.frame), { raw: { width: src.width as number, height: src.height as number, channels: 1 } }).resize(
        w,
        h,
        { fit: 'fill', kernel: 'nearest' },
      );
    } else {
      // Checked again now, not only at import: the file may since have become a link leading
      // out of the folder, a FIFO, or a bigger image.
      const real = await this.checkedImage(src);
      img = sharp(real, { failOn: 'none', limitInputPixels: MAX_IMAGE_PIXELS });
      let big: string | null;
      try {
        big = tooBigToDecode(await sharp(real, { limitInputPixels: false }).metadata());
      } catch (e) {
        throw new ThumbnailError(`cannot make a thumbnail of item ${src.itemId}: ${(e as Error).message.split('\n')[0]}`);
      }
      if (big) throw new ThumbnailError(`no thumbnail for item ${src.itemId}: the image is ${big}`);
      img = img.rotate().resize(w, h, { fit: 'fill', fastShrinkOnLoad: true });
    }
    let buf: Buffer;
    try {
      buf = await img.webp({ quality: 75, effort: 2 }).toBuffer();
    } catch (e) {
      const gone = !fs.existsSync(src.file as string);
      throw new ThumbnailError(
        gone ? `the image of item ${src.itemId} is no longer on disk` : `cannot make a thumbnail of item ${src.itemId}: ${(e as Error).message.split('\n')[0]}`,
      );
    }
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.promises.writeFile(tmp, buf);
    await fs.promises.rename(tmp, file);
    return buf;
  }
}

async function readIdxFrame(file: string, frame: number): Promise<Buffer> {
  let fh: fs.promises.FileHandle;
  try {
    ({ fh } = await openRegularFile(file, MAX_IDX_IMAGES_BYTES, path.basename(file)));
  } catch (e) {
    throw e instanceof FileRefusedError ? new ThumbnailError(e.message) : e;
  }
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    const { dims, dataOffset } = parseIdxHeader(head, path.basename(file));
    const n = (dims[1] ?? 0) * (dims[2] ?? 0);
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, dataOffset + frame * n);
    if (bytesRead < n) throw new ThumbnailError(`${path.basename(file)}: image ${frame} is truncated`);
    return buf;
  } finally {
    await fh.close();
  }
}
