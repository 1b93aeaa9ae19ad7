/**
 * The optional second phase of the 2014 code (MODELS.md: "the 2014 code then retrains on
 * train+validation until training loss falls below the first phase's"): after early stopping has
 * found the best epoch on the validation images, the model starts again from the SAME initial
 * weights, with the same recipe, on the training and validation images together, and stops at the
 * end of the first epoch whose mean training loss is at or below the first phase's training loss at
 * its best epoch (or after `maxEpochs`). Those weights are the run's final model; no held-out
 * images are left to validate them, which is why the test split stays untouched by both phases.
 */
import * as tf from '@tensorflow/tfjs';
import type { Vocab } from '../../shared/vocabulary';
import { Rng, seededRandom } from '../../shared/random';
import { buildInstances, type ImageCaptions, type Instances } from './data';
import { LmBatchStep } from './batch-step';
import type { LmModel } from './model';
import type { Optimizer } from './optim';

export interface RetrainSplit {
  images: ImageCaptions[];
  inst: Instances;
  features: tf.Tensor2D | null;
  rows: Float32Array[] | null;
}

/** Training and validation images as one split (instances rebuilt, features concatenated). */
export function mergeSplits(a: RetrainSplit, b: RetrainSplit, vocab: Vocab, n: number): RetrainSplit {
  const images = [...a.images, ...b.images];
  const features = a.features && b.features ? (tf.concat([a.features, b.features], 0) as tf.Tensor2D) : null;
  const rows = a.rows && b.rows ? [...a.rows, ...b.rows] : null;
  return { images, inst: buildInstances(images, vocab, n), features, rows };
}

export interface RetrainOptions {
  model: LmModel;
  /** Phase 1's initial weights. */
  initial: Map<string, Float32Array>;
  /** A fresh optimiser with phase 1's settings (it reads the model's variables). */
  optimizer: Optimizer;
  data: RetrainSplit;
  batchSize: number;
  seed: number;
  /** Phase 1's mean training loss in its best epoch. */
  targetLoss: number;
  maxEpochs: number;
  stopRequested: () => boolean;
  pause: () => Promise<void>;
  onEpoch: (epoch: number, loss: number, wordsPerSecond: number) => void;
}

export interface RetrainResult {
  epochs: number;
  loss: number;
  reached: boolean;
  stopped: boolean;
  diverged: boolean;
  words: number;
  seconds: number;
}

export async function retrainOnAll(o: RetrainOptions): Promise<RetrainResult> {
  const { model, data, optimizer } = o;
  const batch = new LmBatchStep(model, optimizer, data, o.batchSize);
  const N = data.inst.count;
  const shuffleRng = new Rng(o.seed + 11);
  const dropRand = seededRandom(o.seed + 12);
  model.setValues(o.initial);
  let loss = Infinity;
  let words = 0;
  let seconds = 0;
  for (let epoch = 1; epoch <= o.maxEpochs; epoch++) {
    const order = shuffleRng.permutation(N);
    const t0 = performance.now();
    let sum = 0;
    let count = 0;
    for (let b = 0; b < batch.stepsPerEpoch; b++) {
      if (o.stopRequested()) return { epochs: epoch - 1, loss, reached: false, stopped: true, diverged: false, words, seconds };
      const r = batch.run(order, b, dropRand);
      if (!Number.isFinite(r.loss)) return { epochs: epoch, loss: r.loss, reached: false, stopped: false, diverged: true, words, seconds };
      sum += r.loss * r.items;
      count += r.items;
      if (b % 50 === 49) await o.pause();
    }
    const dt = (performance.now() - t0) / 1000;
    words += count;
    seconds += dt;
    loss = sum / count;
    optimizer.endEpoch();
    o.onEpoch(epoch, loss, count / Math.max(1e-9, dt));
    if (loss <= o.targetLoss) return { epochs: epoch, loss, reached: true, stopped: false, diverged: false, words, seconds };
  }
  return { epochs: o.maxEpochs, loss, reached: false, stopped: false, diverged: false, words, seconds };
}
