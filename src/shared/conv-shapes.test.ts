import { describe, expect, it } from 'vitest';
import { checkStack, inspectStack, LayerShapeError, outputSide, shapeToString } from './conv-shapes';
import {
  ALEXNET_SMALL,
  ALEXNET_SMALL_INPUT_SHAPE,
  LENET5,
  LENET5_INPUT_SHAPE,
  LayerStackSchema,
  PRESETS,
  layerNames,
  withOutputUnits,
  type LayerStackInput,
} from './layer-spec';

const parse = (stack: LayerStackInput) => LayerStackSchema.parse(stack);

function expectShapeError(fn: () => unknown, message: string, layerIndex: number | null): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LayerShapeError);
    expect((err as LayerShapeError).message).toBe(message);
    expect((err as LayerShapeError).layerIndex).toBe(layerIndex);
    return;
  }
  throw new Error(`expected a LayerShapeError: ${message}`);
}

describe('course examples', () => {
  it('32x32x3, 5 filters 5x5, stride 1, no padding -> 28x28x5, 375 weights + 5 biases', () => {
    const r = inspectStack([32, 32, 3], parse([{ type: 'conv2d', filters: 5, kernel: 5, stride: 1, padding: 0 }]));
    const layer = r.layers[0]!;
    expect(layer.outputShape).toEqual([28, 28, 5]);
    expect(layer.weights).toBe(375);
    expect(layer.biases).toBe(5);
    expect(layer.params).toBe(380);
    expect(layer.multiplyAdds).toBe(28 * 28 * 375);
    expect(layer.name).toBe('conv2d_1');
    expect(r.outputShape).toEqual([28, 28, 5]);
  });

  it("'valid' is the same as padding 0, and biases can be off", () => {
    const r = inspectStack([32, 32, 3], parse([{ type: 'conv2d', filters: 5, kernel: 5, padding: 'valid', useBias: false }]));
    expect(r.layers[0]!.outputShape).toEqual([28, 28, 5]);
    expect(r.layers[0]!.params).toBe(375);
    expect(r.layers[0]!.biases).toBe(0);
  });

  it('same layer with stride 3 -> 10x10x5', () => {
    const r = inspectStack([32, 32, 3], parse([{ type: 'conv2d', filters: 5, kernel: 5, stride: 3, padding: 0 }]));
    expect(r.layers[0]!.outputShape).toEqual([10, 10, 5]);
    expect(r.layers[0]!.weights).toBe(375);
    expect(r.layers[0]!.multiplyAdds).toBe(10 * 10 * 375);
  });

  it('1-D conv, input 5, kernel 3, one zero of padding per side: stride 1 -> 5, stride 2 -> 3', () => {
    const s1 = inspectStack([5, 1], parse([{ type: 'conv1d', filters: 1, kernel: 3, stride: 1, padding: 1 }]));
    expect(s1.layers[0]!.outputShape).toEqual([5, 1]);
    const s2 = inspectStack([5, 1], parse([{ type: 'conv1d', filters: 1, kernel: 3, stride: 2, padding: 1 }]));
    expect(s2.layers[0]!.outputShape).toEqual([3, 1]);
    // Weight sharing: 3 weights + 1 bias, whatever the length.
    expect(s2.layers[0]!.weights).toBe(3);
    expect(s2.layers[0]!.biases).toBe(1);
    expect(s2.layers[0]!.multiplyAdds).toBe(3 * 3);
  });

  it('the formula floor((W - K + 2P) / S) + 1, and TF "same" = ceil(W / S)', () => {
    expect(outputSide(7, 3, 1, 0)).toBe(5);
    expect(outputSide(7, 3, 2, 0)).toBe(3);
    expect(outputSide(7, 3, 3, 0)).toBe(2); // (7-3)/3 = 1.33 -> floor 1, + 1
    expect(outputSide(227, 11, 4, 0)).toBe(55); // AlexNet conv1
    expect(outputSide(28, 5, 1, 2)).toBe(28);
    expect(outputSide(28, 5, 1, 'same')).toBe(28);
    expect(outputSide(28, 5, 3, 'same')).toBe(10);
    expect(outputSide(5, 7, 1, 'same')).toBe(5); // TF pads as needed
  });
});

