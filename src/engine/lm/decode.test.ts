import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { beamSearch, greedyDecode, modelScorer, repeatsNgram, sampleDecode, type StepScorer } from './decode';
import { LmModel, paramSpecs, type LmConfig } from './model';

// ids: 0 <unk>, 1 <start>, 2 <end>, 3 a, 4 b, 5 c. Context: the last word (n = 1).
const TABLE: Record<number, Record<number, number>> = {
  1: { 3: 0.5, 4: 0.4, 2: 0.1 },
  3: { 2: 0.3, 3: 0.25, 4: 0.25, 5: 0.2 },
  4: { 2: 0.9, 5: 0.1 },
  5: { 2: 1 },
};
function tableScorer(): StepScorer & { calls: number } {
  const V = 6;
  const s = {
    vocabSize: V,
    contextSize: 1,
    startId: 1,
    endId: 2,
    calls: 0,
    logProbs(ctx: Int32Array, k: number): Float32Array {
      s.calls++;
      const out = new Float32Array(k * V).fill(-Infinity);
      for (let i = 0; i < k; i++) {
        const row = TABLE[ctx[i] as number] ?? { 2: 1 };
        for (const [w, p] of Object.entries(row)) out[i * V + Number(w)] = Math.log(p);
      }
      return out;
    },
  };
  return s;
}

/** All word sequences ending in <end> with at most maxLength words, with their log-probabilities. */
function enumerate(s: StepScorer, maxLength: number): { ids: number[]; logProb: number; len: number }[] {
  const out: { ids: number[]; logProb: number; len: number }[] = [];
  const rec = (ctx: number[], ids: number[], lp: number): void => {
    const l = s.logProbs(Int32Array.from(ctx), 1);
    for (let w = 0; w < s.vocabSize; w++) {
      if (w === s.startId || !Number.isFinite(l[w] as number)) continue;
      if (w === s.endId) out.push({ ids, logProb: lp + (l[w] as number), len: ids.length + 1 });
      else if (ids.length < maxLength) rec([...ctx.slice(1), w], [...ids, w], lp + (l[w] as number));
    }
  };
  rec(Array<number>(s.contextSize).fill(s.startId), [], 0);
  return out;
}

