import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/api';
import { buildRows, type ChartSeries } from './chart-data';
import { CHART_POINT_BUDGET, capSeries } from './chart-budget';

const run = (i: number, n: number): ChartSeries => ({
  id: `r${i}`,
  label: `r${i}`,
  color: '#000000',
  points: Array.from({ length: n }, (_, k): MetricPoint => ({
    step: k,
    epoch: k / 100,
    wallTime: k * 0.37 + i * 0.011,
    value: Math.sin(k / 50) + (k === 777 ? 50 : 0),
  })),
});

describe('capSeries', () => {
  it('keeps one run whole and cuts ten overlaid runs to the same total, spikes kept', () => {
    const one = [run(0, 2_000)];
    expect(capSeries(one)).toBe(one);
    const ten = Array.from({ length: 10 }, (_, i) => run(i, 3_000));
    const capped = capSeries(ten);
    const total = capped.reduce((n, s) => n + s.points.length, 0);
    expect(total).toBeLessThanOrEqual(CHART_POINT_BUDGET);
    expect(capped.every((s) => s.points.some((p) => p.value > 40))).toBe(true);
    // On wall time every run has its own x values: without the cap the chart drew 30,000 rows x 20 lines.
    expect(buildRows(capped, 'wall', 0.6, false).rows.length).toBeLessThanOrEqual(CHART_POINT_BUDGET);
    expect(buildRows(ten, 'wall', 0.6, false).rows.length).toBe(30_000);
  });

  // Relative, not absolute: this machine's other work slows both sides alike (the absolute figure is a bench's job).
  it('builds the rows of ten 3,000-point runs, cap included, in well under the time of the uncapped rows', () => {
    const ten = Array.from({ length: 10 }, (_, i) => run(i, 3_000));
    const median = (f: () => void): number => {
      const times = [0, 1, 2].map(() => {
        const t0 = performance.now();
        f();
        return performance.now() - t0;
      });
      return times.sort((a, b) => a - b)[1] as number;
    };
    const capped = median(() => buildRows(capSeries(ten), 'wall', 0.6, false));
    const uncapped = median(() => buildRows(ten, 'wall', 0.6, false));
    expect(capped).toBeLessThan(uncapped / 2);
  });
});
