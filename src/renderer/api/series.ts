/** Client-side bookkeeping for live metric series: merge pushed points, keep charts bounded. */
import type { LogRecord, MetricPoint } from '../../shared/api';
import { downsampleMinMax } from '../../shared/downsample';

/** Charts get at most about this many points per series (the Node side downsamples queries to it). */
export const MAX_CHART_POINTS = 2_000;

/**
 * Appends the points of `incoming` that are newer (by step) than the last point of `existing`.
 * Duplicates (a point that arrived both in the initial query and as an event) are dropped.
 * When the series grows past 1.5x `max`, it is downsampled (min-max, spikes survive) to `max`.
 */
export function appendPoints(existing: MetricPoint[], incoming: readonly MetricPoint[], max = MAX_CHART_POINTS): { points: MetricPoint[]; added: number } {
  const last = existing.length > 0 ? (existing[existing.length - 1] as MetricPoint).step : Number.NEGATIVE_INFINITY;
  const fresh = incoming.filter((p) => p.step > last).sort((a, b) => a.step - b.step);
  const unique: MetricPoint[] = [];
  for (const p of fresh) {
    const prev = unique[unique.length - 1];
    if (prev && prev.step === p.step) unique[unique.length - 1] = p;
    else unique.push(p);
  }
  if (unique.length === 0) return { points: existing, added: 0 };
  const merged = existing.concat(unique);
  return { points: merged.length > max * 1.5 ? downsampleMinMax(merged, max) : merged, added: unique.length };
}

/** Groups a pushed metrics batch by key, dropping the key field. */
export function groupByKey(points: readonly (MetricPoint & { key: string })[]): Map<string, MetricPoint[]> {
  const out = new Map<string, MetricPoint[]>();
  for (const { key, ...p } of points) {
    let list = out.get(key);
    if (!list) {
      list = [];
      out.set(key, list);
    }
    list.push(p);
  }
  return out;
}

export const MAX_LOG_LINES = 2_000;

/** Merges log lines in time order, dropping exact duplicates; keeps the newest MAX_LOG_LINES. */
export function mergeLogs(existing: LogRecord[], incoming: readonly LogRecord[]): LogRecord[] {
  if (incoming.length === 0) return existing;
  const seen = new Set(existing.slice(-200).map(logKey));
  const add = incoming.filter((l) => {
    const k = logKey(l);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (add.length === 0) return existing;
  const merged = existing.concat(add);
  const last = existing[existing.length - 1];
  if (last && add.some((l) => l.ts < last.ts)) merged.sort((a, b) => a.ts - b.ts);
  return merged.length > MAX_LOG_LINES ? merged.slice(-MAX_LOG_LINES) : merged;
}

const logKey = (l: LogRecord): string => `${l.ts}|${l.level}|${l.message}`;
