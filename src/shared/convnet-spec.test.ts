import { describe, expect, it } from 'vitest';
import { confusionMatrix, learningRateAt, normaliseMap, perClassAccuracy, resolveTrainingOptions, stackProblem, TRAINING_DEFAULTS } from './convnet-spec';
import { LENET5 } from './layer-spec';
import { applyOverrides, ConvNetParams, LeNet5MnistParams, RunSpec } from './run-spec';

describe('learning-rate schedules', () => {
  const o = { ...TRAINING_DEFAULTS };
  it('none keeps the rate', () => {
    expect([1, 2, 10].map((e) => learningRateAt(0.1, o, e, 10))).toEqual([0.1, 0.1, 0.1]);
  });
  it('step multiplies by gamma every lrStepEpochs epochs', () => {
    const s = { ...o, lrSchedule: 'step' as const, lrStepEpochs: 2, lrGamma: 0.5 };
    expect([1, 2, 3, 4, 5].map((e) => learningRateAt(0.4, s, e, 5))).toEqual([0.4, 0.4, 0.2, 0.2, 0.1]);
  });
  it('cosine starts at the base rate and falls towards lrMin, half-way at the middle epoch', () => {
    const c = { ...o, lrSchedule: 'cosine' as const, lrMin: 0.01 };
    expect(learningRateAt(0.11, c, 1, 10)).toBeCloseTo(0.11, 12);
    expect(learningRateAt(0.11, c, 6, 10)).toBeCloseTo(0.06, 12);
    expect(learningRateAt(0.11, c, 10, 10)).toBeGreaterThan(0.01);
    expect(learningRateAt(0.11, c, 10, 10)).toBeLessThan(0.015);
    const rates = Array.from({ length: 10 }, (_, i) => learningRateAt(0.11, c, i + 1, 10));
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1] as number);
  });
});

describe('confusion matrix and per-class accuracy', () => {
  it('counts true (rows) against predicted (columns)', () => {
    const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3);
    expect(m).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 2],
    ]);
    expect(perClassAccuracy(m, ['a', 'b', 'c'])).toEqual([
      { label: 'a', count: 2, correct: 1, accuracy: 0.5 },
      { label: 'b', count: 1, correct: 1, accuracy: 1 },
      { label: 'c', count: 3, correct: 2, accuracy: 2 / 3 },
    ]);
  });
  it('refuses mismatched lengths and out-of-range classes', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 labels but 1 predictions/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/out of range at 1/);
  });
});

describe('normaliseMap', () => {
  it('scales each map to [0,1] on its own and keeps the raw range', () => {
    expect(normaliseMap([2, 4, 3])).toEqual({ values: [0, 1, 0.5], min: 2, max: 4 });
    expect(normaliseMap([0, 0])).toEqual({ values: [0.5, 0.5], min: 0, max: 0 });
  });
});

describe('training options in the run spec', () => {
  it('leaves old specs valid and fills defaults in the engine', () => {
    const p = ConvNetParams.parse({ epochs: 2 });
    expect(p).not.toHaveProperty('lrSchedule');
    expect(resolveTrainingOptions(p)).toEqual(TRAINING_DEFAULTS);
    // The LeNet-5 preset records its recipe (cosine schedule, shifts of 2 pixels, all 60k images, 15 epochs).
    const lenet = LeNet5MnistParams.parse({});
    expect(lenet).toMatchObject({ lrSchedule: 'cosine', augmentShift: 2, trainLimit: 0, epochs: 15, learningRate: 0.002 });
    expect(resolveTrainingOptions(lenet)).toMatchObject({ lrSchedule: 'cosine', augmentShift: 2, momentum: TRAINING_DEFAULTS.momentum });
    expect(resolveTrainingOptions({ patience: 3, augmentFlip: true })).toMatchObject({ patience: 3, augmentFlip: true, monitor: 'val_loss' });
  });
  it('takes CLI strings, including booleans that say false', () => {
    const spec = applyOverrides('lenet5-mnist', [
      'optimizer=sgd',
      'momentum=0.8',
      'lrSchedule=cosine',
      'augmentFlip=false',
      'augmentShift=2',
      'validationSplit=0.1',
      'patience=3',
      'resumeFrom=abc-123',
    ]);
    expect(spec.params).toMatchObject({
      optimizer: 'sgd',
      momentum: 0.8,
      lrSchedule: 'cosine',
      augmentFlip: false,
      augmentShift: 2,
      validationSplit: 0.1,
      patience: 3,
      resumeFrom: 'abc-123',
    });
    expect(applyOverrides('lenet5-mnist', ['augmentFlip=true']).params).toMatchObject({ augmentFlip: true });
    expect(() => applyOverrides('lenet5-mnist', ['augmentFlip=maybe'])).toThrow(/params\.augmentFlip/);
    expect(() => applyOverrides('lenet5-mnist', ['lrSchedule=linear'])).toThrow(/params\.lrSchedule/);
    expect(() => applyOverrides('lenet5-mnist', ['validationSplit=0.9'])).toThrow(/params\.validationSplit/);
  });
  it('the convnet preset takes a stack as a preset id or JSON, defaults to LeNet-5, and checks it with the inspector', () => {
    expect(ConvNetParams.parse({}).stack).toEqual(LENET5);
    expect(applyOverrides('convnet', ['stack=lenet5', 'epochs=1']).params).toMatchObject({ stack: LENET5, epochs: 1 });
    const json = '[{"type":"conv2d","filters":3,"kernel":3,"stride":2},{"type":"flatten"},{"type":"dense","units":10}]';
    const spec = applyOverrides('convnet', [`stack=${json}`]);
    expect(spec.preset === 'convnet' && spec.params.stack[0]).toMatchObject({ type: 'conv2d', filters: 3, stride: 2, padding: 'valid' });
    expect(() => applyOverrides('convnet', ['stack=alexnetSmall'])).toThrow('spec.params.stack: layer 8 (maxPool2d): pool size 3 is larger than its input 2');
    expect(() => applyOverrides('convnet', ['stack=[]'])).toThrow(/params\.stack: the layer stack is empty/);
    expect(RunSpec.safeParse({ preset: 'convnet', params: { stack: 'not json' } }).success).toBe(false);
    expect(stackProblem(LENET5, 'mnist')).toBeNull();
  });
});
