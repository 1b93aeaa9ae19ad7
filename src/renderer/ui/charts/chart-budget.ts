/** How many points a chart draws: a fixed total shared by its series, so ten overlaid runs cost what one does. */
import { downsampleMinMax } from '../../../shared/downsample';
import type { ChartSeries } from './chart-data';

/** Points one run's chart draws: its full 2,000-point query (MAX_CHART_POINTS) and its live growth to 3,000. */
export const SINGLE_SERIES_BUDGET = 4_000;
/**
 * Points an overlay of several runs draws in all: on a wall-time axis every run has its own x
 * values, so recharts gets one row per point and one line per run (and per raw copy); 2,400 keeps
 * a metric switch on Compare at a few hundred ms (e2e/runs-fit.e2e.test.ts).
 */
export const CHART_POINT_BUDGET = 2_400;

/**
 * Each series cut (min-max, spikes survive) to its share of `budget`; series already within it are
 * returned as they are (same objects, so memoized work downstream is kept). Linear in the points.
 */
export function capSeries(series: readonly ChartSeries[], budget = series.length > 1 ? CHART_POINT_BUDGET : SINGLE_SERIES_BUDGET): readonly ChartSeries[] {
  const share = Math.max(64, Math.floor(budget / Math.max(1, series.length)));
  if (series.every((s) => s.points.length <= share)) return series;
  return series.map((s) =>
    s.points.length <= share
      ? s
      : {
          ...s,
          points: downsampleMinMax(
            [...s.points].sort((a, b) => a.step - b.step),
            share,
          ),
        },
  );
}
