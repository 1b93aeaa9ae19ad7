import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend';
import { modelScorer } from './decode';
import { LmModel, type LmConfig } from './model';

beforeAll(async () => {
  await selectBackend('auto');
});

const configs: LmConfig[] = [
  { model: 'lbl', V: 37, K: 6, n: 3, D: 0, h: 0, F: 0, dropout: 0 },
  { model: 'mlbl-b', V: 41, K: 8, n: 4, D: 12, h: 5, F: 0, dropout: 0.5 },
  { model: 'mlbl-b', V: 29, K: 7, n: 2, D: 9, h: 0, F: 0, dropout: 0 },
  { model: 'mlbl-f', V: 33, K: 9, n: 3, D: 10, h: 6, F: 4, dropout: 0.25 },
];

describe('the test-mode graph in JavaScript (decoding)', () => {
  it.each(configs)('$model (V $V, K $K, n $n, h $h, F $F, dropout $dropout): next-word log-probabilities match the tensor graph', (config) => {
    const model = LmModel.create(config, 5);
    let seed = 1;
    const rand = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    // Random weights of a trained model's size (the initial MLBL-F is nearly uniform over words).
    model.setValues(new Map(model.specs.map((s) => [s.name, Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => rand() - 0.5)])));
    const image = config.D ? Float32Array.from({ length: config.D }, () => rand() * 2) : null;
    const k = 4;
    const ctx = Int32Array.from({ length: k * config.n }, () => Math.floor(rand() * config.V));
    const scorer = modelScorer(model, image, { startId: 1, endId: 2 });
    const got = scorer.logProbs(ctx, k);
    const want = tf.tidy(() => {
      const images = image ? tf.tile(tf.tensor2d(image, [1, config.D]), [k, 1]) : undefined;
      return tf.logSoftmax(model.logits(tf.tensor2d(ctx, [k, config.n], 'int32'), images as tf.Tensor2D | undefined)).dataSync();
    });
    expect(got.length).toBe(k * config.V);
    let maxErr = 0;
    let spread = 0;
    for (let i = 0; i < got.length; i++) {
      maxErr = Math.max(maxErr, Math.abs((got[i] as number) - (want[i] as number)));
      spread = Math.max(spread, Math.abs((want[i] as number) - (want[0] as number)));
    }
    expect(spread).toBeGreaterThan(0.01); // not a flat distribution: the comparison can fail
    expect(maxErr).toBeLessThan(1e-4);
    // The rows are distributions.
    for (let r = 0; r < k; r++) {
      let s = 0;
      for (let v = 0; v < config.V; v++) s += Math.exp(got[r * config.V + v] as number);
      expect(s).toBeCloseTo(1, 5);
    }
    // After the parameters change (training), the scorer sees the new values.
    const R = model.p(config.model === 'mlbl-f' ? 'Whf' : 'R');
    R.assign(tf.mul(R, 2) as tf.Tensor);
    const got2 = modelScorer(model, image, { startId: 1, endId: 2 }).logProbs(ctx, k);
    const want2 = tf.tidy(() => {
      const images = image ? tf.tile(tf.tensor2d(image, [1, config.D]), [k, 1]) : undefined;
      return tf.logSoftmax(model.logits(tf.tensor2d(ctx, [k, config.n], 'int32'), images as tf.Tensor2D | undefined)).dataSync();
    });
    let maxErr2 = 0;
    let moved = 0;
    for (let i = 0; i < got2.length; i++) {
      maxErr2 = Math.max(maxErr2, Math.abs((got2[i] as number) - (want2[i] as number)));
      moved = Math.max(moved, Math.abs((got2[i] as number) - (got[i] as number)));
    }
    expect(moved).toBeGreaterThan(1e-3);
    expect(maxErr2).toBeLessThan(1e-4);
    model.dispose();
  });
});
