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
import { logSoftmaxRows, type Rows } from './graph-js';

export interface StepScorer {
  vocabSize: number;
  contextSize: number;
  startId: number;
  endId: number;
  /** Natural-log probabilities [k * V] of the next word after each of k contexts ([k * n] ids, oldest first). */
  logProbs(contexts: Int32Array, k: number): Float32Array;
}

export interface Alternative {
  id: number;
  p: number;
}
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
  for (const id of o.prefix ?? []) {
    ctx.shift();
    ctx.push(id);
  }
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

interface Hyp {
  ctx: number[];
  ids: number[];
  words: DecodedWord[];
  logProb: number;
  ended: boolean;
}

function finish(h: Hyp): Decoded {
  return { ids: h.ids, words: h.words, logProb: h.logProb, normLogProb: h.words.length ? h.logProb / h.words.length : 0, ended: h.ended };
}

export interface BeamOptions extends DecodeOptions {
  beamSize?: number;
  /** Rank hypotheses by a length-normalised log-probability (default true). */
  lengthNormalize?: boolean;
  /**
   * alpha of the normalisation logProb / length^alpha (length counts `<end>`): 1 is the mean per
   * word (the authors' code), 0 the raw log-probability; between, long captions are favoured less.
   */
  lengthPenalty?: number;
  /** Never repeat an n-gram of this many words within a caption (0 = allowed): stops "a girl in a blue shirt and a girl in a blue shirt ..." loops. */
  noRepeatNgram?: number;
}

/** True when appending `id` to `ids` would repeat an n-gram already in `ids`. */
export function repeatsNgram(ids: readonly number[], id: number, n: number): boolean {
  if (n <= 0 || ids.length < n - 1) return false;
  const tail = [...ids.slice(ids.length - (n - 1)), id];
  for (let i = 0; i + n <= ids.length; i++) {
    let same = true;
    for (let j = 0; j < n && same; j++) same = ids[i + j] === tail[j];
    if (same) return true;
  }
  return false;
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
  const alpha = o.lengthPenalty ?? 1;
  const score = (h: Hyp): number => (norm ? (h.words.length ? h.logProb / h.words.length ** alpha : 0) : h.logProb);
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
      const top = topAlternatives(lp, off, V, forbidden, Math.max(k, 5) + (o.noRepeatNgram ? 10 : 0));
      const alts = top.slice(0, 5);
      // After maxLength words only `<end>` may follow (so every returned caption is complete).
      const allowed = o.noRepeatNgram ? top.filter((c) => c.id === s.endId || !repeatsNgram(b.ids, c.id, o.noRepeatNgram as number)) : top;
      const choices = t === maxLength ? [{ id: s.endId, p: Math.exp(lp[off + s.endId] as number) }] : allowed.slice(0, k);
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
  /** As in beam search: never repeat an n-gram of this many words (0 = allowed). */
  noRepeatNgram?: number;
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
      const nr = o.noRepeatNgram ?? 0;
      let pool = Array.from({ length: V }, (_, v) => v).filter((v) => !forbidden.has(v) && (v === s.endId || !repeatsNgram(h.ids, v, nr)));
      if (o.topK && o.topK > 0 && pool.length > o.topK) pool = pool.sort((a, b) => (lp[b] as number) - (lp[a] as number) || a - b).slice(0, o.topK);
      let mx = -Infinity;
      for (const v of pool) mx = Math.max(mx, (lp[v] as number) / temperature);
      const w = pool.map((v) => Math.exp((lp[v] as number) / temperature - mx));
      let total = 0;
      for (const x of w) total += x;
      let r = o.rand() * total;
      id = pool[pool.length - 1] as number;
      for (let i = 0; i < pool.length; i++) {
        r -= w[i] as number;
        if (r < 0) {
          id = pool[i] as number;
          break;
        }
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
  const g = model.graph;
  // Per image, once: the image terms (x M and, for MLBL-F, x W_fv) on the tensor backend; then
  // every step runs the rest of the graph in plain JavaScript (graph-js.ts: a step's few small
  // products cost less there than ~25 tensor ops' dispatch).
  const pre = new Map<string, Rows>();
  if (model.hasImage) {
    if (!image || image.length !== c.D) throw new Error(`${c.model} decoding needs a ${c.D}-value image feature, got ${image?.length ?? 'none'}`);
    const im = tf.tensor2d(image, [1, c.D]);
    const terms = model.imageTerms(im);
    im.dispose();
    const row = (t: tf.Tensor2D): Rows => ({ data: t.dataSync() as Float32Array, rows: 1, cols: t.shape[1] });
    if (g.imageBias) pre.set(g.imageBias, row(terms.imageBias));
    if (g.gate && terms.gate) pre.set(g.gate, row(terms.gate));
    tf.dispose([terms.imageBias, ...(terms.gate ? [terms.gate] : [])]);
  }
  const js = model.graphJs();
  return {
    vocabSize: c.V,
    contextSize: c.n,
    startId: ids.startId,
    endId: ids.endId,
    logProbs(contexts: Int32Array, k: number): Float32Array {
      const given = new Map(pre);
      given.set('context', { data: contexts, rows: k, cols: c.n });
      const lp = js.evaluate(given, g.output, true).data as Float32Array; // a fresh array: normalised in place
      logSoftmaxRows(lp, k, c.V);
      return lp;
    },
    dispose(): void {},
  };
}
