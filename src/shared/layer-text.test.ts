import { describe, expect, it } from 'vitest';
import { checkStack } from './conv-shapes';
import { parseLayersText } from './layer-text';
import { PRESETS } from './layer-spec';

describe('layer stacks typed as text', () => {
  it("the small photo ConvNet preset is the README's measured recipe, 64x64x3 -> 8x8x64 before the dense layers", () => {
    const recipe = 'conv 3x3x16 same; pool 2; conv 3x3x32 same; pool 2; conv 3x3x64 same; pool 2; flatten; dropout 0.5; dense 64 relu; dense 2';
    expect(PRESETS.photoSmall.stack).toEqual(parseLayersText(recipe));
    const check = checkStack([64, 64, 3], PRESETS.photoSmall.stack);
    expect(check.ok && check.inspection.layers.map((l) => l.outputShape.join('x'))).toEqual([
      '64x64x16',
      '32x32x16',
      '32x32x32',
      '16x16x32',
      '16x16x64',
      '8x8x64',
      '4096',
      '4096',
      '64',
      '2',
    ]);
  });

  it('gives the seed exercise: 32x32x3, 5 filters of 5x5, stride 1, no padding -> 28x28x5 and 375 weights (+5 biases); stride 3 -> 10x10x5', () => {
    const one = checkStack([32, 32, 3], parseLayersText('conv 5x5x5 s1 p0'));
    if (!one.ok) throw new Error(one.error.message);
    expect(one.inspection.layers[0]).toMatchObject({ outputShape: [28, 28, 5], weights: 375, biases: 5, params: 380 });
    const three = checkStack([32, 32, 3], parseLayersText('conv 5x5x5 s3 p0'));
    if (!three.ok) throw new Error(three.error.message);
    expect(three.inspection.layers[0]?.outputShape).toEqual([10, 10, 5]);
  });

  it('reads every layer kind with its options', () => {
    expect(parseLayersText('conv 3x5x8 s2 same tanh nobias; maxpool 3 s2; avgpool 2x2; flatten; dropout 0.5; dense 10 softmax\nconv1d 3x4 p1')).toEqual([
      { type: 'conv2d', filters: 8, kernel: [3, 5], stride: 2, padding: 'same', activation: 'tanh', useBias: false },
      { type: 'maxPool2d', size: 3, stride: 2, padding: 'valid' },
      { type: 'avgPool2d', size: 2, padding: 'valid' },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 10, activation: 'softmax', useBias: true },
      { type: 'conv1d', kernel: 3, filters: 4, stride: 1, padding: 1, activation: 'relu', useBias: true },
    ]);
  });

  it('names the layer and the word it cannot read', () => {
    expect(() => parseLayersText('conv 5x5x5; pol 2')).toThrow(/layer 2 \(pol 2\): unknown layer "pol"/);
    expect(() => parseLayersText('conv 5x5')).not.toThrow(); // K x F: a square kernel
    expect(() => parseLayersText('conv five')).toThrow(/layer 1 \(conv five\): conv needs KxKxF/);
    expect(() => parseLayersText('conv 5x5x5 q3')).toThrow(/layer 1 .*cannot read "q3"/);
    expect(() => parseLayersText('pool 2 relu')).toThrow(/cannot read "relu"/);
    expect(() => parseLayersText('dropout 1.5')).toThrow(/layer 1 \(dropout 1.5\): rate/);
    expect(() => parseLayersText(' ; ')).toThrow(/no layers/);
  });
});

describe('a stack run parameter typed as text', () => {
  it('parses like --layers, and a bad word is named', async () => {
    const { StackParamSchema } = await import('./convnet-spec');
    expect(StackParamSchema.parse('conv 3x3x16 same; pool 2; flatten; dense 2')).toEqual(parseLayersText('conv 3x3x16 same; pool 2; flatten; dense 2'));
    const bad = StackParamSchema.safeParse('conv 3x3x16; pol 2');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/layer 2 \(pol 2\): unknown layer "pol"/);
    expect(StackParamSchema.parse('lenet5')).toHaveLength(8);
  });
});
