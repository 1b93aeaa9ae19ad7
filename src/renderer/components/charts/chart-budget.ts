/** How many points a chart draws: a fixed total shared by its series, so ten overlaid runs cost what one does. */
import { downsampleMinMax } from '../../../shared/downsample';
import type { ChartSeries } from './chart-data';

/** Points drawn per chart in all; one run keeps its full 2,000-point query (MAX_CHART_POINTS) and its live growth to 3,000. */
export const CHART_POINT_BUDGET = 4_000;

/**
 * Each series cut (min-max, spikes survive) to its share of `budget`; series already within it are
 * returned as they are (same objects, so memoized work downstream is kept). Linear in the points.
 */
export function capSeries(series: readonly ChartSeries[], budget = CHART_POINT_BUDGET): readonly ChartSeries[] {
  const share = Math.max(64, Math.floor(budget / Math.max(1, series.length)));
  if (series.every((s) => s.points.length <= share)) return series;
  return series.map((s) => (s.points.length <= share ? s : { ...s, points: downsampleMinMax([...s.points].sort((a, b) => a.step - b.step), share) }));
}