describe('LeNet-5 preset', () => {
  it('layer shapes, parameters and names', () => {
    const r = inspectStack(LENET5_INPUT_SHAPE, LENET5);
    expect(r.layers.map((l) => l.name)).toEqual(['conv2d_1', 'avgPool2d_1', 'conv2d_2', 'avgPool2d_2', 'flatten_1', 'dense_1', 'dense_2', 'dense_3']);
    expect(r.layers.map((l) => shapeToString(l.outputShape))).toEqual(['28x28x6', '14x14x6', '10x10x16', '5x5x16', '400', '120', '84', '10']);
    // By hand: conv 5*5*1*6 + 6; conv 5*5*6*16 + 16; dense 400*120 + 120; 120*84 + 84; 84*10 + 10.
    expect(r.layers.map((l) => l.params)).toEqual([156, 0, 2416, 0, 0, 48120, 10164, 850]);
    expect(r.totals.params).toBe(156 + 2416 + 48120 + 10164 + 850);
    expect(r.totals.params).toBe(61706);
    expect(r.totals.weights + r.totals.biases).toBe(61706);
    expect(r.totals.biases).toBe(6 + 16 + 120 + 84 + 10);
    expect(r.layers[0]!.multiplyAdds).toBe(28 * 28 * 6 * 25);
    expect(r.layers[2]!.multiplyAdds).toBe(10 * 10 * 16 * 150);
    expect(r.totals.multiplyAdds).toBe(117600 + 240000 + 48000 + 10080 + 840);
    expect(r.outputShape).toEqual([10]);
  });

  it('is the same with padding "same" on the first conv (stride 1)', () => {
    const same = LENET5.map((l, i) => (i === 0 && l.type === 'conv2d' ? { ...l, padding: 'same' as const } : l));
    const a = inspectStack(LENET5_INPUT_SHAPE, LENET5);
    const b = inspectStack(LENET5_INPUT_SHAPE, same);
    expect(b.layers.map((l) => l.outputShape)).toEqual(a.layers.map((l) => l.outputShape));
    expect(b.totals).toEqual(a.totals);
  });
});

describe('other presets', () => {
  it('the small AlexNet-style net fits 64x64x3 and ends in 10 logits', () => {
    const r = inspectStack(ALEXNET_SMALL_INPUT_SHAPE, ALEXNET_SMALL);
    expect(r.layers.map((l) => shapeToString(l.outputShape))).toEqual([
      '32x32x48',
      '15x15x48',
      '15x15x96',
      '7x7x96',
      '7x7x128',
      '7x7x128',
      '7x7x96',
      '3x3x96',
      '864',
      '512',
      '512',
      '512',
      '512',
      '10',
    ]);
    const convs = 7 * 7 * 3 * 48 + 48 + 5 * 5 * 48 * 96 + 96 + 9 * 96 * 128 + 128 + 9 * 128 * 128 + 128 + 9 * 128 * 96 + 96;
    const dense = 864 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10;
    expect(r.totals.params).toBe(convs + dense);
  });

  it('withOutputUnits changes the last dense layer only, without touching the preset', () => {
    const s = withOutputUnits(LENET5, 26);
    expect(inspectStack(LENET5_INPUT_SHAPE, s).outputShape).toEqual([26]);
    expect(inspectStack(LENET5_INPUT_SHAPE, LENET5).outputShape).toEqual([10]);
  });

  it('custom starts empty: output = input, no parameters', () => {
    const r = inspectStack([28, 28, 1], PRESETS.custom.stack);
    expect(r.layers).toEqual([]);
    expect(r.outputShape).toEqual([28, 28, 1]);
    expect(r.totals).toEqual({ weights: 0, biases: 0, params: 0, multiplyAdds: 0 });
  });
});

