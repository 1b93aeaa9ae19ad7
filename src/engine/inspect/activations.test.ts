/**
 * Activation maps from a checkpoint folder, checked against the model's own conv outputs: layout
 * (one map per filter, row-major), per-map normalisation, label and prediction.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerStackSchema, LENET5 } from '../../shared/layer-spec';
import { selectBackend } from '../backend';
import { mnistSet, writeImage } from '../data/image-set';
import { buildConvNet } from '../models/convnet';
import { fileSystemIO } from '../train/checkpoint';
import { computeActivations } from './activations';

const dirs: string[] = [];
beforeAll(async () => {
  await selectBackend('cpu');
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-act-'));
  dirs.push(d);
  return d;
}

describe('computeActivations', () => {
  it("returns every conv layer's maps for an MNIST test image, each normalised on its own, matching the model", async () => {
    const model = buildConvNet([28, 28, 1], LENET5, 11);
    const dir = tmp();
    await model.save(fileSystemIO(dir));
    const r = await computeActivations({ kind: 'activations', checkpointDir: dir, split: 'test', imageIndex: 7 });

    const test = mnistSet('t10k', 8);
    expect(r.label).toBe(test.labels[7]);
    expect(r.image.shape).toEqual([28, 28, 1]);
    expect(Math.max(...r.image.values)).toBeLessThanOrEqual(1);
    expect(r.layers.map((l) => [l.name, l.className, l.shape])).toEqual([
      ['conv2d_1', 'Conv2D', [28, 28, 6]],
      ['conv2d_2', 'Conv2D', [10, 10, 16]],
    ]);
    const [c1, c2] = r.layers;
    expect(c1?.maps).toHaveLength(6);
    expect(c1?.maps.every((m) => m.length === 784)).toBe(true);
    expect(c2?.maps).toHaveLength(16);
    expect(c2?.maps.every((m) => m.length === 100)).toBe(true);
    for (const l of r.layers) {
      for (const m of l.maps) {
        expect(Math.min(...m)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...m)).toBeLessThanOrEqual(1);
      }
    }

    // The same numbers straight from the model.
    const x = new Float32Array(784);
    writeImage(test, 7, x, 0);
    const probe = tf.model({ inputs: model.inputs, outputs: [model.getLayer('conv2d_1').output as tf.SymbolicTensor, model.outputs[0] as tf.SymbolicTensor] });
    const [a1, logits] = probe.predict(tf.tensor4d(x, [1, 28, 28, 1])) as tf.Tensor[];
    const v = (a1 as tf.Tensor).dataSync();
    for (const ch of [0, 5]) {
      const raw = Array.from({ length: 784 }, (_, k) => v[k * 6 + ch] as number);
      const lo = Math.min(...raw);
      const hi = Math.max(...raw);
      expect(c1?.ranges[ch]?.[0]).toBeCloseTo(lo, 5);
      expect(c1?.ranges[ch]?.[1]).toBeCloseTo(hi, 5);
      for (const k of [0, 300, 407, 783]) expect(c1?.maps[ch]?.[k]).toBeCloseTo(((raw[k] as number) - lo) / (hi - lo), 3);
    }
    const probs = tf.softmax(logits as tf.Tensor).dataSync();
    expect(r.probabilities).toHaveLength(10);
    r.probabilities.forEach((p, k) => expect(p).toBeCloseTo(probs[k] as number, 5));
    expect(r.prediction).toBe(tf.argMax(logits as tf.Tensor, 1).dataSync()[0]);
    tf.dispose([a1 as tf.Tensor, logits as tf.Tensor]);
    model.dispose();
  });

  it('covers every conv layer of a custom stack, and refuses an image index outside the split', async () => {
    const stack = LayerStackSchema.parse([
      { type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 1 },
      { type: 'maxPool2d', size: 2 },
      { type: 'conv2d', filters: 3, kernel: 3, padding: 'same' },
      { type: 'conv2d', filters: 2, kernel: 3 },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ]);
    const model = buildConvNet([28, 28, 1], stack, 2);
    const dir = tmp();
    await model.save(fileSystemIO(dir));
    model.dispose();
    const r = await computeActivations({ kind: 'activations', checkpointDir: dir, split: 'train', imageIndex: 0 });
    expect(r.layers.map((l) => l.shape)).toEqual([
      [14, 14, 4],
      [7, 7, 3],
      [5, 5, 2],
    ]);
    expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await expect(computeActivations({ kind: 'activations', checkpointDir: dir, split: 'test', imageIndex: 10_000 })).rejects.toThrow(
      /outside the MNIST test split \(0\.\.9999\)/,
    );
  });
});
