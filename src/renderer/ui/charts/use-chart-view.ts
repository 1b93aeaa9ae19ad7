import { useCallback, useState } from 'react';
import type { ChartView } from './MetricChart';
import type { XAxisMode } from './chart-data';

const KEY = 'mlbl.chartView';
export const DEFAULT_VIEW: ChartView = { xAxis: 'step', smoothing: 0.6, logScale: false };

/** Reads a stored chart view, falling back field by field to the defaults on anything malformed. */
export function parseChartView(raw: string | null): ChartView {
  if (!raw) return DEFAULT_VIEW;
  try {
    const v = JSON.parse(raw) as Partial<Record<keyof ChartView, unknown>>;
    const xAxis = (['step', 'epoch', 'wall'] as const).includes(v.xAxis as XAxisMode) ? (v.xAxis as XAxisMode) : DEFAULT_VIEW.xAxis;
    const smoothing = typeof v.smoothing === 'number' && v.smoothing >= 0 && v.smoothing <= 0.99 ? v.smoothing : DEFAULT_VIEW.smoothing;
    const logScale = typeof v.logScale === 'boolean' ? v.logScale : DEFAULT_VIEW.logScale;
    return { xAxis, smoothing, logScale };
  } catch {
    return DEFAULT_VIEW;
  }
}

/** The chart settings of the run and compare pages, remembered across pages and reloads (localStorage). */
export function useChartView(): [ChartView, (v: ChartView) => void] {
  const [view, setView] = useState<ChartView>(() => {
    try {
      return parseChartView(window.localStorage.getItem(KEY));
    } catch {
      return DEFAULT_VIEW;
    }
  });
  const update = useCallback((v: ChartView) => {
    setView(v);
    try {
      window.localStorage.setItem(KEY, JSON.stringify(v));
    } catch {
      // Not persisted where storage is unavailable.
    }
  }, []);
  return [view, update];
}
