import { describe, expect, it } from 'vitest';
import { groupSamples, type SampleLike } from '../run-page/samples';
import { captionRows } from './CompareCaptions';

const sample = (step: number, image: string, slot: number, text: string, kind = 'caption-greedy'): SampleLike => ({
  step,
  epoch: step / 10,
  kind,
  text,
  data: { image, slot, references: [`a dog runs on ${image}`] },
});

describe('captionRows', () => {
  it('puts the latest greedy caption of the same image from each run side by side', () => {
    const runA = groupSamples([
      sample(10, 'x.jpg', 0, 'a dog'),
      sample(20, 'x.jpg', 0, 'a dog runs'),
      sample(20, 'x.jpg', 0, 'sampled words', 'caption-sample'),
      sample(20, 'y.jpg', 1, 'a cat'),
    ]);
    const runB = groupSamples([sample(5, 'x.jpg', 0, 'dog dog'), sample(15, 'z.jpg', 2, 'grass')]);
    const rows = captionRows([runA, null, runB]);
    expect(rows.map((r) => r.image)).toEqual(['x.jpg', 'y.jpg', 'z.jpg']);
    expect(rows[0]?.latest.map((c) => c?.text ?? null)).toEqual(['a dog runs', null, 'dog dog']);
    expect(rows[0]?.latest[0]?.step).toBe(20);
    expect(rows[0]?.references).toEqual(['a dog runs on x.jpg']);
    expect(rows[1]?.latest.map((c) => c?.text ?? null)).toEqual(['a cat', null, null]);
    expect(rows[2]?.latest.map((c) => c?.text ?? null)).toEqual([null, null, 'grass']);
    // BLEU-4 of the caption against the image's references is carried along.
    expect(typeof rows[0]?.latest[0]?.bleu).toBe('number');
  });

  it('has no rows when no run sampled anything', () => {
    expect(captionRows([null, []])).toEqual([]);
  });
});
