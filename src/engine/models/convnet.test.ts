import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectStack, LayerShapeError } from '../../shared/conv-shapes';
import { LENET5, LENET5_INPUT_SHAPE, LayerStackSchema, type LayerStack, type LayerStackInput } from '../../shared/layer-spec';
import { buildConvNet, findFirstConvLayerName, firstConvLayerName, ZeroPadding1D } from './convnet';

const parse = (stack: LayerStackInput): LayerStack => LayerStackSchema.parse(stack);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Every inspector row matches the model's layer of the same name: output shape and parameters. */
function expectMatchesInspector(inputShape: number[], stack: LayerStack, model: tf.LayersModel): void {
  const inspection = inspectStack(inputShape, stack);
  for (const row of inspection.layers) {
    const layer = model.getLayer(row.name);
    expect(layer.outputShape, row.name).toEqual([null, ...row.outputShape]);
    expect(layer.countParams(), row.name).toBe(row.params);
  }
  expect(model.countParams()).toBe(inspection.totals.params);
  expect(model.outputs[0]!.shape).toEqual([null, ...inspection.outputShape]);
  const out = tf.tidy(() => (model.predict(tf.zeros([2, ...inputShape])) as tf.Tensor).shape);
  expect(out).toEqual([2, ...inspection.outputShape]);
}

