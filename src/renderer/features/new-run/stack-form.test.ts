import { describe, expect, it } from 'vitest';
import { ALEXNET_SMALL, LENET5, LayerStackSchema } from '../../../shared/layer-spec';
import {
  draftFromLayer,
  draftToInput,
  inspectDrafts,
  inspectForDataset,
  insertDraft,
  moveDraft,
  newDraft,
  parseDraft,
  removeDraft,
  retype,
  sameStack,
  type LayerDraft,
} from './stack-form';

let nextId = 1;
const draft = (type: LayerDraft['type'], patch: Partial<LayerDraft> = {}): LayerDraft => ({ ...newDraft(type, nextId++), ...patch });
const fromStack = (stack: typeof LENET5): LayerDraft[] => stack.map((l) => draftFromLayer(l, nextId++));

describe('drafts and the shared schema', () => {
  it('round-trips every layer of the presets', () => {
    for (const stack of [LENET5, ALEXNET_SMALL]) {
      const drafts = fromStack(stack);
      const back = drafts.map((d) => {
        const p = parseDraft(d);
        if (!p.ok) throw new Error(JSON.stringify(p.errors));
        return p.layer;
      });
      expect(sameStack(back, stack)).toBe(true);
    }
  });

  it('reads "5x3" as [height, width] for 2-D layers and an empty pool stride as "the pool size"', () => {
    expect(draftToInput(draft('conv2d', { kernel: '5x3', stride: '2 × 1', paddingMode: 'zeros', paddingZeros: '2' }))).toMatchObject({
      kernel: [5, 3],
      stride: [2, 1],
      padding: 2,
    });
    const pool = parseDraft(draft('maxPool2d', { size: '3', stride: '' }));
    expect(pool.ok && pool.layer).toEqual({ type: 'maxPool2d', size: 3, padding: 'valid' });
    const pool2 = parseDraft(draft('avgPool2d', { size: '3', stride: '2', paddingMode: 'same' }));
    expect(pool2.ok && pool2.layer).toEqual({ type: 'avgPool2d', size: 3, stride: 2, padding: 'same' });
  });

  it('names the field in every message', () => {
    const p = parseDraft(draft('conv2d', { filters: '0', kernel: 'abc', stride: '', paddingMode: 'zeros', paddingZeros: '-1' }));
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.errors).toEqual({
      filters: 'Filters: must be at least 1',
      kernel: 'Kernel: must be a number',
      padding: 'Padding: must be at least 0',
    });
    // An empty conv stride takes the schema's default, 1.
    const s = parseDraft(draft('conv2d', { stride: '' }));
    expect(s.ok && s.layer).toMatchObject({ stride: 1 });
    const w = parseDraft(draft('conv2d', { kernel: '5x0' }));
    expect(!w.ok && w.errors.kernel).toBe('Kernel width: must be at least 1');
    const d = parseDraft(draft('dropout', { rate: '1' }));
    expect(!d.ok && d.errors.rate).toBe('Rate: must be less than 1');
    const u = parseDraft(draft('dense', { units: '2.5' }));
    expect(!u.ok && u.errors.units).toBe('Units: must be a whole number');
  });

  it('retyping keeps what carries over and fixes the rest', () => {
    const conv = draft('conv2d', { kernel: '5x3', paddingMode: 'zeros', activation: 'tanh' });
    const pool = retype(conv, 'maxPool1d');
    expect(pool.paddingMode).toBe('valid');
    expect(pool.kernel).toBe('5');
    const dense = retype(draft('dense', { activation: 'softmax' }), 'conv2d');
    expect(dense.activation).toBe('relu');
    expect(parseDraft(retype(draft('maxPool2d', { stride: '' }), 'conv2d')).ok).toBe(true);
  });

  it('moves, removes and inserts rows without touching the input list', () => {
    const list = ['a', 'b', 'c'];
    expect(moveDraft(list, 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveDraft(list, 2, -2)).toEqual(['c', 'a', 'b']);
    expect(moveDraft(list, 0, -1)).toEqual(['a', 'b', 'c']);
    expect(removeDraft(list, 1)).toEqual(['a', 'c']);
    expect(insertDraft(list, 1, 'x')).toEqual(['a', 'x', 'b', 'c']);
    expect(insertDraft(list, 99, 'z')).toEqual(['a', 'b', 'c', 'z']);
    expect(list).toEqual(['a', 'b', 'c']);
  });
});

