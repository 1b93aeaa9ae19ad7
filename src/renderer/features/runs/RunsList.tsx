import { useEffect, useMemo, useState } from 'react';
import { RUN_STATUSES, type RunRecord } from '../../../shared/api';
import { useApp, useAppActions } from '../../api/context';
import { useNow } from '../../lib/use-now';
import { hrefFor, navigate } from '../../app/route';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { RunEditDialog } from './RunEditDialog';
import { RunsTable } from './RunsTable';
import { commonSweep, facets, matchesFilter, sortRuns } from './run-filters';
import { useApiQuery } from '../../api/queries';
import { datasetLabel, useDatasetNames } from '../datasets/DatasetName';
import { useRunsTable } from './table-state';
import './runs.css';

/**
 * The runs table: sort by any column, filter by status / model / dataset / tag / sweep, search,
 * edit name, tags and notes, tick runs to compare or delete them. When every shown run belongs to
 * one sweep, its swept hyperparameters get a column each. `sweep` (from `#/runs?sweep=ID`) opens
 * it filtered to that sweep.
 */
export function RunsList({ sweep = null }: { sweep?: string | null }) {
  const runsById = useApp((s) => s.runs);
  const loaded = useApp((s) => s.runsLoaded);
  const error = useApp((s) => s.runsError);
  const selectedAll = useApp((s) => s.selected);
  const { setSelected, toggleSelected, deleteRun } = useAppActions();
  const { filter, sort, setFilter, clearFilter, sortBy } = useRunsTable();
  const [editing, setEditing] = useState<RunRecord | null>(null);
  const [deleting, setDeleting] = useState<RunRecord[] | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  useEffect(() => {
    if (sweep) setFilter({ sweep });
  }, [sweep, setFilter]);
  const sweepsQuery = useApiQuery('sweeps.list', {});
  const sweeps = useMemo(() => sweepsQuery.data ?? [], [sweepsQuery.data]);
  const sweepNames = useMemo(() => new Map(sweeps.map((s) => [s.id, s.name])), [sweeps]);
  const now = useNow(Object.values(runsById).some((r) => r.status === 'running'));

  const all = useMemo(() => Object.values(runsById), [runsById]);
  const f = useMemo(() => facets(all), [all]);
  const datasetNames = useDatasetNames();
  const shown = useMemo(
    () =>
      sortRuns(
        all.filter((r) => matchesFilter(r, filter)),
        sort,
        now,
      ),
    [all, filter, sort, now],
  );
  // Ticked runs that still exist (a run deleted elsewhere drops out).
  const selected = useMemo(() => selectedAll.filter((id) => runsById[id]), [selectedAll, runsById]);
  const filtered = filter.search || filter.status || filter.preset || filter.dataset || filter.tag || filter.sweep;
  const shownSweep = commonSweep(shown);
  const hyper = useMemo(() => sweeps.find((s) => s.id === shownSweep)?.swept ?? [], [sweeps, shownSweep]);
  const sweepIds = useMemo(() => [...new Set(all.map((r) => r.sweepId).filter((id): id is string => !!id))], [all]);

  const confirmDelete = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      for (const r of deleting) await deleteRun(r.id);
      setDeleting(null);
    } catch (err) {
      setDeleteError(err instanceof Error ? err.message : String(err));
    } finally {
      setDeleteBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="runs-title" data-testid="runs-page">
      <div className="panel-head">
        <h1 id="runs-title">Runs</h1>
        <span className="muted small" data-testid="runs-count">
          {filtered ? `${shown.length} of ${all.length} runs` : `${all.length} runs`}
        </span>
        <div className="spacer" />
        <button
          type="button"
          className="btn"
          disabled={selected.length < 2}
          onClick={() => navigate(hrefFor.compare(selected))}
          title="Compare the ticked runs (c)"
          aria-keyshortcuts="c"
          data-testid="compare-selected"
        >
          Compare{selected.length ? ` (${selected.length})` : ''}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          disabled={selected.length === 0}
          onClick={() => setDeleting(selected.map((id) => runsById[id]).filter((r): r is RunRecord => !!r))}
          data-testid="delete-selected"
        >
          Delete{selected.length ? ` (${selected.length})` : ''}
        </button>
        <a className="btn btn-primary" href={hrefFor.newRun()} data-testid="new-run-link" aria-keyshortcuts="n" title="New run (n)">
          New run
        </a>
      </div>

      <div className="rt-toolbar" role="search" aria-label="Filter runs">
        <input
          type="search"
          className="rt-search"
          placeholder="Search name, tags, notes…  ( / )"
          value={filter.search}
          onChange={(e) => setFilter({ search: e.target.value })}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              setFilter({ search: '' });
              e.currentTarget.blur();
            }
          }}
          aria-label="Search runs"
          aria-keyshortcuts="/"
          data-shortcut="search"
          data-testid="runs-search"
        />
        <FilterSelect
          label="Status"
          value={filter.status}
          options={RUN_STATUSES.filter((s) => f.statuses.includes(s) || s === filter.status)}
          onChange={(v) => setFilter({ status: v as typeof filter.status })}
          testId="filter-status"
        />
        <FilterSelect label="Model" value={filter.preset} options={f.presets} onChange={(v) => setFilter({ preset: v })} testId="filter-preset" />
        <FilterSelect
          label="Dataset"
          value={filter.dataset}
          options={f.datasets}
          labelOf={(id) => datasetLabel(id, datasetNames)}
          onChange={(v) => setFilter({ dataset: v })}
          testId="filter-dataset"
        />
        <FilterSelect label="Tag" value={filter.tag} options={f.tags} onChange={(v) => setFilter({ tag: v })} testId="filter-tag" />
        {(sweepIds.length > 0 || filter.sweep) && (
          <FilterSelect
            label="Sweep"
            value={filter.sweep}
            options={sweepIds}
            labelOf={(id) => sweepNames.get(id) ?? id}
            onChange={(v) => setFilter({ sweep: v })}
            testId="filter-sweep"
          />
        )}
        {filtered && (
          <button type="button" className="btn btn-link" onClick={clearFilter} data-testid="clear-filters">
            Clear filters
          </button>
        )}
      </div>

      {error && (
        <p className="error-text" role="alert">
          Could not load runs: {error}
        </p>
      )}
      {!loaded && !error && <p className="muted">Loading runs…</p>}
      {loaded && all.length === 0 && (
        <p className="empty" data-testid="runs-empty">
          No runs yet. <a href={hrefFor.newRun()}>Start a LeNet-5 run</a>.
        </p>
      )}
      {all.length > 0 && shown.length === 0 && (
        <p className="empty" data-testid="runs-none-match">
          No run matches these filters.{' '}
          <button type="button" className="btn btn-link" onClick={clearFilter}>
            Clear filters
          </button>
        </p>
      )}
      {shown.length > 0 && (
        <RunsTable
          runs={shown}
          sort={sort}
          onSort={sortBy}
          selected={selected}
          onToggle={toggleSelected}
          onToggleAll={(ids, on) => setSelected(on ? [...selected, ...ids] : selected.filter((id) => !ids.includes(id)))}
          onEdit={setEditing}
          onDelete={(r) => setDeleting([r])}
          onTag={(tag) => setFilter({ tag })}
          now={now}
          datasetNames={datasetNames}
          sweepNames={sweepNames}
          hyper={hyper}
        />
      )}

      {editing && <RunEditDialog key={editing.id} run={runsById[editing.id] ?? editing} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        open={deleting !== null}
        title={deleting && deleting.length === 1 ? 'Delete this run?' : `Delete ${deleting?.length ?? 0} runs?`}
        confirmLabel="Delete"
        busy={deleteBusy}
        error={deleteError}
        onConfirm={() => void confirmDelete()}
        onCancel={() => {
          setDeleting(null);
          setDeleteError(null);
        }}
        testId="delete-run-dialog"
      >
        <p>
          {deleting && deleting.length === 1 ? (
            <>
              <strong>{deleting[0]?.name || deleting[0]?.id}</strong> and everything it recorded (metrics, logs, checkpoints) will be removed. A running run is
              stopped first.
            </>
          ) : (
            <>The selected runs and everything they recorded (metrics, logs, checkpoints) will be removed. Running runs are stopped first.</>
          )}
        </p>
        {deleting && deleting.length > 1 && (
          <ul className="plain-list">
            {deleting.map((r) => (
              <li key={r.id}>{r.name || r.id}</li>
            ))}
          </ul>
        )}
      </ConfirmDialog>
    </section>
  );
}

function FilterSelect({
  label,
  value,
  options,
  labelOf = (o) => o,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  options: readonly string[];
  labelOf?: (o: string) => string;
  onChange(v: string): void;
  testId: string;
}) {
  const opts = value && !options.includes(value) ? [value, ...options] : options;
  return (
    <label className="inline-control">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={`Filter by ${label.toLowerCase()}`} data-testid={testId}>
        <option value="">All</option>
        {opts.map((o) => (
          <option key={o} value={o}>
            {labelOf(o)}
          </option>
        ))}
      </select>
    </label>
  );
}
