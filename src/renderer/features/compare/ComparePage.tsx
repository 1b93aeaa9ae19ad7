import { useId, useMemo, useState } from 'react';
import { diffSpecs, formatDiffValue } from '../../../shared/spec-diff';
import { hrefFor } from '../../app/route';
import { useChartColors } from '../../app/theme';
import { ChartControls } from '../../ui/charts/ChartControls';
import { formatMetric, type ChartSeries } from '../../ui/charts/chart-data';
import { metricLabel, metricName, paramLabel } from '../../lib/labels';
import { MetricChart } from '../../ui/charts/MetricChart';
import { useChartView } from '../../ui/charts/use-chart-view';
import { StatusBadge } from '../../ui/StatusBadge';
import { CompareCaptions } from './CompareCaptions';
import { bestFinalRows } from './best-final-rows';
import { useCompareData, type CompareRun } from './use-compare-data';
import './compare.css';

/** Labels, not configuration: left out of the config diff (names head the columns instead). */
const DIFF_IGNORE = ['name', 'tags'];

/** `#/compare?ids=a,b,c`: one metric overlaid for every run, the spec keys that differ, best and final values, captions. */
export function ComparePage({ ids }: { ids: string[] }) {
  const colors = useChartColors();
  const runs = useCompareData(ids);
  const [view, setView] = useChartView();
  const [picked, setPicked] = useState<string | null>(null);
  const selectId = useId();
  const keys = useMemo(() => [...new Set(runs.flatMap((r) => Object.keys(r.series)))].sort(), [runs]);
  const metric = picked && keys.includes(picked) ? picked : (['loss', 'val_perplexity', 'val_accuracy'].find((k) => keys.includes(k)) ?? keys[0] ?? 'loss');
  const colorOf = (i: number) => colors.series[i % colors.series.length] as string;
  const label = (r: CompareRun) => r.run?.name || r.id;
  const series = useMemo<ChartSeries[]>(
    () =>
      runs.map((r, i) => ({ id: r.id, label: r.run?.name || r.id, color: colors.series[i % colors.series.length] as string, points: r.series[metric] ?? [] })),
    [runs, metric, colors.series],
  );

  const bestFinal = useMemo(() => bestFinalRows(keys, runs), [keys, runs]);

  if (ids.length === 0) {
    return (
      <section className="panel" data-testid="compare-page">
        <h1>Compare runs</h1>
        <p className="empty">
          No runs chosen. Tick two or more runs in the <a href={hrefFor.runs()}>runs table</a> and press Compare.
        </p>
      </section>
    );
  }

  const loaded = runs.every((r) => r.loaded);
  // Ids that name no run (a stale link, a typo): said by name, and left out of the comparison
  // rather than counted as runs with an empty configuration.
  const unknown = loaded ? runs.filter((r) => !r.run).map((r) => r.id) : [];
  const known = runs.filter((r) => r.run);
  const diff = loaded
    ? diffSpecs(
        known.map((r) => r.run?.spec ?? {}),
        DIFF_IGNORE,
      )
    : [];

  return (
    <section className="panel compare-page" data-testid="compare-page" data-loaded={String(loaded)} aria-labelledby="compare-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={hrefFor.runs()}>Runs</a> <span aria-hidden="true">/</span> <span>Compare</span>
      </nav>
      <div className="panel-head">
        <h1 id="compare-title">Compare {ids.length} runs</h1>
      </div>
      {unknown.length > 0 && (
        <div className="banner banner-error" role="alert" data-testid="compare-unknown">
          {unknown.length === 1 ? 'No run has the id' : 'No runs have the ids'} {unknown.join(', ')}: {unknown.length === 1 ? 'it is' : 'they are'} left out of
          the comparison.
        </div>
      )}
      <ul className="compare-legend" aria-label="Runs compared" data-testid="compare-legend">
        {runs.map((r, i) => (
          <li key={r.id} data-run-id={r.id}>
            <span className="swatch" style={{ background: colorOf(i) }} aria-hidden="true" />
            <a href={hrefFor.run(r.id)}>{label(r)}</a>
            {r.run && <StatusBadge status={r.run.status} />}
            {r.run?.backend && <span className="muted small">{r.run.backend}</span>}
            {r.error && (
              <span className="error-text small" role="alert">
                {r.error}
              </span>
            )}
          </li>
        ))}
      </ul>

      <section className="panel-section" aria-labelledby="compare-curves">
        <div className="section-head">
          <h2 id="compare-curves">Curves</h2>
          <ChartControls view={view} onChange={setView}>
            <label className="inline-control" htmlFor={selectId}>
              Metric
              <select id={selectId} value={metric} onChange={(e) => setPicked(e.target.value)} data-testid="compare-metric">
                {(keys.length ? keys : [metric]).map((k) => (
                  <option key={k} value={k}>
                    {metricLabel(k)}
                  </option>
                ))}
              </select>
            </label>
          </ChartControls>
        </div>
        <figure
          className="chart-card"
          data-testid="compare-chart"
          data-metric={metric}
          data-series={series.filter((s) => s.points.length).length}
          data-x-axis={view.xAxis}
          data-log-scale={String(view.logScale)}
        >
          <MetricChart
            metric={metric}
            series={series}
            {...view}
            height={320}
            empty={loaded ? `No run has ${metricName(metric).toLowerCase()} values.` : 'Loading…'}
          />
        </figure>
      </section>

      <section className="panel-section" aria-labelledby="compare-diff">
        <div className="section-head">
          <h2 id="compare-diff">Configuration differences</h2>
          <span className="muted small">settings whose values differ (name and tags left out)</span>
        </div>
        {!loaded ? (
          <p className="muted">Loading…</p>
        ) : known.length < 2 ? (
          <p className="muted" data-testid="config-diff-empty">
            Nothing to compare: {known.length === 0 ? 'none' : 'only one'} of these ids names a run.
          </p>
        ) : diff.length === 0 ? (
          <p className="muted" data-testid="config-diff-empty">
            {unknown.length ? `The ${known.length} runs found have the same configuration.` : 'The runs have the same configuration.'}
          </p>
        ) : (
          <div className="table-wrap">
            <table className="mini-table compare-table" data-testid="config-diff">
              <thead>
                <tr>
                  <th scope="col">Setting</th>
                  {known.map((r) => (
                    <th key={r.id} scope="col">
                      <span className="swatch" style={{ background: colorOf(runs.indexOf(r)) }} aria-hidden="true" /> {label(r)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {diff.map((row) => (
                  <tr key={row.path} data-testid="config-diff-row" data-key={row.path}>
                    <th scope="row" title={row.path}>
                      {specPathLabel(row.path)}
                    </th>
                    {row.values.map((v, i) => (
                      <td key={known[i]?.id ?? i} className="mono">
                        {formatDiffValue(v)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel-section" aria-labelledby="compare-values">
        <div className="section-head">
          <h2 id="compare-values">Best and final values</h2>
          <span className="muted small">★ marks the best run</span>
        </div>
        {keys.length === 0 ? (
          <p className="muted">{loaded ? 'No metrics recorded yet.' : 'Loading…'}</p>
        ) : (
          <div className="table-wrap">
            <table className="mini-table compare-table" data-testid="best-final">
              <thead>
                <tr>
                  <th scope="col" rowSpan={2}>
                    Metric
                  </th>
                  {runs.map((r, i) => (
                    <th key={r.id} scope="colgroup" colSpan={2}>
                      <span className="swatch" style={{ background: colorOf(i) }} aria-hidden="true" /> {label(r)}
                    </th>
                  ))}
                </tr>
                <tr>
                  {runs.map((r) => [
                    <th key={`${r.id}-b`} scope="col" className="num">
                      best
                    </th>,
                    <th key={`${r.id}-f`} scope="col" className="num">
                      final
                    </th>,
                  ])}
                </tr>
              </thead>
              <tbody>
                {bestFinal.map(({ key: k, bf, goal, wBest, wFinal }) => {
                  return (
                    <tr key={k} data-testid="best-final-row" data-key={k} data-goal={goal ?? ''}>
                      <th scope="row">{metricLabel(k)}</th>
                      {bf.map((x, i) => [
                        <td
                          key={`${i}-b`}
                          className={`num${wBest === i ? ' best-cell' : ''}`}
                          data-testid="best-value"
                          title={x.best ? `step ${x.best.step}, epoch ${formatMetric('epoch', x.best.epoch, 3)}` : undefined}
                        >
                          {x.best ? formatMetric(k, x.best.value) : '—'}
                          {wBest === i && runs.length > 1 && <span aria-label="best of the runs"> ★</span>}
                        </td>,
                        <td
                          key={`${i}-f`}
                          className={`num${wFinal === i ? ' best-cell' : ''}`}
                          data-testid="final-value"
                          title={x.final ? `step ${x.final.step}` : undefined}
                        >
                          {x.final ? formatMetric(k, x.final.value) : '—'}
                        </td>,
                      ])}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <CompareCaptions runs={runs} colorOf={colorOf} />
    </section>
  );
}

/** "params.learningRate" -> "Learning rate"; other spec paths ("preset") by their last key. */
function specPathLabel(path: string): string {
  const key = path.replace(/^params\./, '');
  return key === 'preset' ? 'Model' : paramLabel(key);
}
