/**
 * Caption decoding for the log-bilinear models: greedy, beam search with length normalisation
 * (the authors' `lm_tools.beam_search`: hypotheses are ranked by their summed log-probability
 * divided by the number of predicted words, `<end>` included), and sampling with temperature and
 * top-k. Every decoded word carries its model probability and the top-5 alternatives.
 *
 * Decoders see the model only through a StepScorer (log-probabilities of the next word for a
 * batch of contexts), so they can be tested on hand-made distributions.
 */
import * as tf from '@tensorflow/tfjs';
import type { LmModel } from './model';

export interface StepScorer {
  vocabSize: number;
  contextSize: number;
  startId: number;
  endId: number;
  /** Natural-log probabilities [k * V] of the next word after each of k contexts ([k * n] ids, oldest first). */
  logProbs(contexts: Int32Array, k: number): Float32Array;
}

export interface Alternative { id: number; p: number }
export interface DecodedWord {
  id: number;
  /** Model probability of this word (temperature and top-k do not change it). */
  p: number;
  /** The five most probable words at this position (model probabilities, forbidden words left out). */
  top: Alternative[];
}
export interface Decoded {
  /** Generated ids, `<end>` excluded. */
  ids: number[];
  /** One entry per predicted word, the final `<end>` included when it was produced. */
  words: DecodedWord[];
  /** Sum of natural-log probabilities of `words`. */
  logProb: number;
  /** logProb / words.length (the beam's length-normalised score). */
  normLogProb: number;
  /** False when maxLength was reached before `<end>`. */
  ended: boolean;
}

export interface DecodeOptions {
  /** Most words to generate, `<end>` not counted (default 20). */
  maxLength?: number;
  /** Ids never generated (default: `<start>`). */
  forbid?: readonly number[];
  /** Words of context before the first generated word (default n x `<start>`). */
  prefix?: readonly number[];
}

function initialContext(s: StepScorer, o: DecodeOptions): number[] {
  const ctx = Array<number>(s.contextSize).fill(s.startId);
  for (const id of o.prefix ?? []) { ctx.shift(); ctx.push(id); }
  return ctx;
}

function topAlternatives(lp: Float32Array, off: number, V: number, forbidden: Set<number>, k = 5): Alternative[] {
  const top: Alternative[] = [];
  for (let v = 0; v < V; v++) {
    if (forbidden.has(v)) continue;
    const l = lp[off + v] as number;
    if (l === -Infinity || Number.isNaN(l)) continue;
    if (top.length < k || l > Math.log((top[top.length - 1] as Alternative).p)) {
      const item = { id: v, p: Math.exp(l) };
      let i = top.length;
      while (i > 0 && (top[i - 1] as Alternative).p < item.p) i--;
      top.splice(i, 0, item);
      if (top.length > k) top.pop();
    }
  }
  return top;
}

interface Hyp { ctx: number[]; ids: number[]; words: DecodedWord[]; logProb: number; ended: boolean }

function finish(h: Hyp): Decoded {
  return { ids: h.ids, words: h.words, logProb: h.logProb, normLogProb: h.words.length ? h.logProb / h.words.length : 0, ended: h.ended };
}

export interface BeamOptions extends DecodeOptions {
  beamSize?: number;
  /** Rank hypotheses by log-probability per predicted word (default true, as the authors' code). */
  lengthNormalize?: boolean;
}

/**
 * Beam search. Each step every unfinished hypothesis is extended by its beamSize best words;
 * finished ones are carried over; the beamSize best candidates (by normalised or raw score)
 * survive. Stops when all survivors ended or maxLength words were generated. Returns the
 * survivors, best first.
 */
export function beamSearch(s: StepScorer, o: BeamOptions = {}): Decoded[] {
  const k = o.beamSize ?? 3;
  const maxLength = o.maxLength ?? 20;
  const norm = o.lengthNormalize ?? true;
  const forbidden = new Set(o.forbid ?? [s.startId]);
  const V = s.vocabSize;
  const n = s.contextSize;
  const score = (h: Hyp): number => (norm ? (h.words.length ? h.logProb / h.words.length : 0) : h.logProb);
  let beams: Hyp[] = [{ ctx: initialContext(s, o), ids: [], words: [], logProb: 0, ended: false }];
  for (let t = 0; t < maxLength + 1; t++) {
    const active = beams.filter((b) => !b.ended);
    if (active.length === 0) break;
    const ctx = new Int32Array(active.length * n);
    active.forEach((b, i) => ctx.set(b.ctx, i * n));
    const lp = s.logProbs(ctx, active.length);
    const candidates: Hyp[] = beams.filter((b) => b.ended);
    active.forEach((b, i) => {
      const off = i * V;
      const top = topAlternatives(lp, off, V, forbidden, Math.max(k, 5));
      const alts = top.slice(0, 5);
      // After maxLength words only `<end>` may follow (so every returned caption is complete).
      const choices = t === maxLength ? [{ id: s.endId, p: Math.exp(lp[off + s.endId] as number) }] : top.slice(0, k);
      for (const c of choices) {
        const l = lp[off + c.id] as number;
        if (!Number.isFinite(l)) continue;
        const ended = c.id === s.endId;
        candidates.push({
          ctx: [...b.ctx.slice(1), c.id],
          ids: ended ? b.ids : [...b.ids, c.id],
          words: [...b.words, { id: c.id, p: Math.exp(l), top: alts }],
          logProb: b.logProb + l,
          ended,
        });
      }
    });
    candidates.sort((a, b) => score(b) - score(a));
    beams = candidates.slice(0, k);
  }
  return beams.map(finish);
}

