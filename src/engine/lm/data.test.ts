import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Vocab } from '../../shared/vocabulary';
import { buildInstances, groupByImage, readCaptionsCsv, splitByImage } from './data';
import { perplexity, perplexityFromLog2, rankStats } from './evaluate';
import { LmModel, paramSpecs, type LmConfig } from './model';

const MINI = '../shared/datasets/flickr8k-mini/captions.csv';

describe('caption data', () => {
  it('reads the real Flickr8k-mini captions: 800 images with 5 captions each', () => {
    const images = groupByImage(readCaptionsCsv(MINI));
    expect(images).toHaveLength(800);
    expect(images.every((im) => im.captions.length === 5)).toBe(true);
    // Quoted captions with commas keep their commas as tokens.
    expect(images.some((im) => im.tokens.some((t) => t.includes(',')))).toBe(true);
  });

  it('splits by image, deterministically from the seed and independent of row order', () => {
    const images = groupByImage(readCaptionsCsv(MINI));
    const a = splitByImage(images, 7, 0.1, 0.1);
    const b = splitByImage([...images].reverse(), 7, 0.1, 0.1);
    const c = splitByImage(images, 8, 0.1, 0.1);
    expect(a.test.map((i) => i.image)).toEqual(b.test.map((i) => i.image));
    expect(a.train.map((i) => i.image)).toEqual(b.train.map((i) => i.image));
    expect(a.test.map((i) => i.image)).not.toEqual(c.test.map((i) => i.image));
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([640, 80, 80]);
    const seen = new Set<string>();
    for (const im of [...a.train, ...a.validation, ...a.test]) {
      expect(seen.has(im.image)).toBe(false);
      seen.add(im.image);
    }
    expect(seen.size).toBe(800);
  });

  it('builds n-gram instances with n <start> tokens and <end> as the last target', () => {
    const images = groupByImage([
      { image: 'x', caption: 'A dog runs' },
      { image: 'x', caption: 'A cat' },
      { image: 'y', caption: 'dog' },
    ]);
    const vocab = Vocab.build(
      images.flatMap((i) => i.tokens),
      1,
    );
    const inst = buildInstances(images, vocab, 2);
    const S = vocab.start;
    const E = vocab.end;
    const id = (w: string): number => vocab.id(w);
    expect(inst.count).toBe(4 + 3 + 2);
    expect(Array.from(inst.targets)).toEqual([id('a'), id('dog'), id('runs'), E, id('a'), id('cat'), E, id('dog'), E]);
    expect(Array.from(inst.contexts.subarray(0, 8))).toEqual([S, S, S, id('a'), id('a'), id('dog'), id('dog'), id('runs')]);
    expect(Array.from(inst.images)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(Array.from(inst.captions)).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2]);
    expect(Array.from(inst.captionImage)).toEqual([0, 0, 1]);
    expect(Array.from(inst.captionLength)).toEqual([4, 3, 2]);
  });
});

describe('perplexity', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is 2^(-(1/N) sum log2 P) over every predicted word, <end> included (hand-made case)', () => {
    // Vocabulary <unk> <start> <end> a; a model whose prediction ignores the context:
    // all weights 0 except b = log p, so P = p = (0.1, 0.1, 0.3, 0.5).
    const images = groupByImage([{ image: 'x', caption: 'a a' }]);
    const vocab = Vocab.build(
      images.flatMap((i) => i.tokens),
      1,
    );
    expect(vocab.words).toEqual(['<unk>', '<start>', '<end>', 'a']);
    const c: LmConfig = { model: 'lbl', V: 4, K: 3, n: 2, D: 0, h: 0, F: 1, dropout: 0 };
    const values = new Map(paramSpecs(c).map((s) => [s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1))]));
    values.set('b', Float32Array.from([0.1, 0.1, 0.3, 0.5].map(Math.log)));
    const model = new LmModel(c, values);
    const inst = buildInstances(images, vocab, 2);
    // Predicted: a, a, <end>: (0.5 * 0.5 * 0.3)^(-1/3).
    const expected = Math.pow(0.5 * 0.5 * 0.3, -1 / 3);
    expect(expected).toBeCloseTo(2.3713, 4);
    expect(perplexityFromLog2([Math.log2(0.5), Math.log2(0.5), Math.log2(0.3)])).toBeCloseTo(expected, 10);
    const r = perplexity(model, inst, null);
    expect(r.words).toBe(3);
    expect(r.perplexity).toBeCloseTo(expected, 4);
    // A uniform model has perplexity V.
    values.set('b', new Float32Array(4));
    model.setValues(values);
    expect(perplexity(model, inst, null).perplexity).toBeCloseTo(4, 4);
    model.dispose();
  });

  it('rank statistics: R@K and median rank', () => {
    expect(rankStats([1, 2, 6, 11, 3])).toEqual({ r1: 0.2, r5: 0.6, r10: 0.8, medianRank: 3, queries: 5 });
    expect(rankStats([1, 4]).medianRank).toBe(2.5);
  });
});
