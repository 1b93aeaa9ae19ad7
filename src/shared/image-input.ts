/**
 * How a ConvNet sees the images of an imported classification dataset: the input shape
 * (H x W x C, RGB or grey), how an image of another aspect ratio is brought to it (stretch,
 * centre crop, pad), the per-channel normalisation measured on the training split, and what the
 * host hands the engine for a dataset run (`ClassifierInputs`, written as
 * `<runDir>/classifier-inputs.json`). Pure TypeScript: the run spec, the engine's data pipeline,
 * the host and the forms read it.
 */
import { z } from 'zod';
import type { SplitName } from './dataset-schema';

export const RESIZE_MODES = ['stretch', 'crop', 'pad'] as const;
/** stretch: scale each axis to fit (aspect ratio changes); crop: scale to cover, keep the centre; pad: scale to fit inside, black borders. */
export const ResizeMode = z.enum(RESIZE_MODES);
export type ResizeMode = z.infer<typeof ResizeMode>;

export interface InputShape {
  height: number;
  width: number;
  /** 1: greyscale, 3: RGB. */
  channels: 1 | 3;
}

export const MAX_INPUT_SIDE = 512;

/** `64x64x3`, `28x28x1`, `32x32` (RGB): the message names what is wrong. */
export function parseInputShape(text: string): InputShape {
  const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*(?:[x×]\s*(\d+))?\s*$/i.exec(text);
  if (!m) throw new Error(`input ${JSON.stringify(text)}: expected HxWxC, e.g. 64x64x3 (RGB) or 28x28x1 (grey)`);
  const height = Number(m[1]);
  const width = Number(m[2]);
  const channels = m[3] === undefined ? 3 : Number(m[3]);
  for (const [what, v] of [
    ['height', height],
    ['width', width],
  ] as const)
    if (!(v >= 1 && v <= MAX_INPUT_SIDE)) throw new Error(`input ${text}: ${what} ${v} is outside 1..${MAX_INPUT_SIDE}`);
  if (channels !== 1 && channels !== 3) throw new Error(`input ${text}: ${channels} channels; use 1 (grey) or 3 (RGB)`);
  return { height, width, channels };
}

export const inputShapeToString = (s: InputShape): string => `${s.height}x${s.width}x${s.channels}`;
export const inputShapeArray = (s: InputShape): [number, number, number] => [s.height, s.width, s.channels];

/** An input shape as a run parameter: the typed string, checked; stored as typed (normalised). */
export const InputShapeParam = z
  .string()
  .trim()
  .transform((s, ctx) => {
    try {
      return inputShapeToString(parseInputShape(s));
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

/** One labelled image of a dataset run, as the host resolved it from SQLite. */
export interface ClassifierItem {
  /** The dataset item's id (thumbnails, links from the mistakes list). */
  id: number;
  /** Image file relative to `root` (or the idx file of an MNIST dataset). */
  path: string;
  /** Image index inside an idx file (MNIST datasets), else null. */
  frame: number | null;
  /** Class index into `labels`. */
  label: number;
  split: SplitName;
}

/** What the host resolves a dataset run's (or evaluation's) images to; the engine decodes from it. */
export interface ClassifierInputs {
  dataset: { id: string; name: string; format: string };
  /** Folder the items' paths are relative to. */
  root: string;
  /** Class names by index. */
  labels: string[];
  items: ClassifierItem[];
  /** Where decoded, resized images are cached for this dataset (one file per shape and resize mode). */
  cacheDir: string;
}

export const CLASSIFIER_INPUTS_FILE = 'classifier-inputs.json';

/** The input side of a trained classifier, kept in its checkpoints: eval and predict prepare images the same way. */
export interface ClassifierInputState {
  shape: [number, number, number];
  resize: ResizeMode;
  /** Per-channel mean and standard deviation of the training images (pixel values in [0,1]); identity for MNIST runs. */
  mean: number[];
  std: number[];
  labels: string[];
  dataset: string;
}

/**
 * Per-channel mean and standard deviation of the images at `idx` of `pixels` (bytes, HWC per
 * image), as values in [0,1]. A constant channel gets std 1 (nothing to scale).
 */
export function channelStats(pixels: Uint8Array, px: number, channels: number, idx: ArrayLike<number>): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  let n = 0;
  for (let i = 0; i < idx.length; i++) {
    const base = (idx[i] as number) * px;
    for (let k = 0; k < px; k += channels) {
      for (let c = 0; c < channels; c++) {
        const v = (pixels[base + k + c] as number) / 255;
        sum[c] = (sum[c] as number) + v;
        sq[c] = (sq[c] as number) + v * v;
      }
    }
    n += px / channels;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = n ? (sum[c] as number) / n : 0;
    const v = n ? (sq[c] as number) / n - m * m : 0;
    mean.push(m);
    std.push(v > 1e-12 ? Math.sqrt(v) : 1);
  }
  return { mean, std };
}
