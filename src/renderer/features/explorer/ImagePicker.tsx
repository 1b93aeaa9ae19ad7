import { useRef, useState } from 'react';
import { readImageFile } from '../../lib/image-file';
import { useFileDrop } from '../../ui/use-file-drop';
import { useApiQuery } from '../../api/queries';
import { useThumbnails } from '../datasets/run-dataset';
import type { ImageChoice } from './explore-state';
import './explorer.css';

const PAGE = 48;

/** Pick a test image of the run's dataset from a grid, or drop / choose an image file. */
export function ImagePicker({ datasetId, value, onChange }: { datasetId: string | null; value: ImageChoice | null; onChange(c: ImageChoice): void }) {
  const [page, setPage] = useState(0);
  const [fileError, setFileError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const items = useApiQuery('datasets.items', datasetId ? { id: datasetId, split: 'test', offset: page * PAGE, limit: PAGE } : null);
  const list = items.data?.items ?? [];
  const thumbs = useThumbnails(
    list.map((it) => it.id),
    128,
  );
  const total = items.data?.total ?? 0;

  const readFile = (file: File | undefined) => {
    setFileError(null);
    if (!file) return;
    readImageFile(file).then(
      (dataUrl) => onChange({ kind: 'file', dataUrl, name: file.name }),
      (e: Error) => setFileError(e.message),
    );
  };
  const drop = useFileDrop(readFile);

  return (
    <section className="panel-section image-picker" aria-labelledby="picker-title" data-testid="image-picker">
      <h2 id="picker-title">Image</h2>
      <div className={`drop-zone${drop.over ? ' drop-zone-active' : ''}`} {...drop.handlers} data-testid="drop-zone">
        {value?.kind === 'file' ? <img src={value.dataUrl} alt={`Dropped file ${value.name}`} className="drop-preview" /> : null}
        <span>
          Drop an image file here or{' '}
          <button type="button" className="btn btn-small" onClick={() => input.current?.click()}>
            choose a file
          </button>
        </span>
        <input
          ref={input}
          type="file"
          accept="image/*"
          className="sr-only"
          aria-label="Image file to caption"
          data-testid="image-file"
          onChange={(e) => readFile(e.target.files?.[0])}
        />
      </div>
      {fileError && (
        <p className="error-text" role="alert">
          {fileError}
        </p>
      )}
      {datasetId === null ? (
        <p className="muted small">This run’s images are not in an imported dataset, so there is no grid to pick from; drop an image file instead.</p>
      ) : (
        <>
          <p className="muted small" data-testid="picker-count">
            {items.error ? `Test images could not be listed: ${items.error}` : items.data ? `${total} test images of the dataset` : 'Loading test images…'}
          </p>
          <div className="picker-grid" role="listbox" aria-label="Test images">
            {list.map((it) => {
              const selected = value?.kind === 'item' && value.itemId === it.id;
              const src = thumbs.get(it.id);
              return (
                <button
                  key={it.id}
                  type="button"
                  role="option"
                  aria-selected={selected}
                  className={`picker-tile${selected ? ' picker-tile-selected' : ''}`}
                  title={it.caption ?? it.key}
                  onClick={() => onChange({ kind: 'item', itemId: it.id, label: it.key })}
                  data-testid="picker-tile"
                  data-item-id={it.id}
                >
                  {src ? <img src={src} alt={it.key} /> : <span className="picker-tile-empty mono small">{it.key}</span>}
                </button>
              );
            })}
          </div>
          {total > PAGE && (
            <div className="picker-pages">
              <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage((p) => Math.max(0, p - 1))}>
                Previous
              </button>
              <span className="muted small">
                {page * PAGE + 1}–{Math.min(total, (page + 1) * PAGE)} of {total}
              </span>
              <button type="button" className="btn btn-small" disabled={(page + 1) * PAGE >= total} onClick={() => setPage((p) => p + 1)}>
                Next
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
