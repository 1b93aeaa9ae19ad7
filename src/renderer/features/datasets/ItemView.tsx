import { formatBytes, formatImageSize, formatInt } from '../../lib/format';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { SPLIT_LABELS, highlight } from './dataset-format';
import type { DatasetItems } from './use-dataset-items';
import type { BrowseQuery } from '../../app/route';
import { useApiQuery } from '../../api/queries';
import './datasets.css';

interface Props {
  cache: DatasetItems;
  datasetId: string;
  itemId: number;
  query: BrowseQuery;
  onClose(): void;
  onNavigate(itemId: number, index?: number): void;
}

const LARGE = 512;

/** One item, over the grid: the large image, every caption, the metadata. ←/→ previous/next, Esc closes. */
export function ItemView({ cache, datasetId, itemId, query, onClose, onNavigate }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const [navError, setNavError] = useState<string | null>(null);
  const detail = useApiQuery('datasets.item', { itemId });
  const fetched = detail.fresh ? detail.data : null;
  // Item ids are global: a hand-edited URL may name another dataset's item.
  const foreign = fetched !== null && fetched.datasetId !== datasetId;
  const d = foreign ? null : fetched;
  const big = useApiQuery('datasets.thumbnail', d?.hasImage ? { itemId, size: LARGE } : null);
  const large = big.fresh ? big.data : null;
  const small = cache.thumbnail(itemId);

  const filtered = Boolean(query.search || query.label || query.split);
  const index = cache.indexOf(itemId) ?? (!filtered && d ? d.index : undefined);
  const total = cache.total;

  useEffect(() => {
    const el = ref.current;
    if (el && !el.open) el.showModal();
    return () => {
      if (el?.open) el.close();
    };
  }, []);

  const go = async (delta: number) => {
    if (index === undefined) return;
    try {
      const it = await cache.itemAtAsync(index + delta);
      if (it) {
        setNavError(null);
        onNavigate(it.id, index + delta);
      }
    } catch (err) {
      setNavError(err instanceof Error ? err.message : String(err));
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>) => {
    const t = e.target as HTMLElement;
    if (t.closest('input, textarea, select')) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
      e.preventDefault();
      void go(1);
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
      e.preventDefault();
      void go(-1);
    }
  };

  const hasPrev = index !== undefined && index > 0;
  const hasNext = index !== undefined && total !== null && index < total - 1;
  const terms = cache.terms;

  return (
    <dialog
      ref={ref}
      className="dialog item-dialog"
      aria-labelledby="item-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={onKeyDown}
      data-testid="item-view"
      data-item-id={itemId}
      data-index={index ?? ''}
      data-loaded={d !== null}
    >
      <header className="item-head">
        <h2 id="item-title" className="ellipsis" title={d?.key}>
          {d ? d.key : foreign ? `Item ${itemId}` : 'Loading…'}
        </h2>
        <span className="muted small" data-testid="item-position">
          {index !== undefined && total !== null ? `${formatInt(index + 1)} of ${formatInt(total)}` : ''}
        </span>
        <div className="item-nav">
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void go(-1)}
            disabled={!hasPrev}
            aria-label="Previous item"
            aria-keyshortcuts="ArrowLeft"
            data-testid="item-prev"
          >
            <span aria-hidden="true">←</span> Previous
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void go(1)}
            disabled={!hasNext}
            aria-label="Next item"
            aria-keyshortcuts="ArrowRight"
            data-testid="item-next"
          >
            Next <span aria-hidden="true">→</span>
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={onClose}
            aria-label="Close item view"
            aria-keyshortcuts="Escape"
            data-testid="item-close"
            autoFocus
          >
            <span aria-hidden="true">✕</span> Close
          </button>
        </div>
      </header>
      {foreign && (
        <p className="error-text" role="alert" data-testid="item-foreign">
          Item {itemId} belongs to another dataset.
        </p>
      )}
      {detail.error && (
        <p className="error-text" role="alert">
          {detail.error}
        </p>
      )}
      {navError && (
        <p className="error-text" role="alert">
          {navError}
        </p>
      )}
      <div className={`item-body${d && !d.hasImage ? ' item-body-text' : ''}`}>
        <div className="item-image" data-testid="item-image-box" hidden={Boolean(d && !d.hasImage)}>
          {foreign ? (
            <span className="no-image">not in this dataset</span>
          ) : large ? (
            <img
              src={large.dataUrl}
              alt={d?.caption ?? d?.className ?? d?.key ?? ''}
              width={large.width}
              height={large.height}
              className={large.width < 128 && large.height < 128 ? 'pixelated' : undefined}
              data-testid="item-image"
              data-size={`${large.width}x${large.height}`}
            />
          ) : small ? (
            <img src={small.dataUrl} alt="" className="item-image-placeholder" width={small.width} height={small.height} />
          ) : big.error ? (
            <span className="no-image">{big.error}</span>
          ) : (
            <span className="skeleton fill" />
          )}
        </div>
        <div className="item-side">
          {d && (
            <>
              {d.className !== null && (
                <p className="item-class">
                  Class <strong data-testid="item-class">{d.className}</strong>
                  {d.label !== null && <span className="muted"> (label {d.label})</span>}
                </p>
              )}
              {d.captions.length > 0 && (
                <section aria-labelledby="item-captions-title">
                  <h3 id="item-captions-title" className="subhead">
                    Captions <span className="muted small">({d.captions.length})</span>
                  </h3>
                  <ol className="captions" data-testid="item-captions" data-count={d.captions.length}>
                    {d.captions.map((c) => (
                      <li key={c.n} data-testid="item-caption">
                        {highlight(c.text, terms).map((r, k) => (r.hit ? <mark key={k}>{r.text}</mark> : <span key={k}>{r.text}</span>))}
                        <span className="muted small"> · {c.tokens.length} tokens</span>
                      </li>
                    ))}
                  </ol>
                </section>
              )}
              <h3 className="subhead">Metadata</h3>
              <dl className="meta" data-testid="item-meta">
                <dt>File</dt>
                <dd className="mono small wrap">{d.key}</dd>
                <dt>Split</dt>
                <dd data-testid="item-split">{SPLIT_LABELS[d.split]}</dd>
                {d.width !== null && d.height !== null && (
                  <>
                    <dt>Size</dt>
                    <dd data-testid="item-size">{formatImageSize(d.width, d.height)}</dd>
                  </>
                )}
                {d.imageFormat && (
                  <>
                    <dt>Format</dt>
                    <dd>{d.imageFormat}</dd>
                  </>
                )}
                {d.bytes !== null && (
                  <>
                    <dt>File size</dt>
                    <dd>{formatBytes(d.bytes)}</dd>
                  </>
                )}
                <dt>From</dt>
                <dd className="mono small wrap" data-testid="item-origin">
                  {d.origin.file}
                  {d.origin.lines.length > 0 && `: line${d.origin.lines.length > 1 ? 's' : ''} ${d.origin.lines.join(', ')}`}
                </dd>
                <dt>Dataset index</dt>
                <dd className="mono">{formatInt(d.index)}</dd>
                <dt>Item id</dt>
                <dd className="mono">{d.id}</dd>
              </dl>
            </>
          )}
        </div>
      </div>
      <p className="muted small item-keys" aria-hidden="true">
        ← → previous / next · Esc closes
      </p>
    </dialog>
  );
}
