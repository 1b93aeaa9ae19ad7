/**
 * Caption data for the language models: reads an `image,caption` CSV, groups captions by image,
 * splits images deterministically from a seed, and turns captions into n-gram training
 * instances (context ids [N, n], target ids [N], image row [N]) as the authors' code does
 * (`lm_tools.model_inputs`): n `<start>` tokens, the words, `<end>`; every word after the
 * starts, `<end>` included, is one predicted word.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CsvSyntaxError, parseCsv } from '../../shared/csv';
import { tokenize } from '../../shared/tokenize';
import type { Vocab } from '../../shared/vocabulary';
import { Rng } from '../../shared/random';

export type SplitName = 'train' | 'validation' | 'test';
const SPLIT_NAMES: readonly string[] = ['train', 'validation', 'test'];

/** `split`: from an optional `split` column (a dataset's own split, written by the host for `dataset=ID` runs). */
export interface CaptionRow {
  image: string;
  caption: string;
  split?: SplitName;
}

export interface ImageCaptions {
  image: string;
  captions: string[];
  /** tokenize(caption) for each caption. */
  tokens: string[][];
  /** The image's split when the captions file names one. */
  split?: SplitName;
}

/**
 * Rows of a captions CSV whose header names `image` and `caption` columns (and optionally
 * `split`: then every row must say train, validation or test).
 */
export function readCaptionsCsv(file: string | undefined): CaptionRow[] {
  if (file === undefined) throw new Error('captions: no captions file (a dataset=ID run is resolved to one by the host before the engine starts)');
  let rows: { fields: string[]; line: number }[];
  try {
    rows = parseCsv(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new Error(`${file}: ${e.message}`, { cause: e });
    throw e;
  }
  const head = rows[0]?.fields ?? [];
  const header = head.map((h) => h.trim().toLowerCase());
  const ii = header.indexOf('image');
  const ci = header.indexOf('caption');
  const si = header.indexOf('split');
  if (ii < 0 || ci < 0) throw new Error(`${file}: expected a header with "image" and "caption" columns, got ${JSON.stringify(head)}`);
  const out: CaptionRow[] = [];
  for (const { fields: row, line } of rows.slice(1)) {
    const image = (row[ii] ?? '').trim();
    const caption = (row[ci] ?? '').trim();
    if (!image || !caption) continue;
    if (si < 0) {
      out.push({ image, caption });
      continue;
    }
    const split = (row[si] ?? '').trim().toLowerCase();
    if (!SPLIT_NAMES.includes(split)) throw new Error(`${file}: line ${line}: split ${JSON.stringify(row[si] ?? '')} is not train, validation or test`);
    out.push({ image, caption, split: split as SplitName });
  }
  return out;
}

/** Captions grouped by image, images in order of first appearance. */
export function groupByImage(rows: readonly CaptionRow[]): ImageCaptions[] {
  const map = new Map<string, ImageCaptions>();
  for (const r of rows) {
    let g = map.get(r.image);
    if (!g) {
      g = { image: r.image, captions: [], tokens: [], ...(r.split ? { split: r.split } : {}) };
      map.set(r.image, g);
    } else if (r.split !== g.split) throw new Error(`image ${r.image} is in two splits (${g.split ?? 'none'} and ${r.split ?? 'none'})`);
    g.captions.push(r.caption);
    g.tokens.push(tokenize(r.caption));
  }
  return [...map.values()];
}

export interface ImageSplit {
  train: ImageCaptions[];
  validation: ImageCaptions[];
  test: ImageCaptions[];
}

/**
 * Deterministic split by image: the image names are sorted (so the CSV's row order does not
 * matter), shuffled with the seed, and the first round(N * test) go to test, the next
 * round(N * validation) to validation, the rest to train (in the shuffled order).
 */
export function splitByImage(images: readonly ImageCaptions[], seed: number, validation: number, test: number): ImageSplit {
  // A split named by the captions file (a dataset's own) wins over the seed, in the file's order.
  if (images.length > 0 && images.every((im) => im.split !== undefined)) return splitFromFile(images);
  const sorted = [...images].sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
  const order = new Rng(seed ^ 0x5f3759df).permutation(sorted.length);
  const shuffled = Array.from(order, (i) => sorted[i] as ImageCaptions);
  const nTest = Math.round(sorted.length * test);
  const nVal = Math.round(sorted.length * validation);
  return { test: shuffled.slice(0, nTest), validation: shuffled.slice(nTest, nTest + nVal), train: shuffled.slice(nTest + nVal) };
}

/** The split the captions file names for each image. */
export function splitFromFile(images: readonly ImageCaptions[]): ImageSplit {
  const out: ImageSplit = { train: [], validation: [], test: [] };
  for (const im of images) {
    if (!im.split) throw new Error(`image ${im.image} has no split`);
    out[im.split].push(im);
  }
  return out;
}

export interface Instances {
  /** Number of predicted words. */
  count: number;
  n: number;
  /** [count, n] context word ids, oldest first. */
  contexts: Int32Array;
  /** [count] the predicted word ids. */
  targets: Int32Array;
  /** [count] row of the image in the split's image list (-1 when there is no image). */
  images: Int32Array;
  /** [count] caption number within the split (captions numbered image by image). */
  captions: Int32Array;
  /** Number of captions. */
  captionCount: number;
  /** Image row of each caption. */
  captionImage: Int32Array;
  /** Predicted words of each caption (`<end>` included). */
  captionLength: Int32Array;
}

/** n-gram instances of every caption of `images` (image row = index in `images`). */
export function buildInstances(images: readonly ImageCaptions[], vocab: Vocab, n: number): Instances {
  let count = 0;
  let captionCount = 0;
  for (const im of images)
    for (const t of im.tokens) {
      count += t.length + 1;
      captionCount++;
    }
  const contexts = new Int32Array(count * n);
  const targets = new Int32Array(count);
  const imgs = new Int32Array(count);
  const caps = new Int32Array(count);
  const captionImage = new Int32Array(captionCount);
  const captionLength = new Int32Array(captionCount);
  let k = 0;
  let c = 0;
  images.forEach((im, imageRow) => {
    for (const t of im.tokens) {
      const seq = [...Array<number>(n).fill(vocab.start), ...vocab.encodeTokens(t), vocab.end];
      for (let pos = n; pos < seq.length; pos++) {
        for (let j = 0; j < n; j++) contexts[k * n + j] = seq[pos - n + j] as number;
        targets[k] = seq[pos] as number;
        imgs[k] = imageRow;
        caps[k] = c;
        k++;
      }
      captionImage[c] = imageRow;
      captionLength[c] = t.length + 1;
      c++;
    }
  });
  return { count, n, contexts, targets, images: imgs, captions: caps, captionCount, captionImage, captionLength };
}

/**
 * `images` without every image named in another captions CSV (`excludeImagesOf`), compared by
 * file name (folders ignored): a text-only pretraining corpus must not contain the images, and so
 * the captions, that a later run validates and tests on.
 */
export function excludeImagesOf(images: readonly ImageCaptions[], csv: string): { kept: ImageCaptions[]; excluded: number; named: number } {
  const names = new Set(readCaptionsCsv(csv).map((r) => path.basename(r.image)));
  const kept = images.filter((im) => !names.has(path.basename(im.image)));
  return { kept, excluded: images.length - kept.length, named: names.size };
}
