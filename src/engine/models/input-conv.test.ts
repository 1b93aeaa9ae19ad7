import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend';
import { LENET5 } from '../../shared/layer-spec';
import { buildConvNet } from './convnet';
import { skipInputGradients } from './input-conv';

function lossAndGrads(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, vars);
  const out = { loss: value.dataSync()[0] as number, grads: vars.map((v) => Array.from(grads[v.name]!.dataSync())) };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe.each(['cpu', 'wasm'] as const)('skipInputGradients on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it('computes the same loss and weight gradients, without the unused input gradient', async () => {
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([1, 7], 'int32'), 10);
    const patched = buildConvNet([28, 28, 1], LENET5, 5); // buildConvNet applies it
    const plain = buildConvNet([28, 28, 1], LENET5, 5);
    // The second model back to stock: a fresh call of the class's own method.
    const first = plain.layers.find((l) => l.getClassName() === 'Conv2D')!;
    first.call = Object.getPrototypeOf(first).call.bind(first);
    plain.setWeights(patched.getWeights());

    const a = lossAndGrads(patched, x, y);
    const b = lossAndGrads(plain, x, y);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    a.grads.forEach((g, i) => {
      const ref = b.grads[i]!;
      const scale = Math.max(...ref.map(Math.abs), 1e-6);
      expect(Math.max(...g.map((v, j) => Math.abs(v - ref[j]!))) / scale).toBeLessThan(1e-4);
    });

    const kernelsOf = async (m: tf.LayersModel) =>
      (
        await tf.profile(() =>
          tf.tidy(() => {
            lossAndGrads(m, x, y);
          }),
        )
      ).kernels.map((k) => k.name);
    const count = (names: string[], k: string) => names.filter((n) => n === k).length;
    expect(count(await kernelsOf(plain), 'Conv2DBackpropInput')).toBe(2);
    expect(count(await kernelsOf(patched), 'Conv2DBackpropInput')).toBe(1);
    tf.dispose([x, y]);
    patched.dispose();
    plain.dispose();
  });

  it('leaves the layer saving and loading as a plain Conv2D', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    expect(skipInputGradients(m)).toEqual([m.layers[0]!.name]);
    const json = m.toJSON(null, false) as unknown as { config: { layers: { class_name: string }[] } };
    expect(json.config.layers[0]!.class_name).toBe('Conv2D');
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 1);
    const out = m.predict(x) as tf.Tensor;
    expect(out.shape).toEqual([2, 2]);
    tf.dispose([x, out]);
    m.dispose();
  });
});
