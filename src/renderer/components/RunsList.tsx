import { useMemo } from 'react';
import type { RunRecord } from '../../shared/api';
import { useApp } from '../context';
import { formatDateTime, formatNumber, formatPercent } from '../format';
import { hrefFor } from '../route';
import { StatusBadge } from './StatusBadge';

export function RunsList() {
  const runsById = useApp((s) => s.runs);
  const loaded = useApp((s) => s.runsLoaded);
  const error = useApp((s) => s.runsError);
  const runs = useMemo(() => Object.values(runsById).sort((a, b) => b.createdAt - a.createdAt), [runsById]);

  return (
    <section className="panel" aria-labelledby="runs-title">
      <div className="panel-head">
        <h1 id="runs-title">Runs</h1>
        <a className="btn btn-primary" href={hrefFor.newRun()} data-testid="new-run-link">
          New run
        </a>
      </div>
      {error && (
        <p className="error-text" role="alert">
          Could not load runs: {error}
        </p>
      )}
      {!loaded && !error && <p className="muted">Loading runs…</p>}
      {loaded && runs.length === 0 && (
        <p className="empty" data-testid="runs-empty">
          No runs yet. <a href={hrefFor.newRun()}>Start a LeNet-5 run</a>.
        </p>
      )}
      {runs.length > 0 && (
        <div className="table-wrap">
          <table className="runs-table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Preset</th>
                <th scope="col">Backend</th>
                <th scope="col">Created</th>
                <th scope="col" className="num">
                  Val. accuracy
                </th>
                <th scope="col" className="num">
                  Loss
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <RunRow key={r.id} run={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RunRow({ run }: { run: RunRecord }) {
  return (
    <tr data-testid={`run-row-${run.id}`} data-run-id={run.id} data-run-name={run.name}>
      <td>
        <a href={hrefFor.run(run.id)} data-testid="run-link">
          {run.name || run.id}
        </a>
        {run.queuePosition !== null && run.status === 'queued' && <span className="muted small"> (#{run.queuePosition} in queue)</span>}
      </td>
      <td>
        <StatusBadge status={run.status} testId="run-status" />
      </td>
      <td>{run.preset}</td>
      <td>{run.backend ?? <span className="muted">—</span>}</td>
      <td>
        <time dateTime={new Date(run.createdAt).toISOString()}>{formatDateTime(run.createdAt)}</time>
      </td>
      <td className="num" data-testid="run-val-accuracy">
        {formatPercent(run.summary.val_accuracy, 2)}
      </td>
      <td className="num" data-testid="run-loss">
        {formatNumber(run.summary.loss)}
      </td>
    </tr>
  );
}
