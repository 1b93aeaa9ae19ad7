import { useId, useMemo, useState } from 'react';
import type { MetricPoint, RunRecord } from '../../../shared/api';
import { LM_MODELS } from '../../../shared/lm-spec';
import { useChartColors } from '../../app/theme';
import { ChartControls } from './ChartControls';
import { formatMetric, type ChartSeries } from './chart-data';
import { metricName } from '../../lib/labels';
import { MetricChart, type ChartView } from './MetricChart';
import { useChartView } from './use-chart-view';

const NONE: MetricPoint[] = [];

interface Props {
  run: RunRecord;
  series: Record<string, MetricPoint[]>;
  totals: Record<string, number>;
  downsample: 'minmax' | 'lttb';
  onDownsample(method: 'minmax' | 'lttb'): void;
}

/**
 * The run page's curves: two chart slots, each showing any metric key of the run (the first
 * defaults to the training loss, the second to validation accuracy or perplexity), with shared
 * smoothing / x-axis / log-scale controls. Slot test ids stay `loss-chart` and `accuracy-chart`.
 */
export function RunCharts({ run, series, totals, downsample, onDownsample }: Props) {
  const [view, setView] = useChartView();
  const lm = (LM_MODELS as readonly string[]).includes(run.preset);
  const keys = useMemo(() => Object.keys(series).sort(), [series]);
  return (
    <section className="panel-section" aria-labelledby="curves-title">
      <div className="section-head">
        <h2 id="curves-title">Curves</h2>
        <ChartControls view={view} onChange={setView}>
          <label className="inline-control">
            Downsampling
            <select
              value={downsample}
              onChange={(e) => onDownsample(e.target.value as 'minmax' | 'lttb')}
              aria-label="Downsampling"
              data-testid="chart-downsample"
            >
              <option value="minmax">min-max (keeps spikes)</option>
              <option value="lttb">LTTB (keeps shape)</option>
            </select>
          </label>
        </ChartControls>
      </div>
      <div className="charts">
        <ChartSlot testId="loss-chart" title="Chart 1" keys={keys} preferred={['loss']} series={series} totals={totals} view={view} />
        <ChartSlot
          testId="accuracy-chart"
          title="Chart 2"
          keys={keys}
          preferred={lm ? ['val_perplexity', 'val_loss'] : ['val_accuracy', 'val_loss']}
          series={series}
          totals={totals}
          view={view}
        />
      </div>
    </section>
  );
}

interface SlotProps {
  testId: string;
  title: string;
  keys: string[];
  /** The first of these the run has (else the first) is shown until the user picks a key. */
  preferred: string[];
  series: Record<string, MetricPoint[]>;
  totals: Record<string, number>;
  view: ChartView;
}

function ChartSlot({ testId, title, keys, preferred, series, totals, view }: SlotProps) {
  const id = useId();
  const colors = useChartColors();
  const [picked, setPicked] = useState<string | null>(null);
  const metric = picked ?? preferred.find((k) => keys.includes(k)) ?? (preferred[0] as string);
  const points = series[metric] ?? NONE;
  const total = totals[metric] ?? points.length;
  const options = keys.includes(metric) ? keys : [metric, ...keys];
  const chartSeries = useMemo<ChartSeries[]>(() => [{ id: metric, label: metricName(metric), color: colors.main, points }], [metric, points, colors.main]);
  const last = points.length ? points[points.length - 1]?.value : undefined;
  return (
    <figure
      className="chart-card"
      data-testid={testId}
      data-metric={metric}
      data-points={points.length}
      data-total={total}
      data-x-axis={view.xAxis}
      data-log-scale={String(view.logScale)}
      data-smoothing={view.smoothing}
    >
      <figcaption className="chart-head">
        <label className="chart-title" htmlFor={`${id}-key`}>
          <span className="sr-only">{title}: metric</span>
          <select id={`${id}-key`} value={metric} onChange={(e) => setPicked(e.target.value)} data-testid={`${testId}-key`} aria-label={`${title} metric`}>
            {options.map((k) => (
              <option key={k} value={k}>
                {metricName(k)}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" data-testid={`${testId}-count`}>
          {points.length === total || total === 0 ? `${points.length} points` : `${points.length} of ${total} points`}
        </span>
        <span className="muted small">
          last: <strong data-testid={`last-${metric.replace(/_/g, '-')}`}>{formatMetric(metric, last)}</strong>
        </span>
      </figcaption>
      <MetricChart metric={metric} series={chartSeries} {...view} empty={`No ${metricName(metric).toLowerCase()} values yet.`} />
    </figure>
  );
}
