import { describe, expect, it } from 'vitest';
import { mapLabelsByName, perClassScores } from './classifier-metrics';

describe('classifier metrics', () => {
  it('computes precision, recall and F1 per class from the confusion matrix', () => {
    // true dog: 8 right, 2 called cat; true cat: 3 called dog, 7 right; true fox: never predicted right, 1 called dog.
    const m = [
      [8, 2, 0],
      [3, 7, 0],
      [1, 0, 0],
    ];
    const s = perClassScores(m, ['dog', 'cat', 'fox']);
    expect(s[0]).toMatchObject({ label: 'dog', support: 10, predicted: 12 });
    expect(s[0]?.precision).toBeCloseTo(8 / 12, 12);
    expect(s[0]?.recall).toBeCloseTo(0.8, 12);
    expect(s[0]?.f1).toBeCloseTo((2 * (8 / 12) * 0.8) / (8 / 12 + 0.8), 12);
    expect(s[1]?.precision).toBeCloseTo(7 / 9, 12);
    expect(s[2]).toMatchObject({ support: 1, predicted: 0, precision: 0, recall: 0, f1: 0 });
  });

  it('maps labels by name, ignoring case and spaces; unknown ones are -1', () => {
    expect(mapLabelsByName(['Other', 'cat', ' dog'], ['dog', 'other'])).toEqual([1, -1, 0]);
  });
});
