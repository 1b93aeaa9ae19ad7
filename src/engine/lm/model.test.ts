import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend';
import { seededRandom } from '../../shared/random';
import { truncatedSvd } from './linalg';
import { LmModel, initialValues, paramSpecs, type LmConfig } from './model';
import { referenceLoss, referenceProbs } from './reference';

const tiny = (model: LmConfig['model'], extra: Partial<LmConfig> = {}): LmConfig => ({
  model,
  V: 7,
  K: 4,
  n: 3,
  D: model === 'lbl' ? 0 : 5,
  h: 3,
  F: 3,
  dropout: 0,
  ...extra,
});

/** Parameters with O(1) entries, so that every path of the gradient carries signal (the real init is tiny). */
function randomValues(c: LmConfig, seed: number): Map<string, Float32Array> {
  const rand = seededRandom(seed);
  const out = new Map<string, Float32Array>();
  for (const s of paramSpecs(c))
    out.set(
      s.name,
      Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * 0.8),
    );
  return out;
}

function batchData(c: LmConfig, B: number, seed: number): { ctx: Int32Array; tgt: Int32Array; im: Float32Array | null } {
  const rand = seededRandom(seed);
  const ctx = Int32Array.from({ length: B * c.n }, () => Math.floor(rand() * c.V));
  // Repeat a context word inside the batch so the scatter-add of the word gradient is exercised.
  ctx[c.n] = ctx[0] as number;
  const tgt = Int32Array.from({ length: B }, () => Math.floor(rand() * c.V));
  const im = c.D > 0 ? Float32Array.from({ length: B * c.D }, () => rand() * 1.5) : null;
  return { ctx, tgt, im };
}