describe('buildConvNet', () => {
  it('LeNet-5: shapes and parameter counts equal the inspector (61,706 parameters)', () => {
    const model = buildConvNet([...LENET5_INPUT_SHAPE], LENET5, 1);
    expectMatchesInspector([...LENET5_INPUT_SHAPE], LENET5, model);
    expect(model.countParams()).toBe(61706);
    // Padding 2 is a zero-padding layer before a 'valid' conv.
    expect(model.getLayer('conv2d_1_pad').outputShape).toEqual([null, 32, 32, 1]);
    expect(model.getLayer('conv2d_1').getConfig()['padding']).toBe('valid');
    expect(firstConvLayerName(model)).toBe('conv2d_1');
    model.dispose();
  });

  it('stride 3, numeric padding, "same" with stride, same pooling: equal to the inspector', () => {
    const stack = parse([
      { type: 'conv2d', filters: 5, kernel: 5, stride: 3, padding: 0, activation: 'relu' }, // 32 -> 10
      { type: 'conv2d', filters: 8, kernel: 3, stride: 2, padding: 1, activation: 'tanh' }, // 10 -> 5
      { type: 'conv2d', filters: 4, kernel: [3, 2], stride: [2, 1], padding: 2, useBias: false }, // 5 -> 4 x 8
      { type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 'same' }, // -> 2 x 4
      { type: 'maxPool2d', size: 3, stride: 2, padding: 'same' }, // -> 1 x 2
      { type: 'flatten' },
      { type: 'dropout', rate: 0.3 },
      { type: 'flatten' }, // already flat: a no-op
      { type: 'dense', units: 3, activation: 'softmax' },
    ]);
    const inspection = inspectStack([32, 32, 3], stack);
    expect(inspection.layers[0]!.outputShape).toEqual([10, 10, 5]);
    expect(inspection.layers[1]!.outputShape).toEqual([5, 5, 8]);
    expect(inspection.layers[2]!.outputShape).toEqual([4, 8, 4]);
    const model = buildConvNet([32, 32, 3], stack, 7);
    expectMatchesInspector([32, 32, 3], stack, model);
    model.dispose();
  });

  it('1-D stack with numeric padding and pooling: equal to the inspector', () => {
    const stack = parse([
      { type: 'conv1d', filters: 6, kernel: 5, stride: 2, padding: 2 }, // 40 -> 20
      { type: 'avgPool1d', size: 2 }, // 10
      { type: 'conv1d', filters: 4, kernel: 3, stride: 3, padding: 1 }, // floor((10-3+2)/3)+1 = 4
      { type: 'maxPool1d', size: 3, stride: 2, padding: 'same' }, // 2
      { type: 'flatten' },
      { type: 'dense', units: 2 },
    ]);
    const model = buildConvNet([40, 3], stack, 3);
    expectMatchesInspector([40, 3], stack, model);
    expect(model.getLayer('conv1d_2').outputShape).toEqual([null, 4, 4]);
    expect(firstConvLayerName(model)).toBe('conv1d_1');
    model.dispose();
  });

  it('1-D conv with one zero of padding per side computes the course example (weights 1 0 -1)', () => {
    // Input 1 2 -1 1 -3 padded to 0 1 2 -1 1 -3 0; one neuron with weights [1, 0, -1], bias 0.
    const x = tf.tensor3d([1, 2, -1, 1, -3], [1, 5, 1]);
    const expected: Record<number, number[]> = { 1: [-2, 2, 1, 2, 1], 2: [-2, 1, 1] };
    for (const stride of [1, 2]) {
      const model = buildConvNet([5, 1], parse([{ type: 'conv1d', filters: 1, kernel: 3, stride, padding: 1, activation: 'linear' }]), 0);
      model.getLayer('conv1d_1').setWeights([tf.tensor3d([1, 0, -1], [3, 1, 1]), tf.zeros([1])]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, expected[stride]!.length, 1]);
      expect(Array.from(y.dataSync())).toEqual(expected[stride]);
      y.dispose();
      model.dispose();
    }
    x.dispose();
  });

  it('2-D numeric padding pads with zeros on every side', () => {
    const model = buildConvNet([3, 3, 1], parse([{ type: 'conv2d', filters: 1, kernel: 3, padding: 1, activation: 'linear' }]), 0);
    model.getLayer('conv2d_1').setWeights([tf.ones([3, 3, 1, 1]), tf.zeros([1])]);
    const y = model.predict(tf.ones([1, 3, 3, 1])) as tf.Tensor;
    // Each output counts the input cells under the kernel: corners 4, edges 6, centre 9.
    expect(Array.from(y.dataSync())).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    model.dispose();
  });

  it('same seed -> identical initial weights; another seed -> different; layers differ from each other', () => {
    const a = buildConvNet([...LENET5_INPUT_SHAPE], LENET5, 42);
    const b = buildConvNet([...LENET5_INPUT_SHAPE], LENET5, 42);
    const c = buildConvNet([...LENET5_INPUT_SHAPE], LENET5, 43);
    const values = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    const va = values(a);
    expect(va.length).toBe(10);
    expect(values(b)).toEqual(va);
    const vc = values(c);
    expect(vc[0]).not.toEqual(va[0]);
    expect(vc[4]).not.toEqual(va[4]);
    // Kernels are not all zero, biases start at zero.
    expect(va[0]!.some((v) => v !== 0)).toBe(true);
    expect(va[1]!.every((v) => v === 0)).toBe(true);
    // Two equal-shaped layers do not share an initialisation.
    const twin = buildConvNet(
      [8],
      parse([
        { type: 'dense', units: 8 },
        { type: 'dense', units: 8 },
      ]),
      42,
    );
    const [k1, , k2] = values(twin);
    expect(k1).not.toEqual(k2);
    for (const m of [a, b, c, twin]) m.dispose();
  });

  it('without convolutions: findFirstConvLayerName is null, firstConvLayerName throws', () => {
    const model = buildConvNet([4], parse([{ type: 'dense', units: 2 }]), 0);
    expect(findFirstConvLayerName(model)).toBeNull();
    expect(() => firstConvLayerName(model)).toThrow(/no convolution layer/);
    model.dispose();
  });

  it('an impossible stack throws the inspector error; an empty stack is refused', () => {
    expect(() => buildConvNet([3, 3, 1], parse([{ type: 'conv2d', filters: 1, kernel: 7, padding: 1 }]), 0)).toThrow(
      new LayerShapeError('layer 1 (conv2d): kernel 7 is larger than its padded input 5', 0, 'conv2d_1', 'conv2d'),
    );
    expect(() => buildConvNet([3, 3, 1], [], 0)).toThrow(/empty/);
  });

  it('a model with ZeroPadding1D trains and survives a save/load round trip', async () => {
    const stack = parse([
      { type: 'conv1d', filters: 2, kernel: 3, stride: 2, padding: 1, activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: 2 },
    ]);
    const model = buildConvNet([6, 1], stack, 5);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const xs = tf.randomUniform([4, 6, 1], -1, 1, 'float32', 1);
    const ys = tf.randomUniform([4, 2], -1, 1, 'float32', 2);
    const before = Array.from(model.getLayer('conv1d_1').getWeights()[0]!.dataSync());
    await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
    const after = Array.from(model.getLayer('conv1d_1').getWeights()[0]!.dataSync());
    expect(after).not.toEqual(before); // gradients flow through the padding layer

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.getLayer('conv1d_1_pad')).toBeInstanceOf(ZeroPadding1D);
    const y1 = Array.from((model.predict(xs) as tf.Tensor).dataSync());
    const y2 = Array.from((loaded.predict(xs) as tf.Tensor).dataSync());
    expect(y2).toEqual(y1);
    model.dispose();
    loaded.dispose();
  });
});
