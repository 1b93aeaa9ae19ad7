import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelStats, type ClassifierInputs, type ClassifierItem } from '../../shared/image-input';
import { Rng } from '../../shared/random';
import { augmentBatch } from './augment';
import { decodeDatasetImages, decodeToShape } from './dataset-images';
import { batchTensors, range, type ImageSet } from './image-set';
import { mnistDir } from './mnist';

const IMAGES = path.resolve('../shared/datasets/flickr8k-mini/images');
const FILES = fs.readdirSync(IMAGES).sort().slice(0, 12);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-dsimg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The first landscape photo (wider than high), so pad, crop and stretch differ in a known way.
let first = '';
beforeAll(async () => {
  for (const f of FILES) {
    const m = await sharp(path.join(IMAGES, f)).metadata();
    if ((m.width ?? 0) > (m.height ?? 0) * 1.2) {
      first = path.join(IMAGES, f);
      return;
    }
  }
  throw new Error('no landscape photo among the first files');
});

function inputs(files: string[], cacheDir: string): ClassifierInputs {
  const items: ClassifierItem[] = files.map((f, i) => ({ id: i + 1, path: f, frame: null, label: i % 2, split: i < 8 ? 'train' : 'test' }));
  return { dataset: { id: 'd', name: 'd', format: 'csv' }, root: IMAGES, labels: ['a', 'b'], items, cacheDir };
}

/** Mean of the rows [y0, y1) of an HWC byte image. */
function rowMean(px: Uint8Array, w: number, c: number, y0: number, y1: number): number {
  let s = 0;
  for (let i = y0 * w * c; i < y1 * w * c; i++) s += px[i] as number;
  return s / ((y1 - y0) * w * c);
}

describe('decoding a real photo to the input shape', () => {
  it('gives H x W x C bytes for every resize mode, RGB and grey', async () => {
    const meta = await sharp(first).metadata();
    expect((meta.width ?? 0) > (meta.height ?? 0)).toBe(true); // a landscape photo: the modes differ
    for (const resize of ['stretch', 'crop', 'pad'] as const) {
      expect((await decodeToShape(first, { height: 32, width: 48, channels: 3 }, resize)).length).toBe(32 * 48 * 3);
      expect((await decodeToShape(first, { height: 16, width: 16, channels: 1 }, resize)).length).toBe(16 * 16);
    }
  });

  it('pads a landscape photo with black rows above and below, crops it to its centre, stretches it whole', async () => {
    const shape = { height: 64, width: 64, channels: 3 as const };
    const pad = await decodeToShape(first, shape, 'pad');
    const crop = await decodeToShape(first, shape, 'crop');
    const stretch = await decodeToShape(first, shape, 'stretch');
    expect(rowMean(pad, 64, 3, 0, 3)).toBe(0);
    expect(rowMean(pad, 64, 3, 61, 64)).toBe(0);
    expect(rowMean(pad, 64, 3, 30, 34)).toBeGreaterThan(5);
    expect(rowMean(crop, 64, 3, 0, 3)).toBeGreaterThan(0);
    expect(Buffer.compare(Buffer.from(crop), Buffer.from(stretch))).not.toBe(0);
  });

  it('makes grey the luminance of the RGB decode', async () => {
    const rgb = await decodeToShape(first, { height: 24, width: 24, channels: 3 }, 'stretch');
    const grey = await decodeToShape(first, { height: 24, width: 24, channels: 1 }, 'stretch');
    let diff = 0;
    for (let i = 0; i < 24 * 24; i++)
      diff += Math.abs((grey[i] as number) - (0.299 * (rgb[i * 3] as number) + 0.587 * (rgb[i * 3 + 1] as number) + 0.114 * (rgb[i * 3 + 2] as number)));
    expect(diff / (24 * 24)).toBeLessThan(4);
  });

  it('resizes an MNIST image from its idx file (frame) like a file', async () => {
    const root = mnistDir();
    const inp: ClassifierInputs = {
      dataset: { id: 'm', name: 'MNIST', format: 'mnist' },
      root,
      labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      items: [0, 1].map((frame) => ({ id: frame + 1, path: 't10k-images-idx3-ubyte', frame, label: 0, split: 'test' })),
      cacheDir: path.join(tmp, 'mnist'),
    };
    const native = await decodeDatasetImages(inp, { height: 28, width: 28, channels: 1 }, 'stretch');
    expect(native.ok).toEqual(Uint8Array.from([1, 1]));
    expect(native.pixels.reduce((a, b) => a + b, 0)).toBeGreaterThan(10_000); // ink
    const big = await decodeDatasetImages(inp, { height: 32, width: 32, channels: 3 }, 'stretch');
    expect(big.pixels.length).toBe(2 * 32 * 32 * 3);
    // A grey digit stays grey in RGB: the three channels agree.
    for (let i = 0; i < 32 * 32; i++) expect(big.pixels[i * 3]).toBe(big.pixels[i * 3 + 1]);
  });
});

