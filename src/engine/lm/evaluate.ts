/**
 * Evaluation of the language models (MODELS.md "Evaluation"):
 * - perplexity 2^(-(1/N) sum log2 P(w_t | context, image)) over every predicted word, `<end>` included;
 * - BLEU-1..4 (standard corpus BLEU, brevity penalty, all references) of generated captions;
 * - retrieval: text -> image ranks images by the caption's perplexity given each image;
 *   image -> text ranks captions by their perplexity given the image divided by their perplexity
 *   given the mean (training) image, as Kiros does to remove the language prior. R@1/5/10 and
 *   median rank, both directions.
 */
import * as tf from '@tensorflow/tfjs';
import { corpusBleu, type BleuResult } from '../../shared/bleu';
import type { Vocab } from '../../shared/vocabulary';
import type { ImageCaptions, Instances } from './data';
import { beamSearch, modelScorer, sampleDecode, type BeamOptions, type Decoded } from './decode';
import type { LmModel } from './model';

const ROWS = 1024;

export interface PerplexityResult {
  perplexity: number;
  words: number;
  log2Sum: number;
}

/** `<end>`-inclusive perplexity of `inst` (image rows index `features`, [N, D], when the model has an image path). */
export function perplexity(model: LmModel, inst: Instances, features: tf.Tensor2D | null): PerplexityResult {
  let lnSum = 0;
  for (let s = 0; s < inst.count; s += ROWS) {
    const e = Math.min(inst.count, s + ROWS);
    lnSum += tf.tidy(() => {
      const ctx = tf.tensor2d(inst.contexts.subarray(s * inst.n, e * inst.n), [e - s, inst.n], 'int32');
      const tgt = tf.tensor1d(inst.targets.subarray(s, e), 'int32');
      const im = model.hasImage ? (tf.gather(features as tf.Tensor2D, tf.tensor1d(inst.images.subarray(s, e), 'int32')) as tf.Tensor2D) : undefined;
      const logp = tf.logSoftmax(model.logits(ctx, im));
      return tf.sum(tf.mul(logp, tf.cast(tf.oneHot(tgt, model.config.V), 'float32'))).dataSync()[0] as number;
    });
  }
  const log2Sum = lnSum / Math.LN2;
  return { perplexity: Math.pow(2, -log2Sum / Math.max(1, inst.count)), words: inst.count, log2Sum };
}

/** Perplexity from a sum of log2 probabilities (MODELS.md's definition), for hand-made checks. */
export function perplexityFromLog2(log2Probs: readonly number[]): number {
  const s = log2Probs.reduce((a, b) => a + b, 0);
  return Math.pow(2, -s / log2Probs.length);
}

/**
 * S[c * N + j] = sum over caption c's predicted words of ln P(w | context, image j), for every
 * caption of `inst` and every row j of `images` ([N, D]).
 *
 * MLBL-B: the logits split as L[t] + G[j] (context part + image part), so the log-normaliser of
 * every (word, image) pair is mL_t + mG_j + log((exp(L - mL) exp(G - mG)^T)[t, j]): one matmul
 * instead of one softmax per pair. MLBL-F (multiplicative gate) is computed image by image.
 */
