import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Vocab } from '../../shared/vocabulary';
import { seededRandom } from '../../shared/random';
import { buildInstances, groupByImage } from './data';
import { captionImageScores, retrieval, retrievalFromScores } from './evaluate';
import { LmModel, paramSpecs, type LmConfig } from './model';

const rows = [
  { image: 'p', caption: 'a dog runs on grass' },
  { image: 'p', caption: 'the dog runs' },
  { image: 'q', caption: 'a man rides a bike' },
  { image: 'q', caption: 'man on a bike' },
  { image: 'r', caption: 'two dogs play' },
];

describe('caption-image scores for retrieval', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const kind of ['mlbl-b', 'mlbl-f'] as const) {
    it(`${kind}: the batched scores equal the log-likelihood of each caption given each image, computed directly`, () => {
      const images = groupByImage(rows);
      const vocab = Vocab.build(
        images.flatMap((i) => i.tokens),
        1,
      );
      const c: LmConfig = { model: kind, V: vocab.size, K: 6, n: 2, D: 5, h: 4, F: 3, dropout: kind === 'mlbl-b' ? 0.2 : 0 };
      const rand = seededRandom(kind.length);
      const model = new LmModel(
        c,
        new Map(paramSpecs(c).map((s) => [s.name, Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1)])),
      );
      const inst = buildInstances(images, vocab, 2);
      const N = 4;
      const feats = Float32Array.from({ length: N * c.D }, () => rand() * 2);
      const S = captionImageScores(model, inst, tf.tensor2d(feats, [N, c.D]));
      // In chunks of 3 rows (distinct contexts for MLBL-B, words for MLBL-F): the same scores.
      const S3 = captionImageScores(model, inst, tf.tensor2d(feats, [N, c.D]), 3);
      for (let i = 0; i < S.length; i++) expect(S3[i]).toBeCloseTo(S[i] as number, 4);
      for (let j = 0; j < N; j++) {
        const direct = tf.tidy(() => {
          const im = tf.tile(tf.tensor2d(feats.subarray(j * c.D, (j + 1) * c.D), [1, c.D]), [inst.count, 1]) as tf.Tensor2D;
          const lp = tf.logSoftmax(model.logits(tf.tensor2d(inst.contexts, [inst.count, 2], 'int32'), im)).arraySync() as number[][];
          const perCaption = new Array<number>(inst.captionCount).fill(0);
          for (let t = 0; t < inst.count; t++) {
            const cap = inst.captions[t] as number;
            const row = lp[t] as number[];
            perCaption[cap] = (perCaption[cap] as number) + (row[inst.targets[t] as number] as number);
          }
          return perCaption;
        });
        for (let cap = 0; cap < inst.captionCount; cap++) expect(S[cap * N + j]).toBeCloseTo(direct[cap] as number, 3);
      }
      // retrieval() runs end to end (3 images + the mean image).
      const r = retrieval(model, inst, tf.tensor2d(feats.subarray(0, 3 * c.D), [3, c.D]), tf.tensor2d(feats.subarray(3 * c.D), [1, c.D]));
      expect(r.textToImage.queries).toBe(5);
      expect(r.imageToText.queries).toBe(3);
      model.dispose();
    });
  }

  it('ranks both directions; image -> text divides out the mean image (Kiros)', () => {
    // 2 images, 4 captions (0, 1 of image 0; 2, 3 of image 1), all of length 2; column 2 = mean image.
    // Caption 2 is generically likely (high under every image), which the mean-image normalisation removes.
    const S = Float64Array.from([-4, -6, -5, -5, -4, -5, -1, -1.5, -1, -6, -5, -7]);
    const r = retrievalFromScores(S, 2, Int32Array.from([0, 0, 1, 1]), Int32Array.from([2, 2, 2, 2]));
    // Text -> image ranks: caption 0 -> image 0 rank 1; caption 1 -> image 0 is worse than image 1: rank 2; caption 2 -> rank 2; caption 3 -> rank 1.
    expect(r.textToImage).toMatchObject({ r1: 0.5, r5: 1, medianRank: 1.5, queries: 4 });
    // Image 0: per-word gains (S - mean) / 2 = [0.5, 0, 0, 0.5] -> own caption 0 ties caption 3: rank 1.
    // Image 1: gains = [-0.5, 0.5, -0.25, 1] -> own caption 3 is best: rank 1. Without the
    // normalisation caption 2 (-1.5) would beat caption 3 (-5) for image 1 as well as for image 0.
    expect(r.imageToText).toMatchObject({ r1: 1, medianRank: 1, queries: 2 });
  });
});