describe('pooling, dropout, flatten, 1-D stacks', () => {
  it('pool stride defaults to the pool size; "same" pooling rounds up', () => {
    const r = inspectStack(
      [7, 7, 4],
      parse([
        { type: 'maxPool2d', size: 2 },
        { type: 'avgPool2d', size: 2, stride: 1, padding: 'same' },
      ]),
    );
    expect(r.layers[0]!.outputShape).toEqual([3, 3, 4]);
    expect(r.layers[1]!.outputShape).toEqual([3, 3, 4]);
    const same = inspectStack([7, 7, 4], parse([{ type: 'maxPool2d', size: 2, padding: 'same' }]));
    expect(same.layers[0]!.outputShape).toEqual([4, 4, 4]);
  });

  it('non-square kernels and strides', () => {
    const r = inspectStack([20, 30, 2], parse([{ type: 'conv2d', filters: 4, kernel: [3, 5], stride: [1, 2], padding: 0 }]));
    expect(r.layers[0]!.outputShape).toEqual([18, 13, 4]);
    expect(r.layers[0]!.weights).toBe(3 * 5 * 2 * 4);
  });

  it('a 1-D stack: conv1d, pooling, flatten, dropout, dense', () => {
    const r = inspectStack(
      [100, 8],
      parse([
        { type: 'conv1d', filters: 16, kernel: 5, stride: 2, padding: 2 },
        { type: 'maxPool1d', size: 2 },
        { type: 'avgPool1d', size: 3, stride: 2, padding: 'same' },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.25 },
        { type: 'dense', units: 3, activation: 'softmax' },
      ]),
    );
    expect(r.layers.map((l) => shapeToString(l.outputShape))).toEqual(['50x16', '25x16', '13x16', '208', '208', '3']);
    expect(r.layers[0]!.params).toBe(5 * 8 * 16 + 16);
    expect(r.layers[5]!.params).toBe(208 * 3 + 3);
    expect(r.layers.map((l) => l.name)).toEqual(['conv1d_1', 'maxPool1d_1', 'avgPool1d_1', 'flatten_1', 'dropout_1', 'dense_1']);
  });

  it('layerNames counts per type', () => {
    expect(layerNames([{ type: 'dense' }, { type: 'dropout' }, { type: 'dense' }])).toEqual(['dense_1', 'dropout_1', 'dense_2']);
  });
});