describe('the decoded-image cache', () => {
  it('decodes once, then reads the same bytes from the cache; another shape is another file', async () => {
    const dir = path.join(tmp, 'cache');
    const inp = inputs(FILES, dir);
    const shape = { height: 20, width: 20, channels: 3 as const };
    const a = await decodeDatasetImages(inp, shape, 'crop');
    expect(a.cached).toBe(false);
    expect(fs.existsSync(a.cacheFile)).toBe(true);
    const b = await decodeDatasetImages(inp, shape, 'crop');
    expect(b.cached).toBe(true);
    expect(b.cacheFile).toBe(a.cacheFile);
    expect(Buffer.compare(Buffer.from(b.pixels), Buffer.from(a.pixels))).toBe(0);
    const c = await decodeDatasetImages(inp, { ...shape, channels: 1 }, 'crop');
    expect(c.cached).toBe(false);
    expect(c.cacheFile).not.toBe(a.cacheFile);
    const d = await decodeDatasetImages(inp, shape, 'pad');
    expect(d.cacheFile).not.toBe(a.cacheFile);
    // A damaged cache (cut short) is decoded again, not trusted.
    fs.truncateSync(a.cacheFile, 100);
    const e = await decodeDatasetImages(inp, shape, 'crop');
    expect(e.cached).toBe(false);
    expect(Buffer.compare(Buffer.from(e.pixels), Buffer.from(a.pixels))).toBe(0);
  });

  it('records an image that cannot be decoded as failed, and keeps the others', async () => {
    const dir = path.join(tmp, 'bad');
    fs.mkdirSync(dir, { recursive: true });
    const inp = inputs([...FILES.slice(0, 3), '../../../etc/passwd', 'no-such-file.jpg'], path.join(dir, 'cache'));
    const r = await decodeDatasetImages(inp, { height: 8, width: 8, channels: 3 }, 'stretch');
    expect(Array.from(r.ok)).toEqual([1, 1, 1, 0, 0]);
    expect(r.failures.map((f) => f.path)).toEqual(['../../../etc/passwd', 'no-such-file.jpg']);
    expect(r.failures[0]?.message).toMatch(/outside the dataset folder/);
  });
});

describe('normalisation and augmentation on real photos', () => {
  it('normalises a batch to mean 0 and std 1 per channel with the training statistics', async () => {
    const inp = inputs(FILES, path.join(tmp, 'norm'));
    const d = await decodeDatasetImages(inp, { height: 16, width: 16, channels: 3 }, 'stretch');
    const px = 16 * 16 * 3;
    const norm = channelStats(d.pixels, px, 3, range(FILES.length));
    for (const s of norm.std) expect(s).toBeGreaterThan(0.05);
    const set: ImageSet = {
      pixels: d.pixels,
      labels: new Uint8Array(FILES.length),
      count: FILES.length,
      shape: [16, 16, 3],
      classes: 2,
      labelNames: ['a', 'b'],
      norm,
    };
    const { xs, ys } = batchTensors(set, range(FILES.length));
    const x = xs.dataSync();
    xs.dispose();
    ys.dispose();
    for (let c = 0; c < 3; c++) {
      let s = 0;
      let q = 0;
      let n = 0;
      for (let k = c; k < x.length; k += 3) {
        s += x[k] as number;
        q += (x[k] as number) ** 2;
        n++;
      }
      expect(Math.abs(s / n)).toBeLessThan(1e-4);
      expect(Math.sqrt(q / n - (s / n) ** 2)).toBeCloseTo(1, 3);
    }
    // Statistics of a subset differ from the whole: they come from the indices given (the training split).
    expect(channelStats(d.pixels, px, 3, [0]).mean).not.toEqual(norm.mean);
  });

  it('crops, changes brightness and contrast reproducibly from the seed, within [0,1]', async () => {
    const bytes = await decodeToShape(first, { height: 32, width: 32, channels: 3 }, 'stretch');
    const orig = Float32Array.from(bytes, (v) => v / 255);
    const run = (o: Parameters<typeof augmentBatch>[5], seed: number): Float32Array => {
      const x = orig.slice();
      augmentBatch(x, 1, 32, 32, 3, o, new Rng(seed));
      return x;
    };
    const crop = run({ shift: 0, flip: false, crop: 0.4 }, 3);
    expect(crop).toEqual(run({ shift: 0, flip: false, crop: 0.4 }, 3));
    expect(crop).not.toEqual(orig);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    const spread = (a: Float32Array): number => {
      const m = mean(a);
      return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
    };
    const bright = [1, 2, 3, 4, 5, 6].map((seed) => mean(run({ shift: 0, flip: false, brightness: 0.2 }, seed)) - mean(orig));
    for (const d of bright) expect(Math.abs(d)).toBeLessThanOrEqual(0.2 + 1e-6);
    expect(Math.max(...bright) - Math.min(...bright)).toBeGreaterThan(0.02);
    const ratios = [1, 2, 3, 4, 5, 6].map((seed) => spread(run({ shift: 0, flip: false, contrast: 0.5 }, seed)) / spread(orig));
    for (const r of ratios) expect(r).toBeLessThanOrEqual(1.5 + 1e-3);
    expect(Math.max(...ratios) - Math.min(...ratios)).toBeGreaterThan(0.1);
    for (const v of run({ shift: 2, flip: true, crop: 0.3, brightness: 0.5, contrast: 0.5 }, 9)) expect(v >= 0 && v <= 1).toBe(true);
    // Nothing on: nothing changes.
    expect(run({ shift: 0, flip: false, crop: 0, brightness: 0, contrast: 0 }, 1)).toEqual(orig);
  });
});