export function captionImageScores(model: LmModel, inst: Instances, images: tf.Tensor2D, chunkRows = ROWS): Float64Array {
  const c = model.config;
  const N = images.shape[0];
  const S = new Float64Array(inst.captionCount * N);
  const terms = model.imageTerms(images);
  try {
    if (c.model === 'mlbl-b') {
      mlblbScores(model, inst, terms.imageBias, N, S, chunkRows);
      return S;
    }
    for (let s = 0; s < inst.count; s += chunkRows) {
      const e = Math.min(inst.count, s + chunkRows);
      const rows = e - s;
      const lp = tf.tidy(() => {
        const ctx = tf.tensor2d(inst.contexts.subarray(s * inst.n, e * inst.n), [rows, inst.n], 'int32');
        const tgt = tf.tensor1d(inst.targets.subarray(s, e), 'int32');
        // MLBL-F: one full softmax per image.
        const cols: tf.Tensor[] = [];
        const onehot = tf.cast(tf.oneHot(tgt, c.V), 'float32');
        for (let j = 0; j < N; j++) {
          const bias = tf.tile(tf.slice(terms.imageBias, [j, 0], [1, c.K]), [rows, 1]) as tf.Tensor2D;
          const gate = tf.tile(tf.slice(terms.gate as tf.Tensor2D, [j, 0], [1, c.F]), [rows, 1]) as tf.Tensor2D;
          cols.push(tf.sum(tf.mul(tf.logSoftmax(model.logits(ctx, undefined, { imageBias: bias, gate })), onehot), 1, true));
        }
        return tf.concat(cols, 1).dataSync() as Float32Array;
      });
      for (let r = 0; r < rows; r++) {
        const cap = inst.captions[s + r] as number;
        for (let j = 0; j < N; j++) S[cap * N + j] = (S[cap * N + j] as number) + (lp[r * N + j] as number);
      }
    }
  } finally {
    tf.dispose([terms.imageBias, ...(terms.gate ? [terms.gate] : [])]);
  }
  return S;
}

/**
 * MLBL-B's scores (see captionImageScores). The log-normaliser depends on the context and the
 * image, not on the predicted word, so it is computed once per distinct context (captions share
 * their openings: "<s> <s> <s> <s> a" starts most of them), and the image part G = (x M) R^T,
 * exp(G - mG) and its transpose once for all chunks (the transpose is the matmul's untransposed
 * right-hand operand, which XNNPACK packs once and reuses). Numerators are gathered in JavaScript.
 */
function mlblbScores(model: LmModel, inst: Instances, imageBias: tf.Tensor2D, N: number, S: Float64Array, chunkRows: number): void {
  const c = model.config;
  const V = c.V;
  const n = inst.n;
  // Distinct contexts, and for each the instances that have it.
  const index = new Map<string, number>();
  const ctxOf = new Int32Array(inst.count);
  const uniq: number[] = [];
  for (let t = 0; t < inst.count; t++) {
    const ids = inst.contexts.subarray(t * n, (t + 1) * n);
    const key = ids.join(',');
    let u = index.get(key);
    if (u === undefined) {
      u = index.size;
      index.set(key, u);
      for (const id of ids) uniq.push(id);
    }
    ctxOf[t] = u;
  }
  const U = index.size;
  const byContext: number[][] = Array.from({ length: U }, () => []);
  for (let t = 0; t < inst.count; t++) (byContext[ctxOf[t] as number] as number[]).push(t);
  const contexts = Int32Array.from(uniq);
  const [G, mG, expGT] = tf.tidy(() => {
    const g = tf.matMul(imageBias, model.p('R'), false, true); // [N, V]
    const m = tf.max(g, 1, true); // [N, 1]
    return [tf.keep(g), tf.keep(m), tf.keep(tf.transpose(tf.exp(tf.sub(g, m))))]; // expGT [V, N]
  });
  try {
    const g = G.dataSync() as Float32Array;
    const mg = mG.dataSync() as Float32Array;
    for (let s = 0; s < U; s += chunkRows) {
      const e = Math.min(U, s + chunkRows);
      const rows = e - s;
      const L = tf.tidy(() => {
        const ctx = tf.tensor2d(contexts.subarray(s * n, e * n), [rows, n], 'int32');
        return model.logits(ctx, undefined, { imageBias: tf.zeros([rows, c.K]) as tf.Tensor2D }); // [rows, V], b included
      });
      const lse = tf.tidy(() => {
        const mL = tf.max(L, 1, true);
        const prod = tf.matMul(tf.exp(tf.sub(L, mL)), expGT); // [rows, N]
        return tf.add(tf.log(tf.maximum(prod, 1e-30)), mL).dataSync() as Float32Array;
      });
      // Disposed here, outside a tidy: with the [rows, V] logits inside the tidy above, its end took
      // ~25 s per chunk on wasm (V 5,094, measured, cause not found); this way the chunk takes ~0.6 s.
      const Ld = L.dataSync() as Float32Array;
      L.dispose();
      for (let r = 0; r < rows; r++) {
        for (const t of byContext[s + r] as number[]) {
          const cap = inst.captions[t] as number;
          const w = inst.targets[t] as number;
          const l = Ld[r * V + w] as number;
          for (let j = 0; j < N; j++) {
            S[cap * N + j] = (S[cap * N + j] as number) + l + (g[j * V + w] as number) - (lse[r * N + j] as number) - (mg[j] as number);
          }
        }
      }
    }
  } finally {
    tf.dispose([G, mG, expGT]);
  }
}

