import type { RunRecord } from '../../../shared/api';
import { formatDateTime, formatDuration, formatNumber, formatPercent } from '../../lib/format';
import { hrefFor } from '../../app/route';
import { StatusBadge } from '../../ui/StatusBadge';
import { PhaseProgress } from './PhaseProgress';
import { DatasetName } from '../datasets/DatasetName';
import { runDataset, runDuration, type Sort, type SortColumn } from './run-filters';
import './runs.css';

interface Column {
  id: SortColumn;
  label: string;
  numeric?: boolean;
}

const COLUMNS: Column[] = [
  { id: 'name', label: 'Name' },
  { id: 'status', label: 'Status' },
  { id: 'preset', label: 'Model' },
  { id: 'dataset', label: 'Dataset' },
  { id: 'backend', label: 'Backend' },
  { id: 'created', label: 'Created' },
  { id: 'duration', label: 'Duration', numeric: true },
  { id: 'val_accuracy', label: 'Val. accuracy', numeric: true },
  { id: 'loss', label: 'Loss', numeric: true },
  { id: 'val_perplexity', label: 'Val. perplexity', numeric: true },
];

interface Props {
  runs: RunRecord[];
  sort: Sort;
  onSort(column: SortColumn): void;
  selected: readonly string[];
  onToggle(id: string): void;
  onToggleAll(ids: string[], on: boolean): void;
  onEdit(run: RunRecord): void;
  onDelete(run: RunRecord): void;
  onTag(tag: string): void;
  now: number;
  datasetNames: ReadonlyMap<string, string>;
}

export function RunsTable({ runs, sort, onSort, selected, onToggle, onToggleAll, onEdit, onDelete, onTag, now, datasetNames }: Props) {
  // Perplexity only when a language-model run is listed (it keeps the table narrow otherwise).
  const perplexity = runs.some((r) => typeof r.summary.val_perplexity === 'number' || !['lenet5-mnist', 'convnet'].includes(r.preset));
  const columns = perplexity ? COLUMNS : COLUMNS.filter((c) => c.id !== 'val_perplexity');
  const shownIds = runs.map((r) => r.id);
  const allOn = runs.length > 0 && shownIds.every((id) => selected.includes(id));
  const someOn = shownIds.some((id) => selected.includes(id));
  return (
    <div className="table-wrap">
      <table className="runs-table" data-testid="runs-table" aria-label="Runs">
        <thead>
          <tr>
            <th scope="col" className="rt-check">
              <input
                type="checkbox"
                checked={allOn}
                ref={(el) => {
                  if (el) el.indeterminate = someOn && !allOn;
                }}
                onChange={(e) => onToggleAll(shownIds, e.target.checked)}
                aria-label="Select all shown runs"
                data-testid="select-all-runs"
              />
            </th>
            {columns.map((c) => {
              const active = sort.column === c.id;
              return (
                <th
                  key={c.id}
                  scope="col"
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                >
                  <button
                    type="button"
                    className="rt-sort"
                    onClick={() => onSort(c.id)}
                    data-testid={`sort-${c.id}`}
                    aria-label={`Sort by ${c.label}${active ? (sort.dir === 'asc' ? ', ascending' : ', descending') : ''}`}
                  >
                    {c.label}
                    <span className="rt-sort-mark" aria-hidden="true">
                      {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
                    </span>
                  </button>
                </th>
              );
            })}
            <th scope="col" className="rt-actions">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <RunRow
              key={r.id}
              run={r}
              checked={selected.includes(r.id)}
              onToggle={onToggle}
              onEdit={onEdit}
              onDelete={onDelete}
              onTag={onTag}
              now={now}
              perplexity={perplexity}
              datasetNames={datasetNames}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface RowProps {
  run: RunRecord;
  checked: boolean;
  onToggle(id: string): void;
  onEdit(run: RunRecord): void;
  onDelete(run: RunRecord): void;
  onTag(tag: string): void;
  now: number;
  datasetNames: ReadonlyMap<string, string>;
  perplexity: boolean;
}

function RunRow({ run, checked, onToggle, onEdit, onDelete, onTag, now, perplexity, datasetNames }: RowProps) {
  const label = run.name || run.id;
  const dataset = runDataset(run);
  return (
    <tr data-testid={`run-row-${run.id}`} data-run-id={run.id} data-run-name={run.name} className={checked ? 'rt-selected' : undefined}>
      <td className="rt-check">
        <input type="checkbox" checked={checked} onChange={() => onToggle(run.id)} aria-label={`Select run ${label}`} data-testid="run-select" />
      </td>
      <td className="rt-name">
        <a href={hrefFor.run(run.id)} data-testid="run-link">
          {label}
        </a>
        {run.tags.length > 0 && (
          <span className="rt-tags" data-testid="run-tags">
            {run.tags.map((t) => (
              <button
                key={t}
                type="button"
                className="chip rt-tag"
                onClick={() => onTag(t)}
                title={`Show only runs tagged ${t}`}
                aria-label={`Filter by tag ${t}`}
                data-testid="run-tag"
              >
                {t}
              </button>
            ))}
          </span>
        )}
        {run.notes && (
          <span className="rt-notes muted small" title={run.notes} data-testid="run-notes">
            {run.notes.split('\n')[0]}
          </span>
        )}
      </td>
      <td>
        <StatusBadge status={run.status} testId="run-status" />
        <PhaseProgress phase={run.phase} compact />
        {run.queuePosition !== null && run.status === 'queued' && (
          <span className="muted small" data-testid="run-queue-position">
            {' '}
            #{run.queuePosition} in queue
          </span>
        )}
      </td>
      <td>{run.preset}</td>
      <td className="rt-dataset">
        {dataset ? (
          <span className="rt-ellipsis">
            <DatasetName value={dataset} names={datasetNames} />
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-testid="run-backend">{run.backend ?? <span className="muted">—</span>}</td>
      <td className="rt-created">
        <time dateTime={new Date(run.createdAt).toISOString()}>{formatDateTime(run.createdAt)}</time>
      </td>
      <td className="num">{formatDuration(runDuration(run, now))}</td>
      <td className="num" data-testid="run-val-accuracy">
        {formatPercent(run.summary.val_accuracy, 2)}
      </td>
      <td className="num" data-testid="run-loss">
        {formatNumber(run.summary.loss)}
      </td>
      {perplexity && (
        <td className="num" data-testid="run-val-perplexity">
          {formatNumber(run.summary.val_perplexity)}
        </td>
      )}
      <td className="rt-actions">
        <button type="button" className="btn btn-small" onClick={() => onEdit(run)} aria-label={`Edit run ${label}`} data-testid="run-edit">
          Edit
        </button>
        <button type="button" className="btn btn-small btn-danger" onClick={() => onDelete(run)} aria-label={`Delete run ${label}`} data-testid="run-delete">
          Delete
        </button>
      </td>
    </tr>
  );
}
