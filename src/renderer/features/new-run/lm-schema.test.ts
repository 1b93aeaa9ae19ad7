import { describe, expect, it } from 'vitest';
import { LM_LABELS, lmDefaults, lmParams, validateLmForm, visibleFields, type LmFields } from './lm-schema';

const form = (over: Partial<LmFields> = {}): LmFields => ({ ...lmDefaults('mlbl-b'), dataset: 'ds1', extractor: '/models/mobilenet', ...over });

describe('language-model run form', () => {
  it('turns valid fields into the preset spec with the 2014 recipe defaults', () => {
    const v = validateLmForm(form({ name: ' my run ' }));
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.spec.preset).toBe('mlbl-b');
    expect(v.spec.name).toBe('my run');
    const p = v.spec.params as Record<string, unknown>;
    expect(p).toMatchObject({
      dataset: 'ds1',
      extractor: '/models/mobilenet',
      optimizer: 'sgd',
      contextSize: 5,
      K: 100,
      h: 256,
      batchSize: 20,
      epochs: 100,
      minCount: 2,
      patience: 5,
    });
    expect(p.lr).toBeUndefined();
    expect(p.captions).toBeUndefined();
  });

  it('sends only what the chosen model and sources use', () => {
    const lbl = lmParams(form({ model: 'lbl', source: 'captions', captions: '/data/captions.csv', extractor: '/x' }));
    expect(lbl.captions).toBe('/data/captions.csv');
    expect(lbl.dataset).toBeUndefined();
    expect(lbl.extractor).toBeUndefined();
    expect(lbl.h).toBeUndefined();
    expect(lbl.factors).toBeUndefined();
    const run = lmParams(form({ extractorKind: 'run', extractorRun: 'abc-123' }));
    expect(run.extractor).toBe('abc-123');
    expect(visibleFields(form({ model: 'mlbl-f' })).has('factors')).toBe(true);
    expect(visibleFields(form()).has('factors')).toBe(false);
  });

  it('carries the recipe fields (lr decay, image dropout) and a transfer source where they apply', () => {
    const d = lmParams(form());
    expect(d).toMatchObject({ lrDecay: '0.8', dropout: '0.5' });
    expect(d.init).toBeUndefined();
    expect(lmParams(form({ init: 'run-lbl-1' })).init).toBe('run-lbl-1');
    expect(lmParams(form({ model: 'lbl', source: 'captions', captions: '/c.csv' })).dropout).toBeUndefined();
    expect(lmParams(form({ recipe: 'adam' })).lrDecay).toBeUndefined();
    const v = validateLmForm(form({ dropout: '1', lrDecay: '' }));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.errors).toEqual({ lrDecay: 'Learning-rate decay: is required', dropout: 'Image dropout: must be at most 0.9' });
    const ok = validateLmForm(form({ dropout: '0', lrDecay: '0.998', init: 'abc' }));
    expect(ok.ok && ok.spec.params).toMatchObject({ dropout: 0, lrDecay: 0.998, init: 'abc' });
  });

  it('names the field in every error, in the order of the form', () => {
    const v = validateLmForm(form({ K: '1', epochs: '', batchSize: '0', lr: '-1', seed: 'x', dataset: '' }));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(Object.keys(v.errors)).toEqual(['dataset', 'K', 'lr', 'epochs', 'batchSize', 'seed']);
    expect(v.errors.K).toBe(`${LM_LABELS.K}: must be at least 2`);
    expect(v.errors.epochs).toBe('Epochs: is required');
    expect(v.errors.batchSize).toBe('Batch size: must be at least 1');
    expect(v.errors.lr).toMatch(/^Learning rate: /);
    expect(v.errors.seed).toBe('Seed: must be a number');
    expect(v.errors.dataset).toMatch(/^Dataset: /);
  });

  it('asks MLBL models for their image features and checks F against K', () => {
    const noExtractor = validateLmForm(form({ extractor: '' }));
    expect(noExtractor.ok).toBe(false);
    if (!noExtractor.ok) expect(noExtractor.errors.extractor).toMatch(/^Extractor model: /);
    const csv = validateLmForm(form({ source: 'captions', captions: '/c.csv', dataset: '' }));
    expect(csv.ok).toBe(false);
    if (!csv.ok) expect(csv.errors.extractorKind).toMatch(/^Image features: .*feature file/);
    const f = validateLmForm(form({ model: 'mlbl-f', K: '20', factors: '50' }));
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.errors.factors).toBe('Factors (F): must be at most K (20)');
    expect(validateLmForm(form({ model: 'mlbl-f', K: '64', factors: '32' })).ok).toBe(true);
    // LBL needs no features at all.
    expect(validateLmForm(form({ model: 'lbl', extractor: '' })).ok).toBe(true);
  });

  it('takes Adam with an explicit learning rate', () => {
    const v = validateLmForm(form({ recipe: 'adam', lr: '0.003' }));
    expect(v.ok && v.spec.params).toMatchObject({ optimizer: 'adam', lr: 0.003 });
  });
});