describe('the live inspector over drafts', () => {
  it('LeNet-5 on MNIST: every row inspected, 61,706 parameters, trainable', () => {
    const r = inspectForDataset('mnist', fromStack(LENET5));
    expect(r.problem).toBeNull();
    expect(r.rows.map((x) => x.info?.outputShape.join('x'))).toEqual(['28x28x6', '14x14x6', '10x10x16', '5x5x16', '400', '120', '84', '10']);
    expect(r.rows[0]?.info).toMatchObject({ weights: 150, biases: 6, multiplyAdds: 28 * 28 * 150 });
    expect(r.totals.params).toBe(61_706);
    expect(r.outputShape).toEqual([10]);
    expect(r.stack && sameStack(r.stack, LENET5)).toBe(true);
  });

  it('the course layer: 5 filters 5x5 stride 1 valid on 28x28x1 -> 24x24x5, 125 weights + 5 biases', () => {
    const r = inspectDrafts([28, 28, 1], [draft('conv2d', { filters: '5', kernel: '5', stride: '1', paddingMode: 'valid' })]);
    expect(r.rows[0]?.info).toMatchObject({ outputShape: [24, 24, 5], weights: 125, biases: 5, params: 130, multiplyAdds: 24 * 24 * 125 });
    expect(r.problem).toBeNull();
    expect(r.outputShape).toEqual([24, 24, 5]);
  });

  it('puts an impossible layer on its own row, keeps the rows before it and blocks the rows after it', () => {
    const drafts = [
      draft('conv2d', { filters: '5', kernel: '5' }), // 24x24x5
      draft('maxPool2d', { size: '2' }), // 12x12x5
      draft('conv2d', { filters: '8', kernel: '13' }), // impossible
      draft('flatten'),
      draft('dense', { units: '10' }),
    ];
    const r = inspectForDataset('mnist', drafts);
    expect(r.rows[1]?.info?.outputShape).toEqual([12, 12, 5]);
    expect(r.rows[2]?.info).toBeNull();
    expect(r.rows[2]?.shapeError).toBe('kernel 13 is larger than its input 12');
    expect(r.rows[3]?.blocked).toBe(true);
    expect(r.problem).toEqual({ layerIndex: 2, message: 'layer 3 (conv2d): kernel 13 is larger than its input 12' });
    expect(r.stack).not.toBeNull();
    // Fixed: trainable.
    drafts[2] = { ...(drafts[2] as LayerDraft), kernel: '3' };
    const ok = inspectForDataset('mnist', drafts);
    expect(ok.problem).toBeNull();
    expect(ok.rows.map((x) => x.info?.outputShape.join('x'))).toEqual(['24x24x5', '12x12x5', '10x10x8', '800', '10']);
    expect(ok.totals).toEqual({ weights: 125 + 360 + 8000, biases: 5 + 8 + 10, params: 130 + 368 + 8010, multiplyAdds: 24 * 24 * 125 + 10 * 10 * 360 + 8000 });
  });

  it('a field error stops the inspection at its row and names layer and field', () => {
    const r = inspectForDataset('mnist', [draft('conv2d', { filters: '4' }), draft('conv2d', { filters: '' }), draft('flatten')]);
    expect(r.rows[0]?.info?.outputShape).toEqual([26, 26, 4]);
    expect(r.rows[1]?.fieldErrors).toEqual({ filters: 'Filters: is required' });
    expect(r.rows[2]?.blocked).toBe(true);
    expect(r.stack).toBeNull();
    expect(r.problem).toEqual({ layerIndex: 1, message: 'layer 2 (conv2d): filters: is required' });
  });

  it('padding: zeros and same change the output volume', () => {
    const zeros = inspectDrafts([28, 28, 1], [draft('conv2d', { kernel: '5', paddingMode: 'zeros', paddingZeros: '2' })]);
    expect(zeros.rows[0]?.info?.outputShape).toEqual([28, 28, 8]);
    const same = inspectDrafts([28, 28, 1], [draft('conv2d', { kernel: '5', stride: '3', paddingMode: 'same' })]);
    expect(same.rows[0]?.info?.outputShape).toEqual([10, 10, 8]);
  });

  it('says what is missing at the end: the class scores', () => {
    const r = inspectForDataset('mnist', [draft('conv2d', { filters: '5', kernel: '5' })]);
    expect(r.problem).toEqual({
      layerIndex: null,
      message: "the stack's output is 24x24x5, but the dataset needs 10 class scores: end with flatten and a dense layer of 10 units",
    });
    expect(inspectForDataset('mnist', []).problem?.message).toMatch(/empty/);
    const dense = inspectForDataset('mnist', [draft('dense', { units: '10' })]);
    expect(dense.problem?.message).toBe('layer 1 (dense): needs a flat input (a vector), got 28x28x1; add a flatten layer before it');
  });

  it('the AlexNet-style preset does not fit 28x28 MNIST, and says where', () => {
    const r = inspectForDataset('mnist', fromStack(ALEXNET_SMALL));
    expect(r.problem?.layerIndex).toBe(7);
    expect(r.rows[7]?.shapeError).toBe('pool size 3 is larger than its input 2');
    const fits = inspectDrafts([64, 64, 3], fromStack(ALEXNET_SMALL), 10);
    expect(fits.problem).toBeNull();
    expect(fits.rows[0]?.info?.outputShape).toEqual([32, 32, 48]);
  });

  it('names layers like the built model', () => {
    const r = inspectForDataset(
      'mnist',
      fromStack(
        LayerStackSchema.parse([
          { type: 'conv2d', filters: 2, kernel: 3 },
          { type: 'conv2d', filters: 2, kernel: 3 },
          { type: 'flatten' },
          { type: 'dense', units: 10 },
        ]),
      ),
    );
    expect(r.rows.map((x) => x.name)).toEqual(['conv2d_1', 'conv2d_2', 'flatten_1', 'dense_1']);
  });
});
