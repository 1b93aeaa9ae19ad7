/** Pure helpers behind MetricChart: x-axis choice, EMA smoothing, log scale, several series merged into recharts rows. */
import type { MetricPoint } from '../../../shared/api';
import { emaSmooth } from '../../../shared/downsample';
import { smoothingFor } from './series-kind';
import { formatCompact, formatDuration, formatNumber, formatPercent } from '../../lib/format';
import { isFractionMetric } from '../../lib/labels';

export type XAxisMode = 'step' | 'epoch' | 'wall';
export const X_AXIS_MODES: readonly { value: XAxisMode; label: string }[] = [
  { value: 'step', label: 'Step' },
  { value: 'epoch', label: 'Epoch' },
  { value: 'wall', label: 'Wall time' },
];

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  points: readonly MetricPoint[];
}

/** One recharts row per distinct x: `r<i>` raw and `s<i>` smoothed value of series i (null where it has none). */
export type ChartRow = { x: number } & Record<string, number | null>;

export function xOf(p: MetricPoint, mode: XAxisMode): number {
  return mode === 'epoch' ? p.epoch : mode === 'wall' ? p.wallTime : p.step;
}

/**
 * Merges series into rows keyed by x. Per-step series are smoothed in step order (EMA,
 * TensorBoard's debiased form; NaN and infinities are left out of the average and drawn as gaps);
 * per-epoch series are drawn raw (smoothing would bend a 1397 -> 27 perplexity curve toward 530).
 * With `logScale`, values <= 0 become gaps too. Returns the y-range of what is drawn.
 */
export function buildRows(
  series: readonly ChartSeries[],
  mode: XAxisMode,
  smoothing: number,
  logScale: boolean,
): { rows: ChartRow[]; yMin: number | null; yMax: number | null } {
  const byX = new Map<number, ChartRow>();
  let yMin = Number.POSITIVE_INFINITY;
  let yMax = Number.NEGATIVE_INFINITY;
  const ok = (v: number): boolean => Number.isFinite(v) && (!logScale || v > 0);
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.step - b.step);
    const finite = pts.map((p) => p.value).filter((v) => Number.isFinite(v));
    const smooth = emaSmooth(finite, smoothingFor(pts, smoothing));
    let k = 0;
    for (const p of pts) {
      const raw = p.value;
      const sm = Number.isFinite(raw) ? (smooth[k++] as number) : Number.NaN;
      const x = xOf(p, mode);
      if (!Number.isFinite(x)) continue;
      let row = byX.get(x);
      if (!row) byX.set(x, (row = { x } as ChartRow));
      row[`r${i}`] = ok(raw) ? raw : null;
      row[`s${i}`] = ok(sm) ? sm : null;
      for (const v of [raw, sm]) {
        if (!ok(v)) continue;
        if (v < yMin) yMin = v;
        if (v > yMax) yMax = v;
      }
    }
  });
  const rows = [...byX.values()].sort((a, b) => a.x - b.x);
  for (const row of rows) {
    for (let i = 0; i < series.length; i++) {
      if (!(`r${i}` in row)) row[`r${i}`] = null;
      if (!(`s${i}` in row)) row[`s${i}`] = null;
    }
  }
  return { rows, yMin: Number.isFinite(yMin) ? yMin : null, yMax: Number.isFinite(yMax) ? yMax : null };
}

/** A y-domain for a log axis: whole decades around the data (recharts' 'auto' breaks on log scales). */
export function logDomain(yMin: number | null, yMax: number | null): [number, number] | null {
  if (yMin === null || yMax === null || yMin <= 0) return null;
  const lo = 10 ** Math.floor(Math.log10(yMin));
  let hi = 10 ** Math.ceil(Math.log10(yMax));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

/** A linear y-domain around a single value (recharts' 'auto' stacks duplicate ticks there); null = let recharts choose. */
export function flatDomain(yMin: number | null, yMax: number | null): [number, number] | null {
  if (yMin === null || yMax === null || yMin !== yMax) return null;
  const pad = Math.abs(yMin) * 0.05 || 1;
  return [yMin - pad, yMax + pad];
}

export function formatMetric(key: string, v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  return isFractionMetric(key) ? formatPercent(v, 2) : formatNumber(v, digits);
}

export function formatX(mode: XAxisMode, v: number): string {
  if (mode === 'wall') return v < 60 ? `${formatNumber(v, 3)} s` : formatDuration(v * 1000);
  if (mode === 'epoch') return formatNumber(v, 3);
  return formatCompact(v);
}

export const X_LABEL: Record<XAxisMode, string> = { step: 'step', epoch: 'epoch', wall: 'wall time' };