/** Greedy decoding: the most probable word at every step. */
export function greedyDecode(s: StepScorer, o: DecodeOptions = {}): Decoded {
  return beamSearch(s, { ...o, beamSize: 1, lengthNormalize: false })[0] as Decoded;
}

export interface SampleOptions extends DecodeOptions {
  temperature?: number;
  /** Sample among the k most probable words only (0 = all). */
  topK?: number;
  /** Uniform [0, 1) source (seeded for reproducible samples). */
  rand: () => number;
}

/** Ancestral sampling from softmax(log p / temperature), optionally restricted to the top k words. */
export function sampleDecode(s: StepScorer, o: SampleOptions): Decoded {
  const temperature = o.temperature ?? 1;
  if (!(temperature > 0)) throw new Error(`sampling temperature must be > 0, got ${temperature}`);
  const maxLength = o.maxLength ?? 20;
  const forbidden = new Set(o.forbid ?? [s.startId]);
  const V = s.vocabSize;
  const h: Hyp = { ctx: initialContext(s, o), ids: [], words: [], logProb: 0, ended: false };
  for (let t = 0; t <= maxLength && !h.ended; t++) {
    const lp = s.logProbs(Int32Array.from(h.ctx), 1);
    const alts = topAlternatives(lp, 0, V, forbidden, 5);
    let id: number;
    if (t === maxLength) id = s.endId;
    else {
      const pool = o.topK && o.topK > 0 ? topAlternatives(lp, 0, V, forbidden, o.topK).map((a) => a.id) : Array.from({ length: V }, (_, v) => v).filter((v) => !forbidden.has(v));
      let mx = -Infinity;
      for (const v of pool) mx = Math.max(mx, (lp[v] as number) / temperature);
      const w = pool.map((v) => Math.exp((lp[v] as number) / temperature - mx));
      let total = 0;
      for (const x of w) total += x;
      let r = o.rand() * total;
      id = pool[pool.length - 1] as number;
      for (let i = 0; i < pool.length; i++) {
        r -= w[i] as number;
        if (r < 0) { id = pool[i] as number; break; }
      }
    }
    const l = lp[id] as number;
    h.words.push({ id, p: Math.exp(l), top: alts });
    h.logProb += l;
    h.ctx = [...h.ctx.slice(1), id];
    if (id === s.endId) h.ended = true;
    else h.ids.push(id);
  }
  return finish(h);
}

/**
 * A StepScorer for a trained model and one image's features (null for LBL). The image terms
 * (x M and, for MLBL-F, x W_fv) are computed once.
 */
export function modelScorer(model: LmModel, image: Float32Array | null, ids: { startId: number; endId: number }): StepScorer & { dispose(): void } {
  const c = model.config;
  let terms: { imageBias: tf.Tensor2D; gate?: tf.Tensor2D } | null = null;
  if (model.hasImage) {
    if (!image || image.length !== c.D) throw new Error(`${c.model} decoding needs a ${c.D}-value image feature, got ${image?.length ?? 'none'}`);
    const im = tf.tensor2d(image, [1, c.D]);
    terms = model.imageTerms(im);
    im.dispose();
  }
  return {
    vocabSize: c.V,
    contextSize: c.n,
    startId: ids.startId,
    endId: ids.endId,
    logProbs(contexts: Int32Array, k: number): Float32Array {
      return tf.tidy(() => {
        const ctx = tf.tensor2d(contexts, [k, c.n], 'int32');
        const pre = terms ? { imageBias: tf.tile(terms.imageBias, [k, 1]) as tf.Tensor2D, gate: terms.gate ? (tf.tile(terms.gate, [k, 1]) as tf.Tensor2D) : undefined } : undefined;
        return tf.logSoftmax(model.logits(ctx, undefined, pre)).dataSync() as Float32Array;
      });
    },
    dispose(): void {
      if (terms) tf.dispose([terms.imageBias, ...(terms.gate ? [terms.gate] : [])]);
    },
  };
}
