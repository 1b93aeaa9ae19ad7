/**
 * ConvNet input-pipeline benchmark (issue 16, `--only convnet-input`): the 800 real photos of
 * flickr8k-mini at 64x64x3 (labels-dog.csv), through the engine's data pipeline.
 *
 *   decode_cold   decode + resize + cache write of all 800 (sharp, 4 at a time), images/s
 *   decode_cached the same set read back from the cache, images/s
 *   batches       training batches of 64 as the trainer makes them (bytes -> floats, random crop
 *                 and flip, per-channel normalisation, tensors), images/s
 *   training      optimizer steps of the small 64x64x3 stack of the README's recipe on those
 *                 batches (batch 64, Adam), images/s
 *   input_share   batch-making time / (batch-making + training) time: the share of a training
 *                 step the input pipeline takes (it never starves training when this is small)
 *
 * No PyTorch peer in ../shared/bench/peers trains a ConvNet from image files at 64x64; the
 * nearest (mobilenet_features_torch.py) measures decode + resize + MobileNetV2 features instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClassifierInputs } from '../src/shared/image-input';
import { channelStats } from '../src/shared/image-input';
import { Rng } from '../src/shared/random';
import { LayerStackSchema } from '../src/shared/layer-spec';
import { decodeDatasetImages } from '../src/engine/data/dataset-images';
import { batchTensors, type ImageSet } from '../src/engine/data/image-set';
import { buildConvNet } from '../src/engine/models/convnet';
import { FusedAdamOptimizer } from '../src/engine/train/fused-adam';

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** The small stack of the README's from-scratch recipe. */
export const SMALL_STACK = LayerStackSchema.parse([
  { type: 'conv2d', filters: 16, kernel: 3, padding: 'same' },
  { type: 'maxPool2d', size: 2 },
  { type: 'conv2d', filters: 32, kernel: 3, padding: 'same' },
  { type: 'maxPool2d', size: 2 },
  { type: 'conv2d', filters: 64, kernel: 3, padding: 'same' },
  { type: 'maxPool2d', size: 2 },
  { type: 'flatten' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: 64, activation: 'relu' },
  { type: 'dense', units: 2 },
]);

export async function benchConvNetInput(say: (m: string) => void, root = path.resolve('../shared/datasets/flickr8k-mini')): Promise<Record<string, unknown>> {
  const rows = fs
    .readFileSync(path.join(root, 'labels-dog.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(','));
  const labels = ['dog', 'other'];
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-bench-cnin-'));
  const inputs: ClassifierInputs = {
    dataset: { id: 'bench', name: 'flickr8k-mini dog', format: 'csv' },
    root: path.join(root, 'images'),
    labels,
    items: rows.map(([file, label], i) => ({ id: i + 1, path: file as string, frame: null, label: labels.indexOf(label as string), split: 'train' })),
    cacheDir,
  };
  const shape = { height: 64, width: 64, channels: 3 as const };
  try {
    say(`decoding ${inputs.items.length} photos at 64x64x3`);
    const cold = await decodeDatasetImages(inputs, shape, 'stretch');
    const warm = await decodeDatasetImages(inputs, shape, 'stretch');
    if (!warm.cached) throw new Error('the second decode did not come from the cache');
    const n = cold.count;
    const px = 64 * 64 * 3;
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const set: ImageSet = {
      pixels: warm.pixels,
      labels: Uint8Array.from(inputs.items, (it) => it.label),
      count: n,
      shape: [64, 64, 3],
      classes: 2,
      labelNames: labels,
      norm: channelStats(warm.pixels, px, 3, all),
    };
    const batch = 64;
    const rand = new Rng(1);
    const augment = { options: { shift: 0, flip: true, crop: 0.15 }, rand };
    const order = rand.shuffle(all);
    const makeBatch = (b: number) => batchTensors(set, order.subarray((b * batch) % (n - batch), ((b * batch) % (n - batch)) + batch), augment);

    say('timing batch making');
    let t0 = performance.now();
    const batchesTimed = 40;
    for (let b = 0; b < batchesTimed; b++) {
      const { xs, ys } = makeBatch(b);
      tf.dispose([xs, ys]);
    }
    const batchMs = (performance.now() - t0) / batchesTimed;

    say('timing training steps');
    const model = buildConvNet([64, 64, 3], SMALL_STACK, 1);
    const opt = new FusedAdamOptimizer(0.001);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = (b: number): number => {
      const { xs, ys } = makeBatch(b);
      const t = performance.now();
      const loss = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
        vars,
      ) as tf.Scalar;
      loss.dataSync();
      tf.dispose([xs, ys, loss]);
      return performance.now() - t;
    };
    step(0);
    step(1);
    const steps = 10;
    let trainMs = 0;
    t0 = performance.now();
    for (let s = 0; s < steps; s++) trainMs += step(s + 2);
    const wholeMs = (performance.now() - t0) / steps;
    trainMs /= steps;
    model.dispose();
    opt.dispose();
    return {
      images: n,
      input: '64x64x3',
      resize: 'stretch',
      decode_cold_images_per_s: round(n / cold.seconds),
      decode_cached_images_per_s: round(n / Math.max(1e-6, warm.seconds)),
      decode_failed: cold.failures.length,
      batch: batch,
      batches_images_per_s: round((batch * 1000) / batchMs),
      training_images_per_s: round((batch * 1000) / trainMs),
      training_with_input_images_per_s: round((batch * 1000) / wholeMs),
      input_share: round(batchMs / (batchMs + trainMs), 3),
      peer: null,
      peer_note: 'no PyTorch peer in ../shared/bench/peers trains a ConvNet on 64x64 image files',
    };
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}
