import { describe, expect, it } from 'vitest';
import { LmParams, defaultLearningRate, lmInputIssues } from './lm-spec';

describe('LmParams', () => {
  it('defaults to the 2014 recipe with the changes chosen on validation perplexity (summed gradient, lr x 0.8 per epoch, dropout 0.5)', () => {
    const p = LmParams.parse({ captions: 'c.csv' });
    expect(p).toMatchObject({
      model: 'mlbl-b',
      contextSize: 5,
      K: 100,
      h: 256,
      factors: 50,
      optimizer: 'sgd',
      sgdGradient: 'sum',
      lrDecay: 0.8,
      momentumStart: 0.5,
      momentumEnd: 0.9,
      momentumEpochs: 20,
      decayWords: 1e-4,
      decayContext: 1e-5,
      dropout: 0.5,
      featureNorm: 'none',
      retrain: false,
      batchSize: 20,
      patience: 5,
      minCount: 2,
      backend: 'auto',
    });
    expect(p.init).toBeUndefined();
    expect(p.excludeImagesOf).toBeUndefined();
    expect(defaultLearningRate(p)).toBe(0.2);
    expect(defaultLearningRate({ ...p, model: 'lbl' })).toBe(0.2);
    expect(defaultLearningRate({ ...p, model: 'mlbl-f' })).toBe(0.02);
    expect(defaultLearningRate({ ...p, optimizer: 'adam' })).toBe(0.001);
    expect(defaultLearningRate({ ...p, lr: 0.5 })).toBe(0.5);
  });

  it('coerces CLI strings and rejects bad values', () => {
    expect(LmParams.parse({ captions: 'c.csv', K: '50', epochs: '3', testAtEnd: 'false' })).toMatchObject({ K: 50, epochs: 3, testAtEnd: false });
    expect(LmParams.parse({ captions: 'c.csv', testAtEnd: 'true' }).testAtEnd).toBe(true);
    expect(LmParams.safeParse({ captions: 'c.csv', model: 'rnn' }).success).toBe(false);
    expect(LmParams.safeParse({ captions: 'c.csv', contextSize: 0 }).success).toBe(false);
    // Where the captions come from is checked across fields (lmInputIssues, applied by RunSpec): exactly one of captions and dataset.
    expect(lmInputIssues({ model: 'lbl' }).map((i) => i.path)).toEqual(['dataset']);
    expect(lmInputIssues({ model: 'lbl', captions: 'c.csv', dataset: 'd' }).map((i) => i.path)).toEqual(['captions']);
    expect(lmInputIssues({ model: 'mlbl-b', dataset: 'd' }).map((i) => i.path)).toEqual(['extractor']);
    expect(lmInputIssues({ model: 'mlbl-b', captions: 'c.csv' }).map((i) => i.path)).toEqual(['features']);
    expect(lmInputIssues({ model: 'mlbl-f', dataset: 'd', extractor: 'm.json' })).toEqual([]);
    expect(lmInputIssues({ model: 'mlbl-b', captions: 'c.csv', features: 'f.json' })).toEqual([]);
  });
});
