import { formatImageSize } from './format';
import { describe, expect, it } from 'vitest';
import { LeNet5MnistParams } from '../../shared/run-spec';
import { LmParams } from '../../shared/lm-spec';
import { isFractionMetric, metricGoal, metricLabel, metricName, paramLabel } from './labels';

// Issue 18, problem 7: internal names (val_i2t_r1, LRSCHEDULE, evalEvery) reached the UI.
describe('metric labels', () => {
  it('names retrieval scores with their direction and split', () => {
    expect(metricLabel('val_i2t_r1')).toBe('Validation image→text recall@1 (higher is better)');
    expect(metricLabel('test_t2i_r10')).toBe('Test text→image recall@10 (higher is better)');
    expect(metricLabel('val_t2i_medr')).toBe('Validation text→image median rank (lower is better)');
    expect(isFractionMetric('val_i2t_r5')).toBe(true);
    expect(isFractionMetric('val_t2i_medr')).toBe(false);
  });

  it('names the other metrics in words, with a direction only where best means something', () => {
    expect(metricLabel('val_bleu4')).toBe('Validation BLEU-4 (higher is better)');
    expect(metricLabel('val_perplexity')).toBe('Validation perplexity (lower is better)');
    expect(metricLabel('val_accuracy')).toBe('Validation accuracy (higher is better)');
    expect(metricLabel('loss')).toBe('Loss (lower is better)');
    expect(metricLabel('learning_rate')).toBe('Learning rate');
    expect(metricName('images_per_s')).toBe('Images per second');
    expect(metricGoal('momentum')).toBeNull();
  });

  it('leaves no underscore in any label, known key or not', () => {
    for (const k of ['val_i2t_r1', 'train_perplexity', 'epoch_loss', 'words_per_s', 'some_new_metric']) expect(metricLabel(k), k).not.toMatch(/_/);
  });
});

describe('spec labels', () => {
  it('gives every spec key of every preset a label in words, not its key', () => {
    const keys = [...Object.keys(LeNet5MnistParams.shape), ...Object.keys(LmParams.shape)];
    for (const k of keys) {
      const label = paramLabel(k);
      expect(label, k).not.toBe(k);
      expect(label, k).not.toMatch(/[a-z][A-Z]/); // no camelCase left
    }
    expect(paramLabel('lrSchedule')).toBe('Learning-rate schedule');
    expect(paramLabel('sgdGradient')).toBe('SGD gradient over the batch');
    expect(paramLabel('evalEvery')).toBe('BLEU and retrieval every (epochs)');
    expect(paramLabel('augmentShift')).toBe('Random shift (pixels)');
  });

  it('splits an unknown camelCase key into words', () => {
    expect(paramLabel('someNewOption')).toBe('Some new option');
  });
});

describe('image sizes', () => {
  it('are width × height in pixels', () => {
    expect(formatImageSize(640, 480)).toBe('640 × 480 px');
  });
});