describe('errors name the layer', () => {
  it('kernel larger than its padded input', () => {
    const stack = parse([
      { type: 'conv2d', filters: 4, kernel: 3, padding: 0 }, // 7 -> 5
      { type: 'maxPool2d', size: 2, padding: 'valid' }, // 5 -> 2
      { type: 'conv2d', filters: 4, kernel: 7, padding: 1 }, // padded 4 < 7
    ]);
    expectShapeError(() => inspectStack([7, 7, 1], stack), 'layer 3 (conv2d): kernel 7 is larger than its padded input 4', 2);
    expectShapeError(
      () => inspectStack([3, 3, 1], parse([{ type: 'conv2d', filters: 1, kernel: 7, padding: 1 }])),
      'layer 1 (conv2d): kernel 7 is larger than its padded input 5',
      0,
    );
  });

  it('kernel larger than an unpadded input, per axis when not square', () => {
    expectShapeError(
      () => inspectStack([4, 4, 1], parse([{ type: 'conv2d', filters: 1, kernel: 5 }])),
      'layer 1 (conv2d): kernel 5 is larger than its input 4',
      0,
    );
    expectShapeError(
      () => inspectStack([10, 4, 1], parse([{ type: 'conv2d', filters: 1, kernel: 5 }])),
      'layer 1 (conv2d): kernel width 5 is larger than its input width 4',
      0,
    );
    expectShapeError(
      () => inspectStack([6, 2], parse([{ type: 'conv1d', filters: 1, kernel: 9 }])),
      'layer 1 (conv1d): kernel 9 is larger than its input 6',
      0,
    );
  });

  it('pooling window larger than its input (zero-size output)', () => {
    const stack = parse([
      { type: 'conv2d', filters: 2, kernel: 3 },
      { type: 'maxPool2d', size: 2 },
      { type: 'avgPool2d', size: 3 },
    ]);
    expectShapeError(() => inspectStack([6, 6, 1], stack), 'layer 3 (avgPool2d): pool size 3 is larger than its input 2', 2);
  });

  it('zero-size output from an unparsed (invalid) stride is an error, not NaN', () => {
    const bad = [{ type: 'conv2d', filters: 1, kernel: 3, stride: 0, padding: 0, activation: 'relu', useBias: true }] as const;
    expectShapeError(
      () => inspectStack([8, 8, 1], bad as unknown as ReturnType<typeof parse>),
      'layer 1 (conv2d): stride must be a positive integer, got 0',
      0,
    );
  });

  it('wrong input rank, dense before flatten, bad input shape', () => {
    expectShapeError(
      () => inspectStack([784], parse([{ type: 'conv2d', filters: 6, kernel: 5 }])),
      'layer 1 (conv2d): needs an input of shape height x width x channels, got 784',
      0,
    );
    expectShapeError(
      () =>
        inspectStack(
          [28, 28, 1],
          parse([
            { type: 'conv2d', filters: 6, kernel: 5 },
            { type: 'dense', units: 10 },
          ]),
        ),
      'layer 2 (dense): needs a flat input (a vector), got 24x24x6; add a flatten layer before it',
      1,
    );
    expectShapeError(
      () => inspectStack([28, 28, 1], parse([{ type: 'conv1d', filters: 6, kernel: 5 }])),
      'layer 1 (conv1d): needs an input of shape length x channels, got 28x28x1',
      0,
    );
    expectShapeError(() => inspectStack([28, 0, 1], LENET5), 'input shape 28x0x1: needs 1 to 3 sides, each a positive integer', null);
  });

  it('checkStack returns the rows before the failing layer and the error', () => {
    const stack = parse([{ type: 'conv2d', filters: 4, kernel: 3 }, { type: 'flatten' }, { type: 'conv2d', filters: 4, kernel: 3 }]);
    const res = checkStack([8, 8, 1], stack);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.layers.map((l) => l.name)).toEqual(['conv2d_1', 'flatten_1']);
    expect(res.error).toEqual({
      message: 'layer 3 (conv2d): needs an input of shape height x width x channels, got 144',
      layerIndex: 2,
      layerName: 'conv2d_2',
    });
    const good = checkStack(LENET5_INPUT_SHAPE, LENET5);
    expect(good.ok && good.inspection.totals.params).toBe(61706);
  });
});

describe('schema', () => {
  it('fills defaults and rejects impossible values', () => {
    const [conv] = parse([{ type: 'conv2d', filters: 3, kernel: 3 }]);
    expect(conv).toEqual({ type: 'conv2d', filters: 3, kernel: 3, stride: 1, padding: 'valid', activation: 'relu', useBias: true });
    expect(LayerStackSchema.safeParse([{ type: 'conv2d', filters: 0, kernel: 3 }]).success).toBe(false);
    expect(LayerStackSchema.safeParse([{ type: 'conv2d', filters: 2, kernel: 3, padding: -1 }]).success).toBe(false);
    expect(LayerStackSchema.safeParse([{ type: 'conv2d', filters: 2, kernel: 3, padding: 'full' }]).success).toBe(false);
    expect(LayerStackSchema.safeParse([{ type: 'conv2d', filters: 2, kernel: 3, activation: 'softmax' }]).success).toBe(false);
    expect(LayerStackSchema.safeParse([{ type: 'dense', units: 10, activation: 'softmax' }]).success).toBe(true);
    expect(LayerStackSchema.safeParse([{ type: 'dropout', rate: 1 }]).success).toBe(false);
    expect(LayerStackSchema.safeParse([{ type: 'conv3d', filters: 2, kernel: 3 }]).success).toBe(false);
    expect(LayerStackSchema.safeParse([{ type: 'conv2d', filters: 2, kernel: [3, 5], stride: [1, 2], padding: 2 }]).success).toBe(true);
  });
});
