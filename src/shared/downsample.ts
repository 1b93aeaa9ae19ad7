/**
 * Min-max downsampling: each bucket keeps its first, minimum, maximum and last point, so spikes
 * survive (LTTB can drop an isolated divergence spike; for loss curves a spike matters).
 */
export interface XY { step: number; value: number }

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

/** Exponential moving average as TensorBoard draws it (debiased at the start). */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  const out: number[] = [];
  let last = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) { out.push(v); continue; }
    last = last * weight + (1 - weight) * v;
    n++;
    out.push(weight === 0 ? v : last / (1 - weight ** n));
  }
  return out;
}