describe('decoding on a hand-made distribution', () => {
  it('greedy follows the locally best word; beam search finds the better sequence', () => {
    const g = greedyDecode(tableScorer());
    expect(g.ids).toEqual([3]); // a <end>: 0.5 * 0.3 = 0.15
    expect(g.logProb).toBeCloseTo(Math.log(0.15), 6);
    expect(g.words.map((w) => w.id)).toEqual([3, 2]);
    expect(g.words[0]?.p).toBeCloseTo(0.5, 6);
    expect(g.words[0]?.top.map((a) => a.id)).toEqual([3, 4, 2]);
    const b = beamSearch(tableScorer(), { beamSize: 2, lengthNormalize: false })[0];
    expect(b?.ids).toEqual([4]); // b <end>: 0.4 * 0.9 = 0.36
    expect(b?.logProb).toBeCloseTo(Math.log(0.36), 6);
    const best = enumerate(tableScorer(), 20).sort((x, y) => y.logProb - x.logProb)[0];
    expect(b?.ids).toEqual(best?.ids);
  });

  it('length normalisation ranks by log-probability per predicted word', () => {
    // Normalised: "b <end>": ln(.36)/2 = -0.51; "a <end>": ln(.15)/2 = -0.95; "b c <end>": ln(.04)/3 = -1.07.
    const b = beamSearch(tableScorer(), { beamSize: 3 });
    expect(b[0]?.ids).toEqual([4]);
    expect(b[0]?.normLogProb).toBeCloseTo(Math.log(0.36) / 2, 6);
    for (let i = 1; i < b.length; i++)
      expect((b[i - 1] as { normLogProb: number }).normLogProb).toBeGreaterThanOrEqual((b[i] as { normLogProb: number }).normLogProb);
  });

  it('stops at maxLength with <end>', () => {
    const loop: StepScorer = {
      vocabSize: 4,
      contextSize: 2,
      startId: 1,
      endId: 2,
      logProbs: (_c, k) => Float32Array.from({ length: k * 4 }, (_, i) => Math.log(i % 4 === 3 ? 0.9 : i % 4 === 2 ? 0.1 : 1e-9)),
    };
    const g = greedyDecode(loop, { maxLength: 4 });
    expect(g.ids).toEqual([3, 3, 3, 3]);
    expect(g.words).toHaveLength(5);
    expect(g.words[4]?.id).toBe(2);
    expect(beamSearch(loop, { beamSize: 4, maxLength: 4 })[0]?.ids.length).toBeLessThanOrEqual(4);
  });

  it('samples reproducibly, with temperature and top-k', () => {
    const a = sampleDecode(tableScorer(), { rand: seededRandom(3) });
    const b = sampleDecode(tableScorer(), { rand: seededRandom(3) });
    expect(a).toEqual(b);
    // Top-1 sampling is greedy; a tiny temperature is greedy too.
    expect(sampleDecode(tableScorer(), { rand: seededRandom(1), topK: 1 }).ids).toEqual([3]);
    expect(sampleDecode(tableScorer(), { rand: seededRandom(1), temperature: 0.01 }).ids).toEqual([3]);
    // At temperature 1, first-word frequencies follow P(.|<start>) = (a .5, b .4, <end> .1).
    const rand = seededRandom(9);
    const counts = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const d = sampleDecode(tableScorer(), { rand, maxLength: 1 });
      const w = d.words[0]?.id as number;
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    expect((counts.get(3) ?? 0) / 3000).toBeCloseTo(0.5, 1);
    expect((counts.get(4) ?? 0) / 3000).toBeCloseTo(0.4, 1);
    expect((counts.get(2) ?? 0) / 3000).toBeCloseTo(0.1, 1);
    // Top-2 never picks the third word; a high temperature flattens the distribution.
    for (let i = 0; i < 200; i++) expect(sampleDecode(tableScorer(), { rand, topK: 2, maxLength: 1 }).words[0]?.id).not.toBe(2);
    let ends = 0;
    for (let i = 0; i < 2000; i++) if (sampleDecode(tableScorer(), { rand, temperature: 5, maxLength: 1 }).words[0]?.id === 2) ends++;
    expect(ends / 2000).toBeGreaterThan(0.2);
  });
});

describe('decoding a real (tiny) MLBL-B model', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('beam search with a wide beam returns the argmax sequence; beam 3 scores at least greedy', () => {
    const c: LmConfig = { model: 'mlbl-b', V: 6, K: 4, n: 2, D: 3, h: 3, F: 2, dropout: 0 };
    const rand = seededRandom(21);
    for (let trial = 0; trial < 5; trial++) {
      const values = new Map(
        paramSpecs(c).map((s) => [s.name, Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * 1.5)]),
      );
      const model = new LmModel(c, values);
      const scorer = modelScorer(model, Float32Array.from([0.5, 1, 0.2]), { startId: 1, endId: 2 });
      const all = enumerate(scorer, 3);
      const best = all.reduce((x, y) => (y.logProb > x.logProb ? y : x));
      const bestNorm = all.reduce((x, y) => (y.logProb / y.len > x.logProb / x.len ? y : x));
      const wide = beamSearch(scorer, { beamSize: 200, maxLength: 3, lengthNormalize: false })[0];
      expect(wide?.ids).toEqual(best.ids);
      expect(wide?.logProb).toBeCloseTo(best.logProb, 4);
      const wideNorm = beamSearch(scorer, { beamSize: 200, maxLength: 3 })[0];
      expect(wideNorm?.ids).toEqual(bestNorm.ids);
      const greedy = greedyDecode(scorer, { maxLength: 3 });
      const beam3 = beamSearch(scorer, { beamSize: 3, maxLength: 3, lengthNormalize: false })[0];
      expect(beam3?.logProb).toBeGreaterThanOrEqual(greedy.logProb - 1e-6);
      // Per-word probabilities are the model's and the alternatives are sorted.
      // (The word after maxLength is forced to be <end>.)
      for (const w of greedy.words.slice(0, 3)) {
        expect(w.top[0]?.id).toBe(w.id);
        for (let i = 1; i < w.top.length; i++) expect((w.top[i - 1] as { p: number }).p).toBeGreaterThanOrEqual((w.top[i] as { p: number }).p);
      }
      scorer.dispose();
      model.dispose();
    }
  });
});