function checkGradients(c: LmConfig, keepMask?: Float32Array): void {
  const B = 6;
  const values = randomValues(c, 11);
  const { ctx, tgt, im } = batchData(c, B, 5);
  const model = new LmModel(c, values);
  const xDim = c.h > 0 ? c.h : c.D;
  const contexts = tf.tensor2d(ctx, [B, c.n], 'int32');
  const targets = tf.tensor1d(tgt, 'int32');
  const images = im ? tf.tensor2d(im, [B, c.D]) : undefined;
  const keep = keepMask ? tf.tensor2d(keepMask, [B, xDim]) : undefined;
  const { loss, grads } = model.lossAndGrads({ contexts, targets, images, keep });
  const imD = im ? Float64Array.from(im) : null;
  const keepD = keepMask ? Float64Array.from(keepMask) : undefined;
  const values64 = new Map<string, Float64Array>([...values].map(([k, v]) => [k, Float64Array.from(v)]));
  const L0 = referenceLoss(c, values64, ctx, tgt, imD, keepD);
  expect(loss.dataSync()[0]).toBeCloseTo(L0, 4);
  const eps = 1e-5;
  let checked = 0;
  let maxErr = 0;
  for (const spec of model.specs) {
    const g = grads.get(spec.name);
    expect(g, `gradient of ${spec.name}`).toBeDefined();
    expect(g?.shape).toEqual(spec.shape);
    const analytic = (g as tf.Tensor).dataSync();
    const w = values64.get(spec.name) as Float64Array;
    for (let i = 0; i < w.length; i++) {
      const orig = w[i] as number;
      w[i] = orig + eps;
      const lp = referenceLoss(c, values64, ctx, tgt, imD, keepD);
      w[i] = orig - eps;
      const lm = referenceLoss(c, values64, ctx, tgt, imD, keepD);
      w[i] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const err = Math.abs((analytic[i] as number) - numeric);
      maxErr = Math.max(maxErr, err / Math.max(1e-2, Math.abs(numeric)));
      if (err > 2e-4 + 2e-3 * Math.abs(numeric)) {
        throw new Error(`${c.model}: d loss / d ${spec.name}[${i}] analytic ${analytic[i]} vs numeric ${numeric}`);
      }
      checked++;
    }
  }
  expect(checked).toBe(model.size);
  expect(maxErr).toBeLessThan(2e-2);
  tf.dispose([contexts, targets, loss, ...grads.values()]);
  if (images) images.dispose();
  if (keep) keep.dispose();
  model.dispose();
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`language models on ${backend}`, () => {
    beforeAll(async () => {
      const choice = await selectBackend(backend);
      // The wasm backend must be present in this project; a silent fallback would hide its kernels from the check.
      expect(choice.backend).toBe(backend);
    });

    it("LBL: hand-written gradients match finite differences of MODELS.md's equations (every parameter)", () => {
      checkGradients(tiny('lbl'));
    });
    it('MLBL-B: gradients match finite differences (every parameter, J, bj, M included)', () => {
      checkGradients(tiny('mlbl-b'));
    });
    it('MLBL-B with a dropout mask and with the raw-feature image path (h = 0)', () => {
      const c = tiny('mlbl-b', { dropout: 0.3 });
      const rand = seededRandom(3);
      checkGradients(
        c,
        Float32Array.from({ length: 6 * c.h }, () => (rand() < 0.7 ? 1 : 0)),
      );
      checkGradients(tiny('mlbl-b', { h: 0 }));
    });
    it('MLBL-F: gradients match finite differences (context words through W_fx W_hf)', () => {
      checkGradients(tiny('mlbl-f'));
    });

    it('the shared test-mode graph (also the model export) reads only parameters the model has, with their sizes', () => {
      for (const c of [tiny('lbl'), tiny('mlbl-b', { dropout: 0.2 }), tiny('mlbl-b', { h: 0 }), tiny('mlbl-f', { dropout: 0.5 })]) {
        const sizes = new Map(paramSpecs(c).map((s) => [s.name, s.shape.reduce((a, b) => a * b, 1)]));
        const model = new LmModel(c, randomValues(c, 1));
        const read = new Set<string>();
        const seen = new Set<string>();
        for (const nd of model.graph.nodes) {
          for (const from of 'from' in nd ? [nd.from].flat() : [])
            expect(seen.has(from), `${c.model}: ${nd.name} reads ${from} before it is defined`).toBe(true);
          seen.add(nd.name);
          if (nd.op === 'dense') {
            expect(sizes.get(nd.kernel.param), `${c.model}: ${nd.name}`).toBe(nd.inDim * nd.units);
            read.add(nd.kernel.param);
            if (nd.bias) {
              expect(sizes.get(nd.bias)).toBe(nd.units);
              read.add(nd.bias);
            }
          }
          if (nd.op === 'embed') {
            read.add(nd.table.param);
            if (nd.table.timesTransposed) read.add(nd.table.timesTransposed);
          }
        }
        // Every parameter is used at test time.
        expect([...read].sort()).toEqual([...sizes.keys()].sort());
        model.dispose();
      }
    });

    it('probabilities match the reference, sum to 1, and a uniform model has perplexity V', () => {
      for (const m of ['lbl', 'mlbl-b', 'mlbl-f'] as const) {
        const c = tiny(m, { dropout: m === 'mlbl-b' ? 0.2 : 0 });
        const values = randomValues(c, 2);
        const model = new LmModel(c, values);
        const { ctx, im } = batchData(c, 4, 9);
        const logits = model.logits(tf.tensor2d(ctx, [4, c.n], 'int32'), im ? tf.tensor2d(im, [4, c.D]) : undefined);
        const p = tf.softmax(logits).arraySync() as number[][];
        const values64 = new Map([...values].map(([k, v]) => [k, Float64Array.from(v)]));
        for (let i = 0; i < 4; i++) {
          expect((p[i] as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          // At test time the code scales M (and W_fv) by (1 - dropout): same as keep = 1 - dropout.
          const keep = c.dropout > 0 ? new Array(c.h).fill(1 - c.dropout) : undefined;
          const ref = referenceProbs(
            c,
            values64,
            Array.from(ctx.subarray(i * c.n, (i + 1) * c.n)),
            im ? Float64Array.from(im.subarray(i * c.D, (i + 1) * c.D)) : null,
            keep,
          );
          for (let v = 0; v < c.V; v++) expect((p[i] as number[])[v]).toBeCloseTo(ref[v] as number, 5);
        }
        model.dispose();
      }
      // All-zero weights: P = 1/V for every word, so the mean cross-entropy is log V (perplexity V).
      const c = tiny('mlbl-b');
      const zeros = new Map(paramSpecs(c).map((s) => [s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1))]));
      const model = new LmModel(c, zeros);
      const { ctx, tgt, im } = batchData(c, 6, 1);
      const { loss, grads } = model.lossAndGrads({
        contexts: tf.tensor2d(ctx, [6, c.n], 'int32'),
        targets: tf.tensor1d(tgt, 'int32'),
        images: tf.tensor2d(im as Float32Array, [6, c.D]),
      });
      expect(Math.exp(loss.dataSync()[0] as number)).toBeCloseTo(c.V, 4);
      tf.dispose([loss, ...grads.values()]);
      model.dispose();
    });
  });
}

