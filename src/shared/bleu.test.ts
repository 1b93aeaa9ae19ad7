import { describe, expect, it } from 'vitest';
import { closestRefLength, corpusBleu, sentenceBleu } from './bleu';

const t = (s: string): string[] => s.split(' ').filter(Boolean);

describe('corpus BLEU', () => {
  it('gives 1.0 for an identical sentence', () => {
    const r = sentenceBleu(t('a dog runs on the grass'), [t('a dog runs on the grass')]);
    expect(r.bleu).toEqual([1, 1, 1, 1]);
    expect(r.brevityPenalty).toBe(1);
  });

  it('clips counts by the maximum over references (Papineni et al. 2002, "the the the ...")', () => {
    const r = sentenceBleu(t('the the the the the the the'), [t('the cat is on the mat'), t('there is a cat on the mat')], { maxN: 1 });
    expect(r.precisions[0]).toBeCloseTo(2 / 7, 12);
    // c = 7, closest reference length = 7 -> no penalty.
    expect(r.brevityPenalty).toBe(1);
    expect(r.bleu[0]).toBeCloseTo(2 / 7, 12);
  });

  it('applies the brevity penalty when the hypothesis is short', () => {
    // p1 = 2/2, p2 = 1/1, no trigram; c = 2, r = 6: BP = exp(1 - 6/2) = exp(-2).
    const r = sentenceBleu(t('the cat'), [t('the cat is on the mat')]);
    expect(r.brevityPenalty).toBeCloseTo(Math.exp(-2), 12);
    expect(r.bleu[0]).toBeCloseTo(Math.exp(-2), 12);
    expect(r.bleu[1]).toBeCloseTo(Math.exp(-2), 12);
    expect(r.bleu[2]).toBe(0);
    expect(r.bleu[3]).toBe(0);
    expect(sentenceBleu(t('the cat'), [t('the cat is on the mat')], { brevityPenalty: false }).bleu[1]).toBe(1);
  });

  it('takes the closest reference length, the shorter on a tie', () => {
    expect(closestRefLength(5, [t('a b c d'), t('a b c d e f g')])).toBe(4);
    expect(closestRefLength(3, [t('a b c d'), t('a b')])).toBe(2);
    expect(closestRefLength(3, [t('a b'), t('a b c d')])).toBe(2);
    // hyp 'a b c' (3) vs refs of length 2 and 4: r = 2 < c, so no penalty although one reference is longer.
    expect(sentenceBleu(t('a b c'), [t('x y'), t('a b c d')]).brevityPenalty).toBe(1);
    // With only the longer reference: BP = exp(1 - 4/3).
    expect(sentenceBleu(t('a b c'), [t('a b c d')]).brevityPenalty).toBeCloseTo(Math.exp(1 - 4 / 3), 12);
  });

  it('sums counts over the corpus (hand-computed two-sentence case)', () => {
    // h1 = 'a b c d' vs 'a b c e': 1-gram 3/4, 2-gram 2/3, 3-gram 1/2, 4-gram 0/1.
    // h2 = 'a b' vs 'a b x': 1-gram 2/2, 2-gram 1/1, 3- and 4-grams: none.
    // Totals: p1 = 5/6, p2 = 3/4, p3 = 1/2, p4 = 0/1; c = 6, r = 4 + 3 = 7: BP = exp(1 - 7/6).
    const r = corpusBleu([t('a b c d'), t('a b')], [[t('a b c e')], [t('a b x')]]);
    expect(r.matches).toEqual([5, 3, 1, 0]);
    expect(r.totals).toEqual([6, 4, 2, 1]);
    const bp = Math.exp(1 - 7 / 6);
    expect(r.brevityPenalty).toBeCloseTo(bp, 12);
    expect(r.bleu[0]).toBeCloseTo(bp * (5 / 6), 12);
    expect(r.bleu[1]).toBeCloseTo(bp * Math.sqrt((5 / 6) * (3 / 4)), 12);
    expect(r.bleu[2]).toBeCloseTo(bp * Math.cbrt((5 / 6) * (3 / 4) * (1 / 2)), 12);
    expect(r.bleu[3]).toBe(0);
  });

  it("matches NLTK's documented corpus_bleu and sentence_bleu values (multiple references)", () => {
    const h1 = t('It is a guide to action which ensures that the military always obeys the commands of the party');
    const r1a = t('It is a guide to action that ensures that the military will forever heed Party commands');
    const r1b = t('It is the guiding principle which guarantees the military forces always being under the command of the Party');
    const r1c = t('It is the practical guide for the army always to heed the directions of the party');
    const h2 = t('he read the book because he was interested in world history');
    const r2a = t('he was interested in world history because he read the book');
    expect(sentenceBleu(h1, [r1a, r1b, r1c]).bleu[3]).toBeCloseTo(0.5045666840058485, 12);
    expect(corpusBleu([h1, h2], [[r1a, r1b, r1c], [r2a]]).bleu[3]).toBeCloseTo(0.5920778868801042, 12);
  });

  it('handles empty hypotheses and rejects mismatched input', () => {
    const r = corpusBleu([[]], [[t('a b')]]);
    expect(r.bleu).toEqual([0, 0, 0, 0]);
    expect(() => corpusBleu([t('a')], [])).toThrow(/reference sets/);
    expect(() => corpusBleu([t('a')], [[]])).toThrow(/no references/);
  });
});
