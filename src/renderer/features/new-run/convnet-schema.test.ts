import { describe, expect, it } from 'vitest';
import { resolveTrainingOptions } from '../../../shared/convnet-spec';
import { ConvNetParams, LeNet5MnistParams } from '../../../shared/run-spec';
import { LENET5, LayerStackSchema } from '../../../shared/layer-spec';
import { buildConvNetSpec, defaultTrainingFields, presetFor, visibleTrainingFields } from './convnet-schema';

const small = LayerStackSchema.parse([
  { type: 'conv2d', filters: 5, kernel: 5 },
  { type: 'maxPool2d', size: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 10 },
]);

/** The options a submitted spec runs with, as the engine resolves them. */
function runsWith(spec: { preset: string; params: unknown }) {
  const schema = spec.preset === 'lenet5-mnist' ? LeNet5MnistParams : ConvNetParams;
  return resolveTrainingOptions(schema.parse(spec.params) as Record<string, unknown>);
}

describe('buildConvNetSpec', () => {
  // Issue 18, problem 1: the LeNet-5 form showed "constant" / shift 0 while the run used cosine / 2.
  it('starts the run the form shows: LeNet-5 defaults, and the same fields on a custom stack', () => {
    const fields = defaultTrainingFields();
    expect(fields.lrSchedule).toBe('cosine');
    expect(fields.augmentShift).toBe('2');
    for (const [stack, preset] of [
      [LENET5, 'lenet5-mnist'],
      [small, 'convnet'],
    ] as const) {
      for (const f of [fields, { ...fields, lrSchedule: 'none' as const, augmentShift: '0' }]) {
        const b = buildConvNetSpec(f, stack, 'mnist');
        if (!b.ok) throw new Error(JSON.stringify(b.errors));
        expect(b.preset).toBe(preset);
        const used = runsWith(b.spec);
        expect({ schedule: used.lrSchedule, shift: used.augmentShift, lrMin: used.lrMin }).toEqual({
          schedule: f.lrSchedule,
          shift: Number(f.augmentShift),
          lrMin: Number(f.lrMin),
        });
      }
    }
  });

  it('submits the unmodified LeNet-5 as lenet5-mnist, with only the options the user changed', () => {
    const b = buildConvNetSpec({ ...defaultTrainingFields(), name: ' lenet ', epochs: '2', trainLimit: '1000' }, LENET5, 'mnist');
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    expect(b.preset).toBe('lenet5-mnist');
    expect(b.spec).toMatchObject({ preset: 'lenet5-mnist', name: 'lenet', params: { epochs: 2, trainLimit: 1000, batchSize: 64, optimizer: 'adam' } });
    expect(b.spec.params).not.toHaveProperty('momentum');
    expect(b.spec.params).not.toHaveProperty('weightDecay');
  });

  it('submits any other stack as convnet, and the options that differ from the defaults', () => {
    const f = {
      ...defaultTrainingFields(),
      optimizer: 'sgd' as const,
      momentum: '0.8',
      lrSchedule: 'step' as const,
      lrStepEpochs: '2',
      lrGamma: '0.5',
      weightDecay: '0.0005',
      augmentShift: '2',
      validationSplit: '0.1',
      patience: '3',
      testLimit: '200',
    };
    const b = buildConvNetSpec(f, small, 'mnist');
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    expect(b.preset).toBe('convnet');
    expect(b.spec.preset).toBe('convnet');
    expect(b.spec.params).toMatchObject({
      dataset: 'mnist',
      optimizer: 'sgd',
      momentum: 0.8,
      lrSchedule: 'step',
      lrStepEpochs: 2,
      lrGamma: 0.5,
      weightDecay: 0.0005,
      augmentShift: 2,
      validationSplit: 0.1,
      patience: 3,
      testLimit: 200,
    });
    // validationLimit is not used with a split: the form hides it and the schema default applies.
    expect(ConvNetParams.safeParse(b.spec.params).success).toBe(true);
    expect((b.spec.params as { stack: unknown }).stack).toEqual(small);
  });

  it('hides and drops options that do nothing with the current choices', () => {
    const f = { ...defaultTrainingFields(), lrSchedule: 'none' as const, momentum: '5', lrMin: 'x' };
    // Adam and no schedule: momentum and lrMin are not shown, so their junk does not matter.
    expect(visibleTrainingFields(f).has('momentum')).toBe(false);
    expect(visibleTrainingFields(f).has('lrMin')).toBe(false);
    expect(buildConvNetSpec(f, small, 'mnist').ok).toBe(true);
    const sgd = buildConvNetSpec({ ...f, optimizer: 'sgd' }, small, 'mnist');
    expect(!sgd.ok && sgd.errors.momentum).toBe('Momentum: must be less than 1');
  });

  it('names every bad field, in form order', () => {
    const b = buildConvNetSpec(
      { ...defaultTrainingFields(), seed: '', epochs: '0', learningRate: 'abc', batchSize: '2.5', weightDecay: '2', name: 'x'.repeat(201) },
      small,
      'mnist',
    );
    expect(b.ok).toBe(false);
    if (b.ok) return;
    expect(b.errors).toEqual({
      name: 'Name: must be at most 200 characters',
      epochs: 'Epochs: must be at least 1',
      batchSize: 'Batch size: must be a whole number',
      learningRate: 'Learning rate: must be a number',
      weightDecay: 'Weight decay: must be at most 1',
      seed: 'Seed is required',
    });
    expect(Object.keys(b.errors)).toEqual(['name', 'epochs', 'batchSize', 'learningRate', 'weightDecay', 'seed']);
  });

  it('still checks the fields while the stack editor has errors, and reports the stack problem of the schema', () => {
    const b = buildConvNetSpec({ ...defaultTrainingFields(), epochs: '0' }, null, 'mnist');
    expect(b.ok).toBe(false);
    if (b.ok) return;
    expect(b.errors.epochs).toBe('Epochs: must be at least 1');
    const wrongEnd = buildConvNetSpec(defaultTrainingFields(), LayerStackSchema.parse([{ type: 'flatten' }, { type: 'dense', units: 7 }]), 'mnist');
    expect(!wrongEnd.ok && wrongEnd.stackError).toMatch(/needs 10 class scores/);
  });

  it('the built-in MNIST takes its own input only: another typed shape is refused (LeNet-5 or any stack), 28x28x1 in any spelling passes', () => {
    const f = defaultTrainingFields();
    const lenet = buildConvNetSpec(f, LENET5, 'mnist', { input: '32x32x3', resize: 'stretch' });
    expect(!lenet.ok && lenet.stackError).toMatch(/the built-in mnist is 28x28x1; import it \(mlbl import builtin:mnist\) to train it at 32x32x3/);
    const other = buildConvNetSpec(f, small, 'mnist', { input: '32x32x3', resize: 'stretch' });
    expect(!other.ok && other.stackError).toMatch(/the built-in mnist is 28x28x1/);
    const same = buildConvNetSpec(f, LENET5, 'mnist', { input: ' 28 x 28 x 1 ', resize: 'stretch' });
    expect(same.ok && same.preset).toBe('lenet5-mnist');
    expect(same.ok && 'input' in same.spec.params).toBe(false);
  });

  it('presetFor', () => {
    expect(presetFor(LENET5, 'mnist')).toBe('lenet5-mnist');
    expect(presetFor(small, 'mnist')).toBe('convnet');
    expect(presetFor(null, 'mnist')).toBe('convnet');
  });
});