export interface RankStats {
  r1: number;
  r5: number;
  r10: number;
  medianRank: number;
  queries: number;
}
export interface RetrievalResult {
  textToImage: RankStats;
  imageToText: RankStats;
  images: number;
  captions: number;
}

export function rankStats(ranks: readonly number[]): RankStats {
  const sorted = [...ranks].sort((a, b) => a - b);
  const q = sorted.length;
  const at = (k: number): number => sorted.filter((r) => r <= k).length / Math.max(1, q);
  const median = q === 0 ? NaN : q % 2 ? (sorted[(q - 1) / 2] as number) : ((sorted[q / 2 - 1] as number) + (sorted[q / 2] as number)) / 2;
  return { r1: at(1), r5: at(5), r10: at(10), medianRank: median, queries: q };
}

/**
 * Retrieval among the images of `inst` (features rows 0..N-1) and all their captions;
 * `meanImage` ([1, D]) is the mean training feature used to normalise image -> text.
 */
export function retrieval(model: LmModel, inst: Instances, features: tf.Tensor2D, meanImage: tf.Tensor2D): RetrievalResult {
  const N = features.shape[0];
  const all = tf.concat([features, meanImage], 0) as tf.Tensor2D;
  const S = captionImageScores(model, inst, all);
  all.dispose();
  return retrievalFromScores(S, N, inst.captionImage, inst.captionLength);
}

/**
 * Ranks from S ([captions, N + 1], column N = the mean image), see `retrieval`. Ties count in
 * the query's favour (rank = 1 + number of strictly better candidates).
 */
export function retrievalFromScores(S: Float64Array, N: number, captionImage: Int32Array, captionLength: Int32Array): RetrievalResult {
  const W = N + 1;
  const captions = captionImage.length;
  // Text -> image: per caption, rank of its own image by log-likelihood (= by perplexity).
  const t2i: number[] = [];
  for (let c = 0; c < captions; c++) {
    const own = captionImage[c] as number;
    const s0 = S[c * W + own] as number;
    let better = 0;
    for (let j = 0; j < N; j++) if ((S[c * W + j] as number) > s0) better++;
    t2i.push(better + 1);
  }
  // Image -> text: per image, captions ranked by log PPL(c | image) - log PPL(c | mean image),
  // i.e. by the per-word log-likelihood gain over the mean image; rank of the first own caption.
  const i2t: number[] = [];
  for (let j = 0; j < N; j++) {
    const score = new Float64Array(captions);
    for (let c = 0; c < captions; c++) score[c] = ((S[c * W + j] as number) - (S[c * W + N] as number)) / (captionLength[c] as number);
    let bestOwn = -Infinity;
    for (let c = 0; c < captions; c++) if (captionImage[c] === j) bestOwn = Math.max(bestOwn, score[c] as number);
    let better = 0;
    for (let c = 0; c < captions; c++) if ((score[c] as number) > bestOwn) better++;
    i2t.push(better + 1);
  }
  return { textToImage: rankStats(t2i), imageToText: rankStats(i2t), images: N, captions };
}

