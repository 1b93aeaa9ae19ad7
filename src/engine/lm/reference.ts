/**
 * A literal float64 transcription of MODELS.md's equations, one word at a time with plain loops,
 * in MODELS.md's own orientation (R is K x V, W_hf is F x V). Used by tests as the independent
 * reference: finite differences of this loss check LmModel's hand-written gradients, and its
 * probabilities check LmModel's forward pass.
 */
import type { LmConfig } from './model';

type Values = Map<string, Float32Array | Float64Array>;

function get(values: Values, name: string): Float64Array {
  const v = values.get(name);
  if (!v) throw new Error(`reference: missing ${name}`);
  return Float64Array.from(v);
}

/** P(. | context, image) as a V-vector, following MODELS.md symbol by symbol. */
export function referenceProbs(c: LmConfig, values: Values, context: readonly number[], im: Float64Array | null, keep?: readonly number[]): Float64Array {
  const { V, K, n, D, h, F } = c;
  // R: K x V. In MLBL-F, R = W_fx W_hf (the authors' code uses it for the context words too).
  const Rkv = new Float64Array(K * V);
  let Wfx: Float64Array | null = null;
  let Whf: Float64Array | null = null; // F x V
  if (c.model === 'mlbl-f') {
    Wfx = get(values, 'Wfx');
    const WhfStored = get(values, 'Whf'); // [V, F]
    Whf = new Float64Array(F * V);
    for (let v = 0; v < V; v++) for (let f = 0; f < F; f++) Whf[f * V + v] = WhfStored[v * F + f] as number;
    for (let k = 0; k < K; k++)
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let f = 0; f < F; f++) s += (Wfx[k * F + f] as number) * (Whf[f * V + v] as number);
        Rkv[k * V + v] = s;
      }
  } else {
    const Rs = get(values, 'R'); // [V, K]
    for (let v = 0; v < V; v++) for (let k = 0; k < K; k++) Rkv[k * V + v] = Rs[v * K + k] as number;
  }
  const C = get(values, 'C'); // block i = C_i (K x K)
  const b = get(values, 'b');
  // r_hat = sum_i C_i^T r_{w_i}
  const rhat = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const w = context[i] as number;
    for (let out = 0; out < K; out++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (C[(i * K + k) * K + out] as number) * (Rkv[k * V + w] as number);
      rhat[out] = (rhat[out] as number) + s;
    }
  }
  let x: Float64Array | null = null;
  if (c.model !== 'lbl') {
    if (!im) throw new Error('reference: image features needed');
    if (h > 0) {
      // x = ReLU(J^T im + b_j)
      const J = get(values, 'J');
      const bj = get(values, 'bj');
      x = new Float64Array(h);
      for (let j = 0; j < h; j++) {
        let s = bj[j] as number;
        for (let d = 0; d < D; d++) s += (J[d * h + j] as number) * (im[d] as number);
        x[j] = Math.max(0, s) * (keep ? (keep[j] as number) : 1);
      }
    } else {
      x = Float64Array.from(im, (v, j) => v * (keep ? (keep[j] as number) : 1));
    }
    // r_hat += M^T x
    const M = get(values, 'M');
    const hx = x.length;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < hx; j++) s += (M[j * K + k] as number) * (x[j] as number);
      rhat[k] = (rhat[k] as number) + s;
    }
  }
  const logits = new Float64Array(V);
  if (c.model === 'mlbl-f') {
    // f = (W_fx^T r_hat) * (W_fv^T x); P = softmax(W_hf^T f + b)
    const Wfv = get(values, 'Wfv');
    const xx = x as Float64Array;
    const fvec = new Float64Array(F);
    for (let f = 0; f < F; f++) {
      let a = 0;
      for (let k = 0; k < K; k++) a += ((Wfx as Float64Array)[k * F + f] as number) * (rhat[k] as number);
      let g = 0;
      for (let j = 0; j < xx.length; j++) g += (Wfv[j * F + f] as number) * (xx[j] as number);
      fvec[f] = a * g;
    }
    for (let v = 0; v < V; v++) {
      let s = b[v] as number;
      for (let f = 0; f < F; f++) s += ((Whf as Float64Array)[f * V + v] as number) * (fvec[f] as number);
      logits[v] = s;
    }
  } else {
    // P = softmax(R^T r_hat + b)
    for (let v = 0; v < V; v++) {
      let s = b[v] as number;
      for (let k = 0; k < K; k++) s += (Rkv[k * V + v] as number) * (rhat[k] as number);
      logits[v] = s;
    }
  }
  let mx = -Infinity;
  for (const l of logits) mx = Math.max(mx, l);
  let z = 0;
  const p = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    p[v] = Math.exp((logits[v] as number) - mx);
    z += p[v] as number;
  }
  for (let v = 0; v < V; v++) p[v] = (p[v] as number) / z;
  return p;
}

/** Mean cross-entropy (natural log) over a batch, as LmModel.lossAndGrads defines it. */
export function referenceLoss(
  c: LmConfig,
  values: Values,
  contexts: Int32Array,
  targets: Int32Array,
  images: Float64Array | null,
  keep?: Float64Array,
): number {
  const B = targets.length;
  const xDim = c.h > 0 ? c.h : c.D;
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const ctx = Array.from(contexts.subarray(i * c.n, (i + 1) * c.n));
    const im = images ? images.subarray(i * c.D, (i + 1) * c.D) : null;
    const kp = keep ? Array.from(keep.subarray(i * xDim, (i + 1) * xDim)) : undefined;
    const p = referenceProbs(c, values, ctx, im, kp);
    loss -= Math.log(p[targets[i] as number] as number);
  }
  return loss / B;
}
