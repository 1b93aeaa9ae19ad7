import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { applyFeatureNorm, fitFeatureNorm, foldFeatureNorm, unnormalize, VARIANCE_FLOOR } from './feature-norm';
import { LmModel, paramSpecs, type LmConfig } from './model';

const D = 6;

function rows(n: number, seed: number): Float32Array[] {
  const rand = seededRandom(seed);
  // ReLU-like features: non-negative, some dimensions mostly zero, one constant.
  return Array.from({ length: n }, () => Float32Array.from({ length: D }, (_, d) => (d === 5 ? 2 : Math.max(0, rand() * (d + 1) - d * 0.4))));
}

describe('feature normalisation', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('standardize: zero mean and unit variance (floored) per dimension on the training rows', () => {
    const train = rows(50, 1);
    const norm = fitFeatureNorm('standardize', train, D);
    expect(norm).not.toBeNull();
    const flat = new Float32Array(50 * D);
    train.forEach((r, i) => flat.set(r, i * D));
    applyFeatureNorm(norm!, flat, D);
    for (let d = 0; d < D; d++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < 50; i++) m += (flat[i * D + d] as number) / 50;
      for (let i = 0; i < 50; i++) v += ((flat[i * D + d] as number) - m) ** 2 / 50;
      expect(m).toBeCloseTo(0, 5);
      // Variance var / (var + floor): below 1, and 0 for the constant dimension.
      if (d === 5) expect(v).toBeCloseTo(0, 8);
      else expect(v).toBeGreaterThan(0.5);
      expect(v).toBeLessThan(1);
    }
    expect(norm!.scale[5]).toBeCloseTo(1 / Math.sqrt(VARIANCE_FLOOR), 4);
    expect(fitFeatureNorm('none', train, D)).toBeNull();
    expect(Array.from(unnormalize(norm!, flat.subarray(0, D)))).toEqual(Array.from(train[0] as Float32Array).map((x) => expect.closeTo(x, 5)));
  });

  it('folding into J gives the same probabilities on raw features as the trained model on normalised ones', () => {
    for (const model of ['mlbl-b', 'mlbl-f'] as const) {
      const c: LmConfig = { model, V: 9, K: 4, n: 2, D, h: 3, F: 2, dropout: 0 };
      const rand = seededRandom(3);
      const values = new Map(
        paramSpecs(c).map((s) => [s.name, Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * 0.7)]),
      );
      const train = rows(30, 2);
      for (const kind of ['center', 'standardize'] as const) {
        const norm = fitFeatureNorm(kind, train, D)!;
        const raw = rows(4, 9);
        const rawFlat = new Float32Array(4 * D);
        raw.forEach((r, i) => rawFlat.set(r, i * D));
        const normFlat = Float32Array.from(rawFlat);
        applyFeatureNorm(norm, normFlat, D);
        const ctx = tf.tensor2d([1, 2, 3, 4, 0, 8, 5, 5], [4, 2], 'int32');
        const trained = new LmModel(c, values);
        const folded = new LmModel(c, foldFeatureNorm(c, values, norm));
        const a = tf.softmax(trained.logits(ctx, tf.tensor2d(normFlat, [4, D]))).dataSync();
        const b = tf.softmax(folded.logits(ctx, tf.tensor2d(rawFlat, [4, D]))).dataSync();
        expect(Array.from(b)).toEqual(Array.from(a).map((x) => expect.closeTo(x, 5)));
        // And without the fold the raw features give something else (the test can fail).
        const c2 = tf.softmax(trained.logits(ctx, tf.tensor2d(rawFlat, [4, D]))).dataSync();
        expect(Math.max(...Array.from(c2, (x, i) => Math.abs(x - (a[i] as number))))).toBeGreaterThan(1e-3);
        trained.dispose();
        folded.dispose();
      }
    }
  });

  it('needs a hidden layer to fold into', () => {
    const c: LmConfig = { model: 'mlbl-b', V: 5, K: 2, n: 1, D, h: 0, F: 1, dropout: 0 };
    const norm = fitFeatureNorm('center', rows(5, 1), D)!;
    expect(() => foldFeatureNorm(c, new Map(), norm)).toThrow(/h > 0/);
  });
});
