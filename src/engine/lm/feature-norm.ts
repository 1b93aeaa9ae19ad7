/**
 * Image-feature normalisation for MLBL-B/F (`featureNorm`), fitted on the TRAINING images only:
 * x' = (x - shift) * scale per dimension. 'center' subtracts the training mean; 'standardize'
 * also divides by sqrt(variance + 0.01) (a floor, so near-constant dimensions are not blown up).
 *
 * The model trains on x'. A checkpoint takes raw features: the normalisation is folded into the
 * hidden layer when weights are written, since ReLU(x' J + b_j) = ReLU(x (diag(scale) J) + b_j -
 * (shift * scale) J). So evaluation, captioning and export read raw feature files as before.
 */
import type { LmConfig } from './model';

export type FeatureNormKind = 'none' | 'center' | 'standardize';

export interface FeatureNorm {
  kind: Exclude<FeatureNormKind, 'none'>;
  shift: Float32Array;
  scale: Float32Array;
}

/** Variance floor of 'standardize'. */
export const VARIANCE_FLOOR = 0.01;

/** Statistics of the training rows (each of length D); null for 'none'. */
export function fitFeatureNorm(kind: FeatureNormKind, rows: readonly Float32Array[], D: number): FeatureNorm | null {
  if (kind === 'none') return null;
  if (rows.length === 0) throw new Error('featureNorm: no training images to fit the normalisation on');
  const mean = new Float64Array(D);
  for (const r of rows) for (let d = 0; d < D; d++) mean[d] = (mean[d] as number) + (r[d] as number);
  for (let d = 0; d < D; d++) mean[d] = (mean[d] as number) / rows.length;
  const scale = new Float32Array(D).fill(1);
  if (kind === 'standardize') {
    const v = new Float64Array(D);
    for (const r of rows) for (let d = 0; d < D; d++) v[d] = (v[d] as number) + ((r[d] as number) - (mean[d] as number)) ** 2;
    for (let d = 0; d < D; d++) scale[d] = 1 / Math.sqrt((v[d] as number) / rows.length + VARIANCE_FLOOR);
  }
  return { kind, shift: Float32Array.from(mean), scale };
}

/** Normalises `data` (rows of D values) in place. */
export function applyFeatureNorm(norm: FeatureNorm, data: Float32Array, D: number): void {
  for (let i = 0; i < data.length; i++) {
    const d = i % D;
    data[i] = ((data[i] as number) - (norm.shift[d] as number)) * (norm.scale[d] as number);
  }
}

/** A normalised feature vector back in raw units (x = x' / scale + shift). */
export function unnormalize(norm: FeatureNorm, x: Float32Array): Float32Array {
  return Float32Array.from(x, (v, d) => v / (norm.scale[d] as number) + (norm.shift[d] as number));
}

/** Parameter values that take raw features: J' = diag(scale) J, b_j' = b_j - (shift * scale) J. Needs h > 0. */
export function foldFeatureNorm(config: LmConfig, values: Map<string, Float32Array>, norm: FeatureNorm): Map<string, Float32Array> {
  const { D, h } = config;
  if (!(h > 0)) throw new Error('featureNorm needs the hidden layer (h > 0): it is folded into J when weights are written');
  const J = values.get('J');
  const bj = values.get('bj');
  if (!J || !bj) throw new Error('featureNorm: the model has no J / b_j to fold the normalisation into');
  const J2 = new Float32Array(D * h);
  const b2 = Float64Array.from(bj);
  for (let d = 0; d < D; d++) {
    const s = norm.scale[d] as number;
    const o = (norm.shift[d] as number) * s;
    for (let j = 0; j < h; j++) {
      const w = J[d * h + j] as number;
      J2[d * h + j] = w * s;
      b2[j] = (b2[j] as number) - o * w;
    }
  }
  const out = new Map(values);
  out.set('J', J2);
  out.set('bj', Float32Array.from(b2));
  return out;
}
