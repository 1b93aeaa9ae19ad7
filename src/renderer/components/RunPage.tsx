import { useEffect, useState } from 'react';
import { isTerminal, type MetricPoint, type RunRecord } from '../../shared/api';
import { useApp, useAppActions } from '../context';
import { FIELD_LABELS } from '../form';
import { formatDateTime, formatDuration, formatNumber, formatPercent } from '../format';
import { hrefFor } from '../route';
import { AccuracyChart } from './AccuracyChart';
import { FilterViewer } from './FilterViewer';
import { LogsPanel } from './LogsPanel';
import { LossChart } from './LossChart';
import { StatusBadge } from './StatusBadge';

const NO_POINTS: MetricPoint[] = [];
const last = (pts: MetricPoint[] | undefined): number | undefined => (pts && pts.length ? pts[pts.length - 1]?.value : undefined);

export function RunPage({ runId }: { runId: string }) {
  const { openRun, closeRun } = useAppActions();
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
  const val = series.val_accuracy ?? NO_POINTS;
  const train = series.train_accuracy ?? NO_POINTS;
  const epochs = run.spec.params.epochs;

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
        <Stat label="Validation accuracy" value={formatPercent(last(val) ?? run.summary.val_accuracy, 2)} testId="stat-val-accuracy" />
        <Stat label="Loss (last step)" value={formatNumber(last(loss) ?? run.summary.loss)} testId="stat-loss" />
        <Stat label="Epochs done" value={`${val.length} / ${epochs}`} testId="stat-epochs" />
        <Stat label="Images / s" value={formatNumber(last(series.images_per_s) ?? run.summary.images_per_s, 3)} testId="stat-images-per-s" />
        <Stat label="Learning rate" value={formatNumber(last(series.learning_rate) ?? run.summary.learning_rate ?? ('learningRate' in run.spec.params ? run.spec.params.learningRate : run.spec.params.lr), 3)} testId="stat-learning-rate" />
      </div>
      <div className="charts">
        <LossChart points={loss} total={view?.totals.loss ?? loss.length} />
        <AccuracyChart val={val} train={train} epochs={epochs} />
      </div>
      <FilterViewer filters={view?.filters ?? []} snapshots={view?.snapshots ?? {}} />
      <LogsPanel logs={view?.logs ?? []} />
      <section className="panel-section" aria-labelledby="spec-title">
        <h2 id="spec-title">Spec</h2>
        <dl className="facts params">
          {Object.entries(run.spec.params).map(([k, v]) => (
            <div key={k}>
              <dt title={k}>{(FIELD_LABELS as Record<string, string>)[k] ?? k}</dt>
              <dd className="mono">{String(v)}</dd>
            </div>
          ))}
        </dl>
        <details>
          <summary>Spec as JSON</summary>
          <pre className="code" data-testid="run-spec">
            {JSON.stringify(run.spec, null, 2)}
          </pre>
        </details>
      </section>
    </section>
  );
}

function RunHeader({ run }: { run: RunRecord }) {
  const { stopRun } = useAppActions();
  const [stopping, setStopping] = useState(false);
  const [stopError, setStopError] = useState<string | null>(null);
  const active = !isTerminal(run.status);
  const now = useNow(run.status === 'running');
  const elapsed = run.startedAt ? (run.endedAt ?? now) - run.startedAt : null;

  return (
    <>
      <div className="panel-head">
        <h1 id="run-title" data-testid="run-name">
          {run.name || run.id}
        </h1>
        <StatusBadge status={run.status} testId="run-status" />
        <div className="spacer" />
        <button
          type="button"
          className="btn btn-danger"
          disabled={!active || stopping}
          aria-label="Stop run"
          data-testid="stop-run"
          onClick={async () => {
            setStopping(true);
            setStopError(null);
            try {
              await stopRun(run.id);
            } catch (err) {
              setStopError(err instanceof Error ? err.message : String(err));
            } finally {
              setStopping(false);
            }
          }}
        >
          {stopping ? 'Stopping…' : 'Stop'}
        </button>
      </div>
      {stopError && (
        <p className="error-text" role="alert">
          Could not stop the run: {stopError}
        </p>
      )}
      <dl className="facts" data-testid="run-facts">
        <div>
          <dt>Backend</dt>
          <dd data-testid="run-backend">{run.backend ?? (active ? 'pending' : '—')}</dd>
        </div>
        <div>
          <dt>Seed</dt>
          <dd data-testid="run-seed">{run.seed ?? run.spec.params.seed}</dd>
        </div>
        <div>
          <dt>Preset</dt>
          <dd>{run.preset}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatDateTime(run.createdAt)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(run.startedAt)}</dd>
        </div>
        <div>
          <dt>{run.endedAt ? 'Duration' : 'Elapsed'}</dt>
          <dd>{formatDuration(elapsed)}</dd>
        </div>
        {run.status === 'queued' && run.queuePosition !== null && (
          <div>
            <dt>Queue position</dt>
            <dd>{run.queuePosition}</dd>
          </div>
        )}
        <div>
          <dt>Id</dt>
          <dd className="mono">{run.id}</dd>
        </div>
      </dl>
    </>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  return now;
}