export interface CaptionOptions {
  beam: number;
  maxLength: number;
  /** Beam length normalisation alpha (decode.ts); default DEFAULT_LENGTH_PENALTY. */
  lengthPenalty?: number;
  /** Let captions contain `<unk>` (default false: it names no word, and never matches a reference). */
  allowUnk?: boolean;
  /** Block repeated n-grams of this size (decode.ts; default DEFAULT_NO_REPEAT_NGRAM, 0 = off). */
  noRepeatNgram?: number;
}

export const DEFAULT_NO_REPEAT_NGRAM = 2;

/** Beam options for a caption with the defaults above (beam 1 = greedy). */
export function captionBeamOptions(vocab: Vocab, o: CaptionOptions): BeamOptions {
  return {
    beamSize: o.beam,
    maxLength: o.maxLength,
    lengthNormalize: o.beam > 1,
    lengthPenalty: o.lengthPenalty ?? DEFAULT_LENGTH_PENALTY,
    noRepeatNgram: o.noRepeatNgram ?? DEFAULT_NO_REPEAT_NGRAM,
    forbid: o.allowUnk ? [vocab.start] : [vocab.start, vocab.unk],
  };
}

/**
 * How captions are decoded unless asked otherwise, chosen on BLEU-4 (beam 3) of flickr8k-mini's
 * VALIDATION images (seed 1) for the LBL, MLBL-B, MLBL-F and text-pretrained MLBL-B runs:
 * `<unk>` never generated (MLBL-B 0.090 -> 0.096: it names no word and matches no reference),
 * repeated bigrams blocked (MLBL-B 0.096 -> 0.107, mean of the three image models 0.086 -> 0.090;
 * trigrams 0.099; LBL unchanged at 0.099), mean log-probability per word (length penalty 1; 0 and
 * 0.5-0.7 did no better).
 */
export const DEFAULT_LENGTH_PENALTY = 1;

/** Caption one image (features row, or null for LBL) by beam search (beam 1 = greedy). */
export function captionImage(model: LmModel, vocab: Vocab, image: Float32Array | null, o: CaptionOptions): Decoded {
  const scorer = modelScorer(model, image, { startId: vocab.start, endId: vocab.end });
  try {
    return beamSearch(scorer, captionBeamOptions(vocab, o))[0] as Decoded;
  } finally {
    scorer.dispose();
  }
}

export function sampleCaption(
  model: LmModel,
  vocab: Vocab,
  image: Float32Array | null,
  o: { maxLength: number; temperature: number; rand: () => number },
): Decoded {
  const scorer = modelScorer(model, image, { startId: vocab.start, endId: vocab.end });
  try {
    return sampleDecode(scorer, {
      maxLength: o.maxLength,
      temperature: o.temperature,
      rand: o.rand,
      forbid: [vocab.start, vocab.unk],
      noRepeatNgram: DEFAULT_NO_REPEAT_NGRAM,
    });
  } finally {
    scorer.dispose();
  }
}

export interface BleuEval extends BleuResult {
  captions: { image: string; words: string[] }[];
}

/** Captions every image (beam search) and scores them with corpus BLEU against all of each image's references. */
export async function bleuOnImages(
  model: LmModel,
  vocab: Vocab,
  images: readonly ImageCaptions[],
  features: Float32Array[] | null,
  o: CaptionOptions,
  yieldEvery?: () => Promise<void>,
  /** After each image: how many of `images` are decoded (a run's 'decoding' phase). */
  onImage?: (done: number, total: number) => void,
): Promise<BleuEval> {
  const hyps: string[][] = [];
  const refs: string[][][] = [];
  const captions: { image: string; words: string[] }[] = [];
  for (let i = 0; i < images.length; i++) {
    const im = images[i] as ImageCaptions;
    const d = captionImage(model, vocab, features ? (features[i] as Float32Array) : null, o);
    const words = d.ids.map((id) => vocab.word(id));
    hyps.push(words);
    refs.push(im.tokens);
    captions.push({ image: im.image, words });
    onImage?.(i + 1, images.length);
    if (yieldEvery) await yieldEvery();
  }
  return { ...corpusBleu(hyps, refs), captions };
}
