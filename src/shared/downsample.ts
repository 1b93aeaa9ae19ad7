/**
 * Min-max downsampling: each bucket keeps its first, minimum, maximum and last point, so spikes
 * survive (LTTB can drop an isolated divergence spike; for loss curves a spike matters).
 */
export interface XY {
  step: number;
  value: number;
}

export function downsampleMinMax<P extends XY>(points: readonly P[], maxPoints: number): P[] {
  if (points.length <= maxPoints) return points.slice();
  if (maxPoints < 4) return Array.from({ length: maxPoints }, (_, i) => points[Math.round((i * (points.length - 1)) / Math.max(1, maxPoints - 1))] as P);
  const buckets = Math.floor(maxPoints / 4);
  const size = points.length / buckets;
  const out: P[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      const v = (points[i] as P).value;
      if (v < (points[lo] as P).value || Number.isNaN(v)) lo = i;
      if (v > (points[hi] as P).value) hi = i;
    }
    const idx = [...new Set([start, lo, hi, end - 1])].sort((a, c) => a - c);
    for (const i of idx) out.push(points[i] as P);
  }
  return out;
}

export type DownsampleMethod = 'minmax' | 'lttb';
export const DOWNSAMPLE_METHODS: readonly DownsampleMethod[] = ['minmax', 'lttb'];

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps the first and last point and, from
 * each of `maxPoints - 2` buckets, the point forming the largest triangle with the point kept
 * before it and the mean of the next bucket. Smoother-looking than min-max at the same count,
 * but it may drop an isolated spike; a non-finite value (a diverged loss) is always kept.
 * x is `step`, so the result does not depend on the x-axis the chart shows.
 */
export function downsampleLttb<P extends XY>(points: readonly P[], maxPoints: number): P[] {
  const n = points.length;
  if (n <= maxPoints) return points.slice();
  if (maxPoints < 3) return Array.from({ length: maxPoints }, (_, i) => points[Math.round((i * (n - 1)) / Math.max(1, maxPoints - 1))] as P);
  const out: P[] = [points[0] as P];
  const every = (n - 2) / (maxPoints - 2);
  let a = 0;
  for (let b = 0; b < maxPoints - 2; b++) {
    const start = Math.floor(b * every) + 1;
    const end = Math.min(n - 1, Math.floor((b + 1) * every) + 1);
    // Mean of the next bucket (the last point for the final bucket), finite values only.
    const nStart = end;
    const nEnd = Math.min(n, Math.floor((b + 2) * every) + 1);
    let sx = 0;
    let sy = 0;
    let cnt = 0;
    for (let i = nStart; i < Math.max(nEnd, nStart + 1) && i < n; i++) {
      const p = points[i] as P;
      if (!Number.isFinite(p.value)) continue;
      sx += p.step;
      sy += p.value;
      cnt++;
    }
    const pa = points[a] as P;
    const ax = pa.step;
    const ay = Number.isFinite(pa.value) ? pa.value : sy / Math.max(1, cnt);
    const mx = cnt ? sx / cnt : (points[Math.min(n - 1, nStart)] as P).step;
    const my = cnt ? sy / cnt : ay;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const p = points[i] as P;
      if (!Number.isFinite(p.value)) {
        best = i;
        break;
      }
      const area = Math.abs((ax - mx) * (p.value - ay) - (ax - p.step) * (my - ay));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out.push(points[best] as P);
    a = best;
  }
  out.push(points[n - 1] as P);
  return out;
}

export function downsample<P extends XY>(points: readonly P[], maxPoints: number, method: DownsampleMethod = 'minmax'): P[] {
  return method === 'lttb' ? downsampleLttb(points, maxPoints) : downsampleMinMax(points, maxPoints);
}

/** Exponential moving average as TensorBoard draws it (debiased at the start). */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  const out: number[] = [];
  let last = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(v);
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    out.push(weight === 0 ? v : last / (1 - weight ** n));
  }
  return out;
}
