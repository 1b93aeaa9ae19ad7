import { useEffect, useState } from 'react';
import type { DatasetSummary } from '../../../shared/api';
import type { ImportProgress } from '../../../shared/dataset-schema';
import { useApi } from '../../api/context';
import { FORMAT_LABELS, KIND_LABELS, PHASE_LABELS, progressPercent, splitSummary } from './dataset-format';
import { formatDateTime, formatInt, plural } from '../../lib/format';
import { hrefFor } from '../../app/route';
import { useApiQuery } from '../../api/queries';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import './datasets.css';

export function DatasetsList() {
  const api = useApi();
  const list = useApiQuery('datasets.list', {});
  const [toDelete, setToDelete] = useState<DatasetSummary | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [deletedIds, setDeletedIds] = useState<ReadonlySet<string>>(new Set());
  const datasets = (list.data ?? []).filter((d) => !deletedIds.has(d.id));
  // Imports running in any window connected to this workbench: shown while they run, and the
  // list reloads when one finishes.
  const [running, setRunning] = useState<Record<string, ImportProgress>>({});
  const { reload } = list;
  useEffect(() => {
    // api.on answers its unsubscribe: the effect's cleanup.
    return api.on('dataset.import.progress', (p) => {
      const finished = p.phase === 'done' || p.phase === 'failed' || p.phase === 'cancelled';
      setRunning((r) => {
        const next = { ...r };
        if (finished) delete next[p.importId];
        else next[p.importId] = p;
        return next;
      });
      if (p.phase === 'done') reload();
    });
  }, [api, reload]);

  const confirmDelete = async () => {
    if (!toDelete) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.call('datasets.delete', { id: toDelete.id });
      setDeletedIds((s) => new Set([...s, toDelete.id]));
      setToDelete(null);
      list.reload();
    } catch (err) {
      setDeleteError(err instanceof Error ? err.message : String(err));
    } finally {
      setDeleting(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="datasets-title" data-testid="datasets-page">
      <div className="panel-head">
        <h1 id="datasets-title">Datasets</h1>
        <a className="btn btn-primary" href={hrefFor.importDataset()} data-testid="import-dataset-link">
          Import dataset
        </a>
      </div>
      {Object.values(running).map((p) => (
        <div key={p.importId} className="banner banner-info import-running" role="status" data-testid="import-running">
          <strong>Importing…</strong> {PHASE_LABELS[p.phase]}
          {p.total !== null && p.phase !== 'scan' && ` ${formatInt(p.done)} / ${formatInt(p.total)}`}
          {progressPercent(p) !== null && <span className="muted"> ({Math.round(progressPercent(p) ?? 0)}%)</span>}
        </div>
      ))}
      {list.error && (
        <p className="error-text" role="alert">
          Could not load datasets: {list.error}{' '}
          <button type="button" className="btn btn-small" onClick={list.reload}>
            Retry
          </button>
        </p>
      )}
      {list.loading && !list.data && !list.error && <p className="muted">Loading datasets…</p>}
      {list.data && datasets.length === 0 && (
        <p className="empty" data-testid="datasets-empty">
          No datasets yet. <a href={hrefFor.importDataset()}>Import one</a>: class folders, Flickr8k, COCO captions, CSV or JSON lines, MNIST.
        </p>
      )}
      {datasets.length > 0 && (
        <div className="table-wrap">
          <table className="runs-table datasets-table" data-testid="datasets-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col" className="num">
                  Images
                </th>
                <th scope="col" className="num">
                  Captions / labels
                </th>
                <th scope="col" className="num">
                  Classes
                </th>
                <th scope="col" className="num">
                  Skipped
                </th>
                <th scope="col">Split (train / val. / test)</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {datasets.map((d) => (
                <tr key={d.id} data-testid={`dataset-row-${d.id}`} data-dataset-id={d.id} data-dataset-name={d.name}>
                  <td className="cell-name">
                    <a href={hrefFor.dataset(d.id)} data-testid="dataset-link">
                      {d.name}
                    </a>
                    <div className="muted small mono ellipsis" title={d.source}>
                      {FORMAT_LABELS[d.format]} · {d.source}
                    </div>
                  </td>
                  <td>
                    <span className={`kind kind-${d.kind}`} data-testid="dataset-kind">
                      {KIND_LABELS[d.kind]}
                    </span>
                  </td>
                  <td className="num" data-testid="dataset-images">
                    {d.kind === 'text' ? '—' : formatInt(d.counts.images)}
                  </td>
                  <td className="num" data-testid="dataset-captions">
                    {d.kind === 'classification' ? plural(d.counts.labelled, 'label') : plural(d.counts.captions, 'caption')}
                  </td>
                  <td className="num">{d.counts.classes ? formatInt(d.counts.classes) : '—'}</td>
                  <td className="num">{d.counts.skipped ? <span className="warn-text">{formatInt(d.counts.skipped)}</span> : '0'}</td>
                  <td className="mono small" title={`seed ${d.split.seed}: ${d.split.train} / ${d.split.validation} / ${d.split.test}`}>
                    {splitSummary(d.counts)}
                  </td>
                  <td>
                    <time dateTime={new Date(d.createdAt).toISOString()}>{formatDateTime(d.createdAt)}</time>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      aria-label={`Delete dataset ${d.name}`}
                      data-testid="delete-dataset"
                      onClick={() => {
                        setDeleteError(null);
                        setToDelete(d);
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={toDelete !== null}
        title={`Delete ${toDelete?.name ?? 'dataset'}?`}
        confirmLabel="Delete dataset"
        busy={deleting}
        error={deleteError}
        onConfirm={() => void confirmDelete()}
        onCancel={() => setToDelete(null)}
        testId="delete-dialog"
      >
        {toDelete && (
          <p>
            The workbench forgets its {toDelete.kind === 'text' ? '' : `${plural(toDelete.counts.images, 'image')}, `}
            {toDelete.kind === 'classification' ? plural(toDelete.counts.labelled, 'label') : plural(toDelete.counts.captions, 'caption')}, splits and
            thumbnails. The source files stay where they are (<code>{toDelete.source}</code>).
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}
