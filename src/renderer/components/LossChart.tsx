import { useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricPoint } from '../../shared/api';
import { emaSmooth } from '../../shared/downsample';
import { formatCompact, formatNumber } from '../format';
import { useChartColors } from '../theme';

interface Props {
  points: MetricPoint[];
  /** Points stored for the key on the Node side (the chart may hold a downsampled subset). */
  total: number;
}

/** Training loss per step, raw (faint) and EMA-smoothed. */
export function LossChart({ points, total }: Props) {
  const [smoothing, setSmoothing] = useState(0.6);
  const colors = useChartColors();
  const data = useMemo(() => {
    const smooth = emaSmooth(
      points.map((p) => p.value),
      smoothing,
    );
    return points.map((p, i) => ({ step: p.step, epoch: p.epoch, loss: p.value, smoothed: smooth[i] }));
  }, [points, smoothing]);

  return (
    <figure className="chart-card chart-loss" data-testid="loss-chart" data-points={points.length} data-total={total}>
      <figcaption className="chart-head">
        <span className="chart-title">Training loss</span>
        <span className="muted small" data-testid="loss-point-count">
          {points.length === total || total === 0 ? `${points.length} points` : `${points.length} of ${total} points`}
        </span>
        <label className="inline-control">
          Smoothing
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} aria-label="Loss curve smoothing" data-testid="loss-smoothing" />
          <output className="mono small">{smoothing.toFixed(2)}</output>
        </label>
      </figcaption>
      {points.length === 0 ? (
        <div className="chart-empty">No loss values yet.</div>
      ) : (
        <LineChart responsive style={{ width: '100%', height: 260 }} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tickFormatter={formatCompact} allowDecimals={false} label={{ value: 'step', position: 'insideBottomRight', offset: -2 }} height={36} />
          <YAxis type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v, 3)} width={56} />
          <Tooltip formatter={(v) => formatNumber(typeof v === 'number' ? v : Number(v))} labelFormatter={(l) => `step ${String(l)}`} isAnimationActive={false} />
          <Line type="linear" dataKey="loss" name="loss" className="line-raw" stroke={colors.raw} dot={false} isAnimationActive={false} strokeWidth={1} />
          <Line type="linear" dataKey="smoothed" name="smoothed" className="line-main" stroke={colors.main} dot={false} isAnimationActive={false} strokeWidth={2} />
        </LineChart>
      )}
    </figure>
  );
}
