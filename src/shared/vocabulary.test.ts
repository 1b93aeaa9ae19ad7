import { describe, expect, it } from 'vitest';
import { Vocab } from './vocabulary';

const captions = ['A dog runs.', 'A dog sits', 'A cat sleeps on 2 mats.', 'The dog runs!'];

describe('Vocab', () => {
  it('keeps words at or above the count cutoff, specials first, the rest as <unk>', () => {
    const v = Vocab.fromCaptions(captions, 2);
    // a: 3, dog: 3, runs: 2, '.': 2; cat/sleeps/on/<#>/mats/the/sits/! once.
    expect(v.words).toEqual(['<unk>', '<start>', '<end>', 'a', 'dog', '.', 'runs']);
    expect(v.counts).toEqual([0, 0, 0, 3, 3, 2, 2]);
    expect(v.encodeTokens(['a', 'cat', 'runs'])).toEqual([3, 0, 6]);
    expect(v.encodeCaption('The dog runs.', 2)).toEqual([1, 1, 0, 4, 6, 5, 2]);
    expect(v.decode([1, 1, 3, 4, 0, 2, 3])).toEqual(['a', 'dog', '<unk>']);
    expect(Vocab.fromCaptions(captions, 1).size).toBe(3 + 12);
    expect(Vocab.fromCaptions(captions, 4).words).toEqual(['<unk>', '<start>', '<end>']);
  });

  it('round-trips through JSON and decodes the same way', () => {
    const v = Vocab.fromCaptions(captions, 1);
    const w = Vocab.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(w.words).toEqual(v.words);
    expect(w.minCount).toBe(1);
    for (const c of captions) expect(w.encodeCaption(c, 3)).toEqual(v.encodeCaption(c, 3));
    expect(() => Vocab.fromJSON({ format: 'other' })).toThrow(/mlbl-vocabulary/);
    expect(() => Vocab.fromJSON({ ...v.toJSON(), tokenizer: 99 })).toThrow(/tokenizer v99/);
    expect(() => Vocab.fromJSON({ ...v.toJSON(), words: ['a', '<start>', '<end>'], counts: [0, 0, 0] })).toThrow(/<unk>/);
  });

  it('rejects a bad cutoff and out-of-range ids', () => {
    expect(() => Vocab.fromCaptions(captions, 0)).toThrow(/minCount/);
    expect(() => Vocab.fromCaptions(captions, 2).word(99)).toThrow(/out of range/);
  });
});
