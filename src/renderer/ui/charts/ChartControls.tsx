import { formatFixed } from '../../lib/format';
import { useId, type ReactNode } from 'react';
import { X_AXIS_MODES, type XAxisMode } from './chart-data';
import type { ChartView } from './MetricChart';

interface Props {
  view: ChartView;
  onChange(view: ChartView): void;
  children?: ReactNode;
}

/** Smoothing slider (0..0.99), x-axis by step / epoch / wall time, log-scale y: shared by every chart of a page. */
export function ChartControls({ view, onChange, children }: Props) {
  const id = useId();
  return (
    <div className="chart-controls" role="group" aria-label="Chart settings" data-testid="chart-controls">
      <label className="inline-control" htmlFor={`${id}-smooth`}>
        Smoothing
        <input
          id={`${id}-smooth`}
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={view.smoothing}
          onChange={(e) => onChange({ ...view, smoothing: Number(e.target.value) })}
          aria-label="Smoothing"
          aria-valuetext={formatFixed(view.smoothing, 2)}
          data-testid="chart-smoothing"
        />
        <output className="mono small" htmlFor={`${id}-smooth`} data-testid="chart-smoothing-value">
          {formatFixed(view.smoothing, 2)}
        </output>
      </label>
      <label className="inline-control">
        X axis
        <select value={view.xAxis} onChange={(e) => onChange({ ...view, xAxis: e.target.value as XAxisMode })} aria-label="X axis" data-testid="chart-x-axis">
          {X_AXIS_MODES.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <label className="inline-control">
        <input type="checkbox" checked={view.logScale} onChange={(e) => onChange({ ...view, logScale: e.target.checked })} data-testid="chart-log-scale" />
        Log scale
      </label>
      {children}
    </div>
  );
}
