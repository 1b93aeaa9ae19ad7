import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { faint, useChartColors } from '../../app/theme';
import { yAxisFormat } from './axis-ticks';
import { capSeries } from './chart-budget';
import { isPerEpochSeries } from './series-kind';
import { buildRows, flatDomain, formatMetric, formatX, logDomain, X_LABEL, type ChartSeries, type XAxisMode } from './chart-data';

export interface ChartView {
  xAxis: XAxisMode;
  /** EMA weight 0..0.99; the raw values are drawn faint behind the smoothed line. */
  smoothing: number;
  logScale: boolean;
}

interface Props extends ChartView {
  /** The metric key the series hold (formatting: accuracies as percentages). */
  metric: string;
  series: readonly ChartSeries[];
  height?: number;
  empty?: string;
}

/**
 * One metric, one or several series (one per run on the compare page), raw values faint behind
 * their EMA-smoothed line, hover read-outs. Rendered SVG paths have one vertex per drawn point.
 */
export function MetricChart({ metric, series, xAxis, smoothing, logScale, height = 260, empty = 'No values yet.' }: Props) {
  const colors = useChartColors();
  // Downsampled to a fixed total of drawn points, however many runs (Compare's metric switch stays fast).
  const capped = useMemo(() => capSeries(series), [series]);
  const { rows, yMin, yMax } = useMemo(() => buildRows(capped, xAxis, smoothing, logScale), [capped, xAxis, smoothing, logScale]);
  const yAxis = useMemo(() => yAxisFormat(metric, yMin, yMax, logScale), [metric, yMin, yMax, logScale]);
  const domain = logScale ? logDomain(yMin, yMax) : flatDomain(yMin, yMax);
  const drawn = series.reduce((n, s) => n + s.points.length, 0);
  const sparse = series.every((s) => s.points.length <= 40);
  const label = (i: number) => series[i]?.label ?? '';
  // Per-epoch series are drawn raw: no faint copy behind them, and never named "smoothed".
  const perEpoch = useMemo(() => capped.map((s) => isPerEpochSeries(s.points)), [capped]);

  if (drawn === 0) return <div className="chart-empty">{empty}</div>;
  if (logScale && !domain) return <div className="chart-empty">No positive values to draw on a log scale.</div>;
  return (
    <LineChart responsive style={{ width: '100%', height }} data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer>
      <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} />
      <XAxis
        dataKey="x"
        type="number"
        domain={['dataMin', 'dataMax']}
        tickFormatter={(v: number) => formatX(xAxis, v)}
        allowDecimals={xAxis !== 'step'}
        label={{ value: X_LABEL[xAxis], position: 'insideBottomRight', offset: -2 }}
        height={36}
        stroke={colors.axis}
      />
      <YAxis
        type="number"
        scale={logScale ? 'log' : 'auto'}
        domain={domain ?? ['auto', 'auto']}
        allowDataOverflow={logScale}
        tickFormatter={yAxis.format}
        width={yAxis.width}
        stroke={colors.axis}
      />
      <Tooltip
        isAnimationActive={false}
        contentStyle={{ background: colors.surface, borderColor: colors.grid }}
        labelFormatter={(l) => `${X_LABEL[xAxis]} ${formatX(xAxis, Number(l))}`}
        formatter={(v, name) => [formatMetric(metric, typeof v === 'number' ? v : Number(v)), String(name)]}
      />
      {series.map(
        (s, i) =>
          !perEpoch[i] && (
            <Line
              key={`r${s.id}`}
              type="linear"
              dataKey={`r${i}`}
              name={series.length > 1 ? `${label(i)} (raw)` : 'raw'}
              className="line-raw"
              stroke={faint(s.color)}
              dot={false}
              activeDot={false}
              isAnimationActive={false}
              strokeWidth={1}
              connectNulls
            />
          ),
      )}
      {series.map((s, i) => (
        <Line
          key={`s${s.id}`}
          type="linear"
          dataKey={`s${i}`}
          name={series.length > 1 ? label(i) : smoothing > 0 && !perEpoch[i] ? 'smoothed' : metric}
          className="line-main"
          stroke={s.color}
          dot={sparse ? { r: 3, fill: colors.surface } : false}
          isAnimationActive={false}
          strokeWidth={2}
          connectNulls
        />
      ))}
    </LineChart>
  );
}
