import { describe, expect, it } from 'vitest';
import { defaultFields, validateNewRun } from './form';

describe('validateNewRun', () => {
  it('turns the defaults into a LeNet-5 spec', () => {
    const v = validateNewRun({ ...defaultFields(), name: '  small  ', epochs: '2', trainLimit: '1000' });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.spec).toMatchObject({ preset: 'lenet5-mnist', name: 'small', params: { epochs: 2, trainLimit: 1000, batchSize: 64 } });
  });

  it('names every bad field, in form order', () => {
    const v = validateNewRun({ ...defaultFields(), trainLimit: '', epochs: '0', learningRate: 'abc', batchSize: '2.5' });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(Object.keys(v.errors)).toEqual(['epochs', 'batchSize', 'learningRate', 'trainLimit']);
    expect(v.errors.epochs).toBe('Epochs: must be at least 1');
    expect(v.errors.batchSize).toBe('Batch size: must be a whole number');
    expect(v.errors.learningRate).toBe('Learning rate: must be a number');
    expect(v.errors.trainLimit).toBe('Training-set limit is required');
  });

  it('rejects values over the schema limits', () => {
    const v = validateNewRun({ ...defaultFields(), trainLimit: '70000', name: 'x'.repeat(201) });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.errors.trainLimit).toBe('Training-set limit: must be at most 60000');
    expect(v.errors.name).toBe('Name: must be at most 200 characters');
  });
});
