import { describe, expect, it } from 'vitest';
import { captionBleu, groupSamples, matchItemKey, type SampleLike } from './samples';

const refs = ['A dog runs on the grass .', 'A brown dog is running .'];
const rec = (step: number, kind: string, text: string, image = 'a.jpg', slot = 0, extra: Record<string, unknown> = {}): SampleLike => ({
  step,
  epoch: step / 10,
  kind,
  text,
  data: { image, slot, references: refs, words: text.split(' ').map((w) => ({ word: w, p: 0.5, top: [] })), logProb: -3, ...extra },
});

describe('captions panel samples', () => {
  it('groups greedy and sampled captions by image and step, oldest first, in slot order', () => {
    const g = groupSamples([
      rec(20, 'caption-greedy', 'a dog runs', 'b.jpg', 1),
      rec(0, 'caption-greedy', 'the the the'),
      rec(0, 'caption-sample', 'grass dog'),
      rec(20, 'caption-greedy', 'a dog runs on the grass'),
      rec(20, 'caption-sample', 'a brown dog'),
      rec(0, 'other-kind', 'ignored'),
    ]);
    expect(g.map((i) => i.image)).toEqual(['a.jpg', 'b.jpg']);
    const a = g[0];
    expect(a?.steps.map((s) => s.step)).toEqual([0, 20]);
    expect(a?.steps[1]?.greedy?.text).toBe('a dog runs on the grass');
    expect(a?.steps[1]?.sample?.text).toBe('a brown dog');
    expect(a?.steps[1]?.greedy?.words).toHaveLength(6);
    expect(a?.references).toEqual(refs);
    expect(g[1]?.steps[0]?.sample).toBeNull();
  });

  it('scores each greedy caption with BLEU against all references', () => {
    const g = groupSamples([rec(0, 'caption-greedy', 'a dog runs on the grass .'), rec(5, 'caption-greedy', 'zebra')]);
    const [exact, none] = g[0]?.steps ?? [];
    expect(exact?.bleu?.[3]).toBeCloseTo(1, 10);
    expect(none?.bleu).toEqual([0, 0, 0, 0]);
    // Hand-computed: "a dog" against the references: p1 = 2/2, p2 = 1/1; c = 2, closest r = 6: BP = exp(1 - 6/2).
    const b = captionBleu('a dog', refs);
    expect(b[0]).toBeCloseTo(Math.exp(1 - 3), 10);
    expect(b[1]).toBeCloseTo(Math.exp(1 - 3), 10);
  });

  it('finds an image among dataset keys by its name or base name', () => {
    const keys = new Map([
      ['x/1.jpg', 7],
      ['2.jpg', 9],
    ]);
    expect(matchItemKey('x/1.jpg', keys)).toBe(7);
    expect(matchItemKey('/data/flickr/2.jpg', keys)).toBe(9);
    expect(matchItemKey('3.jpg', keys)).toBeNull();
  });
});
