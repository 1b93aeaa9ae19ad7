import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricPoint } from '../../shared/api';
import { formatPercent } from '../format';
import { useChartColors } from '../theme';

interface Props {
  val: MetricPoint[];
  train: MetricPoint[];
  epochs: number;
}

/** Validation (and training) accuracy at the end of each epoch. */
export function AccuracyChart({ val, train, epochs }: Props) {
  const colors = useChartColors();
  const data = useMemo(() => {
    const byEpoch = new Map<number, { epoch: number; val?: number; train?: number }>();
    for (const p of val) byEpoch.set(p.epoch, { ...byEpoch.get(p.epoch), epoch: p.epoch, val: p.value });
    for (const p of train) byEpoch.set(p.epoch, { ...byEpoch.get(p.epoch), epoch: p.epoch, train: p.value });
    return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  }, [val, train]);
  const values = data.flatMap((d) => [d.val, d.train]).filter((v): v is number => typeof v === 'number');
  const yMin = values.length ? Math.max(0, Math.floor(Math.min(...values) * 10) / 10) : 0;
  const minEpoch = data.length ? Math.min(1, (data[0] as { epoch: number }).epoch) : 1;
  const maxEpoch = Math.max(epochs, data.length ? (data[data.length - 1] as { epoch: number }).epoch : 1);

  return (
    <figure className="chart-card chart-accuracy" data-testid="accuracy-chart" data-points={val.length}>
      <figcaption className="chart-head">
        <span className="chart-title">Accuracy per epoch</span>
        <span className="muted small">
          last validation: <strong data-testid="last-val-accuracy">{formatPercent(val[val.length - 1]?.value, 2)}</strong>
        </span>
      </figcaption>
      {data.length === 0 ? (
        <div className="chart-empty">Validation accuracy appears after the first epoch.</div>
      ) : (
        <LineChart responsive style={{ width: '100%', height: 260 }} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} />
          <XAxis dataKey="epoch" type="number" domain={[minEpoch, maxEpoch]} allowDecimals={false} padding={{ left: 12, right: 12 }} label={{ value: 'epoch', position: 'insideBottomRight', offset: -2 }} height={36} />
          <YAxis type="number" domain={[yMin, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} width={56} />
          <Tooltip formatter={(v) => formatPercent(typeof v === 'number' ? v : Number(v), 2)} labelFormatter={(l) => `epoch ${String(l)}`} isAnimationActive={false} />
          <Legend />
          <Line type="linear" dataKey="val" name="validation" className="line-main" stroke={colors.main} dot={{ r: 4, fill: colors.surface }} isAnimationActive={false} strokeWidth={2} connectNulls />
          {train.length > 0 && <Line type="linear" dataKey="train" name="training" className="line-alt" stroke={colors.alt} dot={{ r: 3, fill: colors.surface }} isAnimationActive={false} strokeWidth={1.5} strokeDasharray="4 3" connectNulls />}
        </LineChart>
      )}
    </figure>
  );
}
