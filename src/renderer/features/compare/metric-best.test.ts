import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/api';
import { bestAndFinal, metricGoal, winner } from './metric-best';

const pts = (...values: number[]): MetricPoint[] => values.map((value, step) => ({ step, epoch: step, wallTime: step, value }));

describe('metricGoal', () => {
  it('minimises losses, perplexities, errors and ranks; maximises accuracies, BLEU and R@k', () => {
    for (const k of ['loss', 'val_loss', 'epoch_loss', 'val_perplexity', 'test_perplexity', 'train_perplexity', 'test_error', 'median_rank'])
      expect(metricGoal(k), k).toBe('min');
    for (const k of ['val_accuracy', 'train_accuracy', 'test_accuracy', 'test_bleu1', 'bleu4', 'r@1', 'r_at_10', 'recall_at_5', 'top5'])
      expect(metricGoal(k), k).toBe('max');
    for (const k of ['learning_rate', 'momentum', 'images_per_s', 'words_per_s', 'vocabulary']) expect(metricGoal(k), k).toBeNull();
  });
});

describe('bestAndFinal', () => {
  it('takes the minimum of a loss and the maximum of an accuracy, and the last step as final', () => {
    const loss = bestAndFinal('loss', pts(2.3, 0.9, 1.1, 0.7, 0.8));
    expect(loss.best).toMatchObject({ step: 3, value: 0.7 });
    expect(loss.final).toMatchObject({ step: 4, value: 0.8 });
    const acc = bestAndFinal('val_accuracy', pts(0.5, 0.97, 0.96));
    expect(acc.best).toMatchObject({ step: 1, value: 0.97 });
    expect(acc.final?.value).toBe(0.96);
  });

  it('ignores NaN for the best value, keeps the earliest of ties, and has no best without a goal', () => {
    const r = bestAndFinal('loss', pts(1, Number.NaN, 0.5, 0.5, Number.NaN));
    expect(r.best).toMatchObject({ step: 2, value: 0.5 });
    expect(Number.isNaN(r.final?.value)).toBe(true);
    expect(bestAndFinal('learning_rate', pts(0.1, 0.01)).best).toBeNull();
    expect(bestAndFinal('loss', [])).toEqual({ best: null, final: null, goal: 'min' });
  });

  it('finds the final value by step even when points are out of order', () => {
    const p = pts(3, 2, 1);
    expect(bestAndFinal('loss', [p[2], p[0], p[1]] as MetricPoint[]).final?.step).toBe(2);
  });
});

describe('winner', () => {
  it('picks the run with the best value', () => {
    expect(winner([0.5, 0.3, null, 0.4], 'min')).toBe(1);
    expect(winner([0.5, 0.9, Number.NaN], 'max')).toBe(1);
    expect(winner([null, undefined], 'max')).toBeNull();
    expect(winner([1, 2], null)).toBeNull();
  });
});
