import { useState } from 'react';
import type { RunRecord } from '../../../shared/api';
import { useApp, useAppActions } from '../../api/context';
import { useNow } from '../../lib/use-now';
import { formatDateTime, formatDuration } from '../../lib/format';
import { StatusBadge } from '../../ui/StatusBadge';
import { hrefFor } from '../../app/route';
import { PhaseProgress } from '../runs/PhaseProgress';
import { RunEditDialog } from '../runs/RunEditDialog';
import { runDataset, runDuration } from '../runs/run-filters';
import { DatasetName, useDatasetNames } from '../datasets/DatasetName';
import './run-page.css';

/** Statuses a run can be resumed from (runs.resume: from its last good checkpoint). */
const RESUMABLE = new Set(['paused', 'stopped', 'interrupted', 'failed', 'diverged']);

type Action = 'pause' | 'resume' | 'stop';

/** The run page's title, controls (pause, resume, stop, edit) and facts: backend, versions, seed, times. */
export function RunHeader({ run }: { run: RunRecord }) {
  const { stopRun, pauseRun, resumeRun } = useAppActions();
  const versions = useApp((s) => s.system?.versions ?? null);
  const [busy, setBusy] = useState<Action | null>(null);
  // A refusal ("running in another workbench process") is about the status it was given in: shown only while that lasts.
  const [actionError, setActionError] = useState<{ action: Action; message: string; status: RunRecord['status'] } | null>(null);
  const [editing, setEditing] = useState(false);
  const active = run.status === 'queued' || run.status === 'running';
  // Another workbench process (a CLI mlbl train on this data directory) runs it: only it can stop it.
  const owner = active ? (run.owner ?? null) : null;
  const elsewhere = owner ? `Runs in another workbench process (pid ${owner.pid}): stop or pause it there` : undefined;
  const now = useNow(run.status === 'running');
  const elapsed = runDuration(run, now);
  const dataset = runDataset(run);
  const datasetNames = useDatasetNames();

  const act = async (action: Action) => {
    setBusy(action);
    setActionError(null);
    try {
      await (action === 'pause' ? pauseRun : action === 'resume' ? resumeRun : stopRun)(run.id);
    } catch (err) {
      setActionError({ action, message: err instanceof Error ? err.message : String(err), status: run.status });
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <div className="panel-head">
        <h1 id="run-title" data-testid="run-name">
          {run.name || run.id}
        </h1>
        <StatusBadge status={run.status} testId="run-status" />
        {run.tags.length > 0 && (
          <span className="rt-tags" data-testid="run-page-tags">
            {run.tags.map((t) => (
              <span key={t} className="chip">
                {t}
              </span>
            ))}
          </span>
        )}
        <div className="spacer" />
        <div className="run-controls" role="group" aria-label="Run controls">
          <button
            type="button"
            className="btn"
            disabled={run.status !== 'running' || owner !== null || busy !== null}
            title={elsewhere}
            aria-label="Pause run"
            data-testid="pause-run"
            onClick={() => void act('pause')}
          >
            {busy === 'pause' ? 'Pausing…' : 'Pause'}
          </button>
          <button
            type="button"
            className="btn"
            disabled={!RESUMABLE.has(run.status) || busy !== null}
            aria-label="Resume run"
            data-testid="resume-run"
            onClick={() => void act('resume')}
          >
            {busy === 'resume' ? 'Resuming…' : 'Resume'}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={!active || owner !== null || busy !== null}
            title={elsewhere}
            aria-label="Stop run"
            data-testid="stop-run"
            onClick={() => void act('stop')}
          >
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
          <button type="button" className="btn" onClick={() => setEditing(true)} aria-label="Edit name, tags and notes" data-testid="edit-run">
            Edit
          </button>
          <a className="btn" href={hrefFor.cloneRun(run.id)} title="Open the New run form filled with this run's spec" data-testid="clone-run">
            Clone run
          </a>
        </div>
      </div>
      {run.sweepId && (
        <p className="muted small" data-testid="run-sweep">
          Part of a sweep: <a href={hrefFor.sweep(run.sweepId)}>open the sweep</a>.
        </p>
      )}
      {owner && (
        <p className="muted small" data-testid="run-owner">
          Trained by another workbench process on this data directory (pid {owner.pid} on {owner.machine}): its progress shows here live; stop or pause it
          there.
        </p>
      )}
      {actionError && actionError.status === run.status && (
        <p className="error-text" role="alert" data-testid="run-action-error" data-action={actionError.action}>
          Could not {actionError.action} the run: {actionError.message}
        </p>
      )}
      {run.notes && (
        <p className="run-notes" data-testid="run-page-notes">
          {run.notes}
        </p>
      )}
      <PhaseProgress phase={run.phase} />
      <dl className="facts" data-testid="run-facts">
        <div>
          <dt>Backend</dt>
          <dd data-testid="run-backend">{run.backend ?? (run.phase ? 'chosen when training starts' : active ? 'pending' : '—')}</dd>
        </div>
        <div>
          <dt>Seed</dt>
          <dd data-testid="run-seed">{run.seed ?? run.spec.params.seed}</dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>{run.preset}</dd>
        </div>
        {dataset && (
          <div>
            <dt>Dataset</dt>
            <dd className="ellipsis" data-testid="run-dataset">
              <DatasetName value={dataset} names={datasetNames} />
            </dd>
          </div>
        )}
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
            <dd data-testid="run-queue-position">{run.queuePosition}</dd>
          </div>
        )}
        {versions && (
          <div>
            <dt title="Versions of the workbench host that serves this page">Versions</dt>
            <dd className="versions mono small" data-testid="run-versions">
              {Object.entries(versions)
                .map(([k, v]) => `${k} ${v}`)
                .join(' · ')}
            </dd>
          </div>
        )}
        <div>
          <dt>Id</dt>
          <dd className="mono">{run.id}</dd>
        </div>
      </dl>
      {editing && <RunEditDialog run={run} onClose={() => setEditing(false)} />}
    </>
  );
}
