/**
 * The geometry of a sweep's parallel-coordinates chart: one vertical axis per swept
 * hyperparameter and one for the final metric; each run a polyline through its values. Numeric
 * axes are linear, or logarithmic when every value is positive and they span 100x or more (a
 * log-uniform learning rate); other values (optimizer names) are spaced evenly in sorted order.
 */
export interface PcAxis {
  key: string;
  kind: 'linear' | 'log' | 'category';
  /** Tick labels from the bottom of the axis to the top. */
  ticks: string[];
  /** A value's position on the axis, 0 (bottom) to 1 (top); null: the run has none. */
  position(v: unknown): number | null;
}

export interface PcLine {
  id: string;
  /** One position per axis (null where the run has no value). */
  positions: (number | null)[];
}

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(3))));

export function makeAxis(key: string, values: unknown[]): PcAxis {
  const present = values.filter((v) => v !== undefined && v !== null && !(typeof v === 'number' && Number.isNaN(v)));
  if (present.length > 0 && present.every((v) => typeof v === 'number')) {
    const nums = present as number[];
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const log = lo > 0 && hi / lo >= 100;
    const f = log ? Math.log10 : (x: number) => x;
    const a = f(lo);
    const b = f(hi);
    return {
      key,
      kind: log ? 'log' : 'linear',
      ticks: lo === hi ? [fmt(lo)] : [fmt(lo), fmt(log ? Math.sqrt(lo * hi) : (lo + hi) / 2), fmt(hi)],
      position: (v) => (typeof v !== 'number' || Number.isNaN(v) ? null : b === a ? 0.5 : (f(v) - a) / (b - a)),
    };
  }
  const cats = [...new Set(present.map(String))].sort();
  return {
    key,
    kind: 'category',
    ticks: cats,
    position: (v) => {
      if (v === undefined || v === null) return null;
      const i = cats.indexOf(String(v));
      return i < 0 ? null : cats.length === 1 ? 0.5 : i / (cats.length - 1);
    },
  };
}

/** Axes for `keys` (hyperparameters from each run's params, then the metric from its summary) and each run's line. */
export function parallelCoordinates(
  runs: readonly { id: string; spec: { params: unknown }; summary: Record<string, number> }[],
  keys: readonly string[],
  metric: string,
): { axes: PcAxis[]; lines: PcLine[] } {
  const valueOf = (r: (typeof runs)[number], k: string, isMetric: boolean): unknown =>
    isMetric ? r.summary[k] : (r.spec.params as Record<string, unknown>)[k];
  const all = [...keys.map((k) => ({ k, m: false })), { k: metric, m: true }];
  const axes = all.map(({ k, m }) =>
    makeAxis(
      k,
      runs.map((r) => valueOf(r, k, m)),
    ),
  );
  const lines = runs.map((r) => ({ id: r.id, positions: all.map(({ k, m }, i) => (axes[i] as PcAxis).position(valueOf(r, k, m))) }));
  return { axes, lines };
}
