/** Which series get smoothed: per-step series are noisy, per-epoch series are measurements drawn as they are. */
import type { MetricPoint } from '../../../shared/api';

/**
 * A per-epoch series has at most one point per epoch (validation perplexity, accuracy per epoch,
 * an epoch-0 baseline): no two points fall in the same epoch interval (k-1, k]. Per-step series
 * (the training loss) have many points per epoch. Decided from the points, not the key's name, so
 * a new per-epoch metric is drawn raw without being listed anywhere.
 */
export function isPerEpochSeries(points: readonly Pick<MetricPoint, 'epoch'>[]): boolean {
  const seen = new Set<number>();
  for (const p of points) {
    if (!Number.isFinite(p.epoch)) continue;
    const bucket = Math.ceil(p.epoch - 1e-9);
    if (seen.has(bucket)) return false;
    seen.add(bucket);
  }
  return true;
}

/** The EMA weight a series is drawn with: the slider's for per-step series, none for per-epoch ones. */
export function smoothingFor(points: readonly Pick<MetricPoint, 'epoch'>[], smoothing: number): number {
  return smoothing > 0 && isPerEpochSeries(points) ? 0 : smoothing;
}
