import { useApiQuery } from '../../api/queries';
import { hrefFor } from '../../app/route';
import { formatDateTime, formatNumber } from '../../lib/format';

const HEADERS = ['Sweep', 'Model', 'Swept', 'Runs', 'Best', 'Created'] as const;

/** The sweeps (`#/sweeps`), newest first: each one's runs by status, swept parameters and best run; links to its page and its runs. */
export function SweepsList() {
  const q = useApiQuery('sweeps.list', {});
  const sweeps = [...(q.data ?? [])].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <section className="panel" aria-labelledby="sweeps-title" data-testid="sweeps-page">
      <div className="panel-head">
        <h1 id="sweeps-title">Sweeps</h1>
        <div className="spacer" />
        <a className="btn btn-primary" href={hrefFor.newRun()} title="A sweep starts from the New run form (Sweep…)">
          New sweep
        </a>
      </div>
      {q.error && (
        <p className="error-text" role="alert">
          Could not load the sweeps: {q.error}
        </p>
      )}
      {q.loading && !q.data && <p className="muted">Loading the sweeps…</p>}
      {q.data && sweeps.length === 0 && (
        <p className="empty" data-testid="sweeps-empty">
          No sweeps yet: open <a href={hrefFor.newRun()}>New run</a>, set up the run and press “Sweep…”, or use <code>mlbl sweep</code>.
        </p>
      )}
      {sweeps.length > 0 && (
        <div className="table-wrap">
          <table className="runs-table" data-testid="sweeps-table" aria-label="Sweeps">
            <thead>
              <tr>
                {HEADERS.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {sweeps.map((s) => (
                <tr key={s.id} data-testid={`sweep-row-${s.id}`}>
                  <td>
                    <a href={hrefFor.sweep(s.id)}>{s.name}</a>
                  </td>
                  <td>{s.preset}</td>
                  <td>{s.swept.join(', ')}</td>
                  <td>
                    <a href={hrefFor.sweepRuns(s.id)} title="These runs in the runs table">
                      {s.runIds.length}
                    </a>{' '}
                    <span className="muted small">
                      {Object.entries(s.counts)
                        .map(([st, n]) => `${n} ${st}`)
                        .join(', ')}
                    </span>
                  </td>
                  <td>{s.best ? `${s.metric} ${formatNumber(s.best.value)}` : <span className="muted">—</span>}</td>
                  <td>{formatDateTime(s.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