describe('initialisation', () => {
  it("draws the code's distributions deterministically from the seed", () => {
    const c: LmConfig = { model: 'mlbl-b', V: 500, K: 20, n: 5, D: 64, h: 32, F: 10, dropout: 0 };
    const a = initialValues(c, 7);
    const b = initialValues(c, 7);
    const d = initialValues(c, 8);
    expect(a.get('R')).toEqual(b.get('R'));
    expect(a.get('R')).not.toEqual(d.get('R'));
    const r = Math.sqrt(6) / Math.sqrt(20 + 500 + 1);
    const R = a.get('R') as Float32Array;
    expect(Math.max(...R)).toBeLessThanOrEqual(r);
    expect(Math.min(...R)).toBeGreaterThanOrEqual(-r);
    const C = a.get('C') as Float32Array;
    const sd = Math.sqrt(C.reduce((s, v) => s + v * v, 0) / C.length);
    expect(sd).toBeGreaterThan(0.009);
    expect(sd).toBeLessThan(0.011);
    expect([...(a.get('b') as Float32Array)].every((v) => v === 0)).toBe(true);
  });

  it('starts MLBL-F from a truncated SVD of R: W_fx W_hf is the best rank-F approximation', () => {
    const K = 6;
    const V = 15;
    const rand = seededRandom(4);
    const R = Float64Array.from({ length: K * V }, () => rand() - 0.5);
    const full = truncatedSvd(R, K, V, K);
    // Rank K reconstructs R exactly; W_hf rows are orthonormal.
    for (let k = 0; k < K; k++)
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let f = 0; f < K; f++) s += (full.Wfx[k * K + f] as number) * (full.Whf[f * V + v] as number);
        expect(s).toBeCloseTo(R[k * V + v] as number, 9);
      }
    for (let f = 0; f < K; f++)
      for (let g = 0; g < K; g++) {
        let s = 0;
        for (let v = 0; v < V; v++) s += (full.Whf[f * V + v] as number) * (full.Whf[g * V + v] as number);
        expect(s).toBeCloseTo(f === g ? 1 : 0, 9);
      }
    // Rank 2: the residual equals the discarded singular values (Eckart-Young).
    const two = truncatedSvd(R, K, V, 2);
    let resid = 0;
    for (let k = 0; k < K; k++)
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let f = 0; f < 2; f++) s += (two.Wfx[k * 2 + f] as number) * (two.Whf[f * V + v] as number);
        resid += ((R[k * V + v] as number) - s) ** 2;
      }
    let discarded = 0;
    for (let f = 2; f < K; f++) {
      let n2 = 0;
      for (let k = 0; k < K; k++) n2 += (full.Wfx[k * K + f] as number) ** 2;
      discarded += n2;
    }
    expect(resid).toBeCloseTo(discarded, 9);
  });
});
