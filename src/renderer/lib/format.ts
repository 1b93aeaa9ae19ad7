/**
 * Every number, size, duration, date and percentage the renderer shows, on Intl (one locale,
 * en-US, so a figure reads the same in every view and in the tests). Features import these; none
 * formats a number by hand.
 */
const LOCALE = 'en-US';
const DASH = '—';

const cache = new Map<string, Intl.NumberFormat>();
function nf(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE, options);
    cache.set(key, f);
  }
  return f;
}
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** 12,345 (rounded to a whole number). */
export function formatInt(n: number | null | undefined): string {
  return finite(n) ? nf('int', { maximumFractionDigits: 0 }).format(Math.round(n)) : DASH;
}

/** "1 image", "1,234 images". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}

/** A fixed number of decimals, no grouping: 0.70, 1.234 (a slider's value, a probability). */
export function formatFixed(v: number | null | undefined, digits: number): string {
  return finite(v) ? nf(`fixed${digits}`, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }).format(v) : DASH;
}

/** 12.3% from 0.123. */
export function formatPercent(v: number | undefined | null, digits = 1): string {
  return finite(v) ? nf(`pct${digits}`, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v) : DASH;
}

/** A metric value: `digits` significant digits, scientific for the very small and very large. */
export function formatNumber(v: number | undefined | null, digits = 4): string {
  if (typeof v !== 'number' || Number.isNaN(v)) return DASH;
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5))
    return nf('sci', { notation: 'scientific', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v).toLowerCase();
  return nf(`sig${digits}`, { maximumSignificantDigits: digits, useGrouping: false }).format(v);
}

/** An axis tick: 950, 1.2K, 3.4M. */
export function formatCompact(v: number): string {
  return nf('compact', { notation: 'compact', maximumFractionDigits: 1 }).format(v);
}

/** 512 B, 12.0 kB, 3.4 MB. */
export function formatBytes(n: number | null | undefined): string {
  if (!finite(n)) return DASH;
  if (n < 1024) return `${formatInt(n)} B`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, 'kilobyte'] : n < 1024 ** 3 ? [n / 1024 ** 2, 'megabyte'] : [n / 1024 ** 3, 'gigabyte'];
  return nf(unit, { style: 'unit', unit, unitDisplay: 'short', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
}

/** "42 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return DASH;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${formatInt(Math.floor(m / 60))} h ${m % 60} min`;
}

// Swedish dates are ISO-like (2026-12-06 03:58:00): sortable, and unambiguous in any locale.
const dateTime = new Intl.DateTimeFormat('sv-SE', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const timeOfDay = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' });

/** 2026-12-06 03:58:00, local time. */
export function formatDateTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? DASH : dateTime.format(new Date(ms));
}

/** 03:58:00.123, local time (log lines). */
export function formatTime(ms: number): string {
  return timeOfDay.format(new Date(ms));
}

/** One convention for image sizes: width × height, in pixels. */
export function formatImageSize(width: number, height: number): string {
  return `${formatInt(width)} × ${formatInt(height)} px`;
}
