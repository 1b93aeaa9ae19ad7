import { useEffect } from 'react';
import type { MetricPoint } from '../../../shared/api';
import { useApp, useAppActions } from '../../api/context';
import { formatNumber, formatPercent } from '../../lib/format';
import { hrefFor } from '../../app/route';
import { paramLabel } from '../../lib/labels';
import { RunCharts } from '../../ui/charts/RunCharts';
import { ConvNetPanels } from './ConvNetPanels';
import { LmPanels } from './LmPanels';
import { LogsPanel } from './LogsPanel';
import { RunHeader } from './RunHeader';
import { Stat } from '../../ui/Stat';
import './run-page.css';

const NO_POINTS: MetricPoint[] = [];
const last = (pts: MetricPoint[] | undefined): number | undefined => (pts && pts.length ? pts[pts.length - 1]?.value : undefined);

export function RunPage({ runId }: { runId: string }) {
  const { openRun, closeRun, setDownsample } = useAppActions();
  const downsample = useApp((s) => s.downsample);
  const run = useApp((s) => s.runs[runId]);
  const view = useApp((s) => (s.view && s.view.runId === runId ? s.view : null));

  useEffect(() => {
    void openRun(runId);
    return () => closeRun();
  }, [runId, openRun, closeRun]);

  if (view?.error && !run) {
    return (
      <section className="panel" data-testid="run-page" data-run-id={runId}>
        <h1>Run {runId}</h1>
        <p className="error-text" role="alert" data-testid="run-load-error">
          {view.error}
        </p>
        <p>
          <a href={hrefFor.runs()}>Back to the runs</a>
        </p>
      </section>
    );
  }
  if (!run) {
    return (
      <section className="panel" data-testid="run-page" data-run-id={runId}>
        <p className="muted">Loading run…</p>
      </section>
    );
  }

  const series = view?.series ?? {};
  const loss = series.loss ?? NO_POINTS;
  const lm = !['lenet5-mnist', 'convnet'].includes(run.preset);
  const val = series.val_accuracy ?? NO_POINTS;
  const epochs = run.spec.params.epochs;
  // Whole epochs finished: the epoch of the last validation point (language models also record epoch 0).
  const valSeries = lm ? (series.val_perplexity ?? NO_POINTS) : val;
  const epochsDone = valSeries.length ? Math.floor(valSeries[valSeries.length - 1]?.epoch ?? 0) : 0;

  return (
    <section className="panel run-page" data-testid="run-page" data-run-id={run.id} aria-labelledby="run-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={hrefFor.runs()}>Runs</a> <span aria-hidden="true">/</span> <span>{run.name || run.id}</span>
      </nav>
      <RunHeader run={run} />
      {run.error && (
        <div className="banner banner-error run-error" role="alert" data-testid="run-error">
          <strong>Run {run.status}:</strong> <span className="mono">{run.error}</span>
          {run.exitCode !== null && <span className="muted"> (exit code {run.exitCode})</span>}
        </div>
      )}
      {view?.error && (
        <p className="error-text" role="alert">
          Some run data could not be loaded: {view.error}
        </p>
      )}
      <div className="stats">
        {lm ? (
          <Stat label="Validation perplexity" value={formatNumber(last(series.val_perplexity) ?? run.summary.val_perplexity)} testId="stat-val-perplexity" />
        ) : (
          <Stat label="Validation accuracy" value={formatPercent(last(val) ?? run.summary.val_accuracy, 2)} testId="stat-val-accuracy" />
        )}
        <Stat label="Loss (last step)" value={formatNumber(last(loss) ?? run.summary.loss)} testId="stat-loss" />
        <Stat label="Epochs done" value={`${epochsDone} / ${epochs}`} testId="stat-epochs" />
        {lm ? (
          <Stat label="Words / s" value={formatNumber(last(series.words_per_s) ?? run.summary.words_per_s, 3)} testId="stat-words-per-s" />
        ) : (
          <Stat label="Images / s" value={formatNumber(last(series.images_per_s) ?? run.summary.images_per_s, 3)} testId="stat-images-per-s" />
        )}
        <Stat
          label="Learning rate"
          value={formatNumber(
            last(series.learning_rate) ?? run.summary.learning_rate ?? ('learningRate' in run.spec.params ? run.spec.params.learningRate : run.spec.params.lr),
            3,
          )}
          testId="stat-learning-rate"
        />
      </div>
      <RunCharts run={run} series={series} totals={view?.totals ?? {}} downsample={downsample} onDownsample={(m) => void setDownsample(m)} />
      {/* ConvNet panels */}
      <ConvNetPanels run={run} filters={view?.filters ?? []} snapshots={view?.snapshots ?? {}} />
      {/* LM panels */}
      <LmPanels run={run} />
      <LogsPanel logs={view?.logs ?? []} />
      <section className="panel-section" aria-labelledby="spec-title">
        <h2 id="spec-title">Spec</h2>
        <dl className="facts params">
          {Object.entries(run.spec.params).map(([k, v]) => (
            <div key={k}>
              <dt title={k}>{paramLabel(k)}</dt>
              <dd className="mono">{typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}</dd>
            </div>
          ))}
        </dl>
        <details data-testid="run-spec-details">
          <summary>Spec as JSON</summary>
          <pre className="code" data-testid="run-spec">
            {JSON.stringify(run.spec, null, 2)}
          </pre>
        </details>
      </section>
    </section>
  );
}
