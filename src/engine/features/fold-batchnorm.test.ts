import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend';
import { foldBatchNorm } from './fold-batchnorm';
import { loadLayersModelFromDisk } from './model-io';

const MODEL = path.resolve('../shared/models/mobilenet-v2-nsfwjs');

beforeAll(async () => {
  await selectBackend('auto');
});

/** conv (no bias) - BN - ReLU6, depthwise - BN - ReLU, conv (bias) - BN (no activation), a residual add; BN statistics far from identity. */
function smallNet(): tf.LayersModel {
  const x = tf.input({ shape: [9, 9, 3] });
  const bn = (): tf.layers.Layer => tf.layers.batchNormalization({ epsilon: 1e-3 });
  let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }).apply(x) as tf.SymbolicTensor;
  h = bn().apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor;
  const d = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false }).apply(h) as tf.SymbolicTensor;
  let g = bn().apply(d) as tf.SymbolicTensor;
  g = tf.layers.reLU().apply(g) as tf.SymbolicTensor;
  let c = tf.layers.conv2d({ filters: 8, kernelSize: 1, padding: 'same', useBias: true }).apply(g) as tf.SymbolicTensor;
  c = bn().apply(c) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([c, g]) as tf.SymbolicTensor;
  const out = tf.layers.flatten().apply(sum) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: out });
  // Random, non-trivial weights everywhere (BN: gamma, beta, moving mean and a positive moving variance).
  let seed = 10;
  for (const l of model.layers) {
    const ws = l.getWeights();
    if (!ws.length) continue;
    l.setWeights(
      l.weights.map((v, i) => {
        const w = ws[i] as tf.Tensor;
        const r = tf.randomUniform(w.shape, -1, 1, 'float32', seed++);
        return v.name.includes('moving_variance') ? tf.add(tf.abs(r), 0.1) : r;
      }),
    );
  }
  return model;
}

describe('foldBatchNorm', () => {
  it('gives the same outputs as the unfolded network, with one fused conv per conv-BN(-ReLU) chain', () => {
    const model = smallNet();
    const x = tf.randomNormal([5, 9, 9, 3], 0, 2, 'float32', 3);
    const before = (model.predict(x) as tf.Tensor).dataSync().slice();
    const r = foldBatchNorm(model);
    expect(r.folded).toBe(3);
    expect(r.fusedActivations).toBe(2);
    const after = (model.predict(x) as tf.Tensor).dataSync();
    expect(after.length).toBe(before.length);
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < before.length; i++) {
      maxErr = Math.max(maxErr, Math.abs((after[i] as number) - (before[i] as number)));
      maxAbs = Math.max(maxAbs, Math.abs(before[i] as number));
    }
    expect(maxAbs).toBeGreaterThan(0.5); // the check means something
    expect(maxErr).toBeLessThan(1e-4 * Math.max(1, maxAbs));
    // The folded graph runs no batch normalisation and no separate ReLU.
    const names: string[] = [];
    const eng = tf.engine() as unknown as { runKernelFunc: (p: { kernelName?: string }) => unknown };
    const dispatch = eng.runKernelFunc.bind(eng);
    eng.runKernelFunc = (p) => {
      if (p.kernelName) names.push(p.kernelName);
      return dispatch(p);
    };
    try {
      tf.tidy(() => void model.predict(x));
    } finally {
      eng.runKernelFunc = dispatch;
    }
    expect(names.filter((n) => n === 'FusedBatchNorm' || n === 'Relu' || n === 'Relu6' || n === 'ClipByValue')).toEqual([]);
    tf.dispose([x, ...r.tensors]);
    model.dispose();
  });

  it('leaves a BN alone when its conv feeds another layer too', () => {
    const x = tf.input({ shape: [6, 6, 2] });
    const c = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.batchNormalization().apply(c) as tf.SymbolicTensor;
    const out = tf.layers.add().apply([b, c]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: out });
    expect(foldBatchNorm(model).folded).toBe(0);
    model.dispose();
  });

  it('MobileNetV2 (mobilenet-v2-nsfwjs): all 52 BNs folded, 35 ReLU6 fused, its 1,280 features unchanged', async () => {
    const model = await loadLayersModelFromDisk(MODEL);
    const features = tf.model({ inputs: model.inputs, outputs: model.getLayer('flatten_1').output as tf.SymbolicTensor });
    const x = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 7);
    const before = (features.predict(x) as tf.Tensor).dataSync().slice();
    const r = foldBatchNorm(model);
    expect(r.folded).toBe(52);
    expect(r.fusedActivations).toBe(35);
    const after = (features.predict(x) as tf.Tensor).dataSync();
    expect(after.length).toBe(2 * 1280);
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < before.length; i++) {
      maxErr = Math.max(maxErr, Math.abs((after[i] as number) - (before[i] as number)));
      maxAbs = Math.max(maxAbs, Math.abs(before[i] as number));
    }
    expect(maxAbs).toBeGreaterThan(0.1);
    expect(maxErr).toBeLessThan(1e-4 * Math.max(1, maxAbs));
    tf.dispose([x, ...r.tensors]);
    model.dispose();
  });
});
