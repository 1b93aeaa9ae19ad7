/**
 * Y-axis tick labels that never collide: the precision follows the tick spacing (ticks 2.302,
 * 2.303 are not all printed "2.30"), big values are compacted (12.5k), and the axis is as wide as
 * its longest label, so labels neither repeat nor run into the plot or each other.
 */
import { isFractionMetric } from '../../lib/labels';

/** About how many ticks recharts draws on a y axis (its default tickCount). */
const TICKS = 5;
/** Pixels per character of the axis font (12 px sans-serif digits) and the axis' padding. */
const CHAR_PX = 7;
const PAD_PX = 14;

export interface YAxisFormat {
  format(v: number): string;
  width: number;
}

/** Decimals that tell apart ticks `step` apart. */
function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 2;
  return Math.min(8, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

function compact(v: number, decimals: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(Math.max(0, decimals - 9) || 1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(Math.max(0, decimals - 6) || 1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(Math.max(0, decimals - 3) || 1)}k`;
  return v.toFixed(decimals);
}

/** The formatter and width of a y axis spanning yMin..yMax (log scales: one label per decade). */
export function yAxisFormat(metric: string, yMin: number | null, yMax: number | null, logScale: boolean): YAxisFormat {
  const pct = isFractionMetric(metric);
  const scale = pct ? 100 : 1;
  const lo = (yMin ?? 0) * scale;
  const hi = (yMax ?? 1) * scale;
  let format: (v: number) => string;
  if (logScale) {
    format = (v) => {
      const x = v * scale;
      const a = Math.abs(x);
      const s = a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(0) : String(Number(x.toPrecision(3)));
      return pct ? `${s}%` : s;
    };
  } else {
    // A flat series gets a padded domain of ±5%: its spacing sets the precision.
    const span = hi - lo || Math.abs(hi) * 0.1 || 1;
    // Nice tick steps are 1, 2, 2.5 or 5 times a power of ten: 2.5 needs one decimal more than its power.
    const decimals = decimalsFor(span / (TICKS - 1) / 2.5);
    const tiny = Math.max(Math.abs(lo), Math.abs(hi)) < 1e-3 && !pct;
    format = (v) => {
      const x = v * scale;
      if (tiny && x !== 0) return x.toExponential(1);
      const s = compact(x, decimals);
      return pct ? `${s}%` : s;
    };
  }
  const samples = logScale
    ? [yMin ?? 1, yMax ?? 1]
    : Array.from({ length: TICKS + 2 }, (_, i) => (yMin ?? 0) + (((yMax ?? 1) - (yMin ?? 0)) * (i - 1)) / (TICKS - 1));
  const longest = Math.max(...samples.map((v) => format(v).length));
  return { format, width: Math.max(40, longest * CHAR_PX + PAD_PX) };
}
