/**
 * End-to-end training on wasm with the project's kernels: a LeNet-5 `model.fit` and an
 * embedding-layer `model.fit` both run (tfjs 4.22's wasm backend alone throws on both), lower the
 * loss, and leak no tensors across epochs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend';
import { seededRandom } from '../../shared/random';

const rng = seededRandom;

beforeAll(async () => {
  const choice = await selectBackend('wasm');
  expect(choice.backend).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
});

/** Fits and returns the per-epoch losses and tensor counts. */
async function fitAndTrack(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  epochs: number,
  batchSize: number,
): Promise<{ losses: number[]; tensors: number[] }> {
  const losses: number[] = [];
  const tensors: number[] = [];
  await model.fit(x, y, {
    epochs,
    batchSize,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (_epoch, logs) => {
        losses.push(Number(logs?.loss));
        tensors.push(tf.memory().numTensors);
      },
    },
  });
  return { losses, tensors };
}

describe('training on wasm', () => {
  it('LeNet-5 model.fit (conv same/valid, avgpool, tanh, Adam) lowers the loss without leaking tensors', async () => {
    const r = rng(1);
    const n = 256;
    // A learnable synthetic task: the class is the quadrant/row band where a bright 6x6 blob sits.
    const xs = new Float32Array(n * 28 * 28);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const cls = Math.floor(r() * 10);
      labels[i] = cls;
      const cy = 3 + (cls % 5) * 5;
      const cx = cls < 5 ? 6 : 18;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const inBlob = Math.abs(y - cy) < 3 && Math.abs(x - cx) < 3;
          xs[i * 784 + y * 28 + x] = (inBlob ? 1 : 0) + 0.2 * (r() - 0.5);
        }
      }
    }
    const x = tf.tensor4d(xs, [n, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [28, 28, 1],
          filters: 6,
          kernelSize: 5,
          padding: 'same',
          activation: 'tanh',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
        tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 120, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        tf.layers.dense({ units: 84, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
        tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy' });
    const { losses, tensors } = await fitAndTrack(model, x, y, 5, 32);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1] as number).toBeLessThan((losses[0] as number) * 0.7);
    // Flat across epochs (epoch 1 may allocate the optimizer's slots).
    expect(new Set(tensors.slice(1)).size).toBe(1);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('a strided conv + maxpool + dense net trains too', async () => {
    const r = rng(2);
    const n = 96;
    const xs = new Float32Array(n * 12 * 12 * 2).map(() => r() - 0.5);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = (xs[i * 288] as number) > 0 ? 1 : 0;
    const x = tf.tensor4d(xs, [n, 12, 12, 2]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [12, 12, 2],
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
        }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 4, kernelSize: 2, padding: 'valid', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
    const { losses, tensors } = await fitAndTrack(model, x, y, 6, 16);
    expect(losses[losses.length - 1] as number).toBeLessThan(losses[0] as number);
    expect(new Set(tensors.slice(1)).size).toBe(1);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('an embedding-layer model.fit lowers the loss without leaking tensors', async () => {
    const r = rng(3);
    const vocab = 50;
    const n = 512;
    const ctx = 3;
    // Next token = (sum of context tokens) mod 5: needs the embeddings to learn.
    const ids = new Int32Array(n * ctx);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < ctx; j++) {
        const t = Math.floor(r() * vocab);
        ids[i * ctx + j] = t;
        s += t;
      }
      labels[i] = s % 5;
    }
    const x = tf.tensor2d(ids, [n, ctx], 'int32');
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 5);
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({
          inputDim: vocab,
          outputDim: 16,
          inputLength: ctx,
          embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 4 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 32, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
        tf.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
    const { losses, tensors } = await fitAndTrack(model, x, y, 8, 32);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1] as number).toBeLessThan((losses[0] as number) * 0.8);
    expect(new Set(tensors.slice(1)).size).toBe(1);
    model.dispose();
    tf.dispose([x, y]);
  });
});