describe('caption hygiene: repeated n-grams and forbidden words', () => {
  // ids: 0 <unk>, 1 <start>, 2 <end>, 3 a, 4 b, 5 c. After "a" comes "b", after "b" comes "a" (a
  // loop), with <unk> and <end> less likely; "c" ends a caption.
  const LOOP: Record<number, Record<number, number>> = {
    1: { 3: 0.6, 0: 0.3, 5: 0.1 },
    3: { 4: 0.7, 0: 0.2, 2: 0.06, 5: 0.04 },
    4: { 3: 0.7, 2: 0.2, 5: 0.1 },
    5: { 2: 1 },
    0: { 2: 1 },
  };
  const loopScorer = (): StepScorer => ({
    vocabSize: 6,
    contextSize: 1,
    startId: 1,
    endId: 2,
    logProbs(ctx: Int32Array, k: number): Float32Array {
      const out = new Float32Array(k * 6).fill(-Infinity);
      for (let i = 0; i < k; i++) for (const [w, p] of Object.entries(LOOP[ctx[i] as number] ?? { 2: 1 })) out[i * 6 + Number(w)] = Math.log(p);
      return out;
    },
  });

  it('repeatsNgram finds an n-gram the next word would repeat', () => {
    expect(repeatsNgram([3, 4, 3], 4, 2)).toBe(true); // "a b" again
    expect(repeatsNgram([3, 4, 3], 5, 2)).toBe(false);
    expect(repeatsNgram([3, 4, 3], 4, 3)).toBe(false); // "b a b" is new
    expect(repeatsNgram([3, 4, 3, 4], 3, 3)).toBe(true); // "a b a" again
    expect(repeatsNgram([3], 3, 2)).toBe(false);
    expect(repeatsNgram([3, 3], 3, 0)).toBe(false);
  });

  it('without blocking the loop runs to the length limit; with bigrams blocked the caption ends; <unk> can be forbidden', () => {
    const free = greedyDecode(loopScorer(), { maxLength: 8 });
    expect(free.ids).toEqual([3, 4, 3, 4, 3, 4, 3, 4]); // cut at maxLength
    // a b a, then "b" would repeat "a b": the next best word, <unk>, then <end>.
    const blocked = beamSearch(loopScorer(), { beamSize: 1, maxLength: 8, lengthNormalize: false, noRepeatNgram: 2 })[0];
    expect(blocked?.ids).toEqual([3, 4, 3, 0]);
    expect(blocked?.words.map((w) => w.p)).toEqual([0.6, 0.7, 0.7, 0.2, 1].map((p) => expect.closeTo(p, 6)));
    // The blocked word still shows among the alternatives, with the model's probability.
    expect(blocked?.words[3]?.top[0]).toMatchObject({ id: 4, p: expect.closeTo(0.7, 6) });
    // <unk> forbidden as well: the caption ends after "a b a".
    const clean = beamSearch(loopScorer(), { beamSize: 1, maxLength: 8, lengthNormalize: false, noRepeatNgram: 2, forbid: [1, 0] })[0];
    expect(clean?.ids).toEqual([3, 4, 3]);
    const withUnk = beamSearch(loopScorer(), { beamSize: 3, maxLength: 3, forbid: [1] });
    const noUnk = beamSearch(loopScorer(), { beamSize: 3, maxLength: 3, forbid: [1, 0] });
    expect(withUnk.some((d) => d.ids.includes(0))).toBe(true);
    expect(noUnk.every((d) => !d.ids.includes(0) && d.words.every((w) => w.top.every((a) => a.id !== 0)))).toBe(true);
  });
});
