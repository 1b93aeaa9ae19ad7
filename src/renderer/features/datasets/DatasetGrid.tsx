import { memo, useEffect, useRef, useState, useSyncExternalStore, type CSSProperties, type KeyboardEvent } from 'react';
import type { DatasetItem, DatasetKind, Thumbnail } from '../../../shared/dataset-schema';
import { highlight, type SearchTerm } from './dataset-format';
import type { ItemsCache } from './items-cache';

interface Props {
  cache: ItemsCache;
  kind: DatasetKind;
  selected: number;
  onSelect(index: number): void;
  onOpen(index: number): void;
}

const GAP = 10;
const TILE_MIN = 164;
const TEXT_H = 50;
const LABEL_H = 30;
const OVERSCAN_ROWS = 2;

export interface GridLayout {
  cols: number;
  tileW: number;
  thumbH: number;
  rowH: number;
}

/** Columns and tile sizes for a viewport width (text-only datasets are one column of lines). */
export function gridLayout(width: number, kind: DatasetKind): GridLayout {
  const w = Math.max(1, width);
  if (kind === 'text') return { cols: 1, tileW: w, thumbH: 0, rowH: 48 };
  const cols = Math.max(1, Math.floor((w + GAP) / (TILE_MIN + GAP)));
  const tileW = (w - GAP * (cols - 1)) / cols;
  const thumbH = Math.round(tileW * 0.75);
  return { cols, tileW, thumbH, rowH: thumbH + (kind === 'classification' ? LABEL_H : TEXT_H) + GAP };
}

/**
 * A virtualized grid: only the rows in view (plus a couple above and below) exist in the DOM;
 * a spacer as tall as every row gives the scrollbar its size. A listbox for assistive
 * technology, with the selection as its active descendant.
 */
export function DatasetGrid({ cache, kind, selected, onSelect, onOpen }: Props) {
  useSyncExternalStore(cache.subscribe, cache.getVersion);
  const viewport = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  // The first row in view: scrolling within a row changes nothing here, so React does no work
  // (the browser moves the absolutely placed tiles by itself).
  const [topRow, setTopRow] = useState(0);

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      setSize({ width: el.clientWidth, height: el.clientHeight });
      setTopRow(Math.floor(el.scrollTop / gridLayout(el.clientWidth - 2 * GAP, kind).rowH));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [kind]);

  const total = cache.total ?? 0;
  // The viewport has a 10 px padding on each side.
  const layout = gridLayout(size.width - 2 * GAP, kind);
  const { cols, rowH, tileW, thumbH } = layout;
  const rows = Math.ceil(total / cols);
  const firstRow = Math.max(0, topRow - OVERSCAN_ROWS);
  const lastRow = Math.min(Math.max(0, rows - 1), topRow + Math.ceil(size.height / rowH) + OVERSCAN_ROWS);
  const start = firstRow * cols;
  const end = size.width > 0 ? Math.min(total, (lastRow + 1) * cols) : 0;

  // Ask the cache for what is on screen (it throttles and skips what it has).
  useEffect(() => {
    if (size.width === 0) return;
    cache.setRange(start, cache.total === null ? start + cols * 8 : end);
  }, [cache, start, end, cols, size.width]);

  // Keep the selection in view (keyboard moves, or back from the item view).
  useEffect(() => {
    const el = viewport.current;
    if (!el || size.height === 0 || total === 0) return;
    const tileTop = GAP + Math.floor(selected / cols) * rowH;
    const tileBottom = tileTop + rowH - GAP;
    if (tileTop - GAP < el.scrollTop) el.scrollTop = tileTop - GAP;
    else if (tileBottom + GAP > el.scrollTop + el.clientHeight) el.scrollTop = tileBottom + GAP - el.clientHeight;
  }, [selected, cols, rowH, size.height, total]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (total === 0) return;
    const pageRows = Math.max(1, Math.floor(size.height / rowH));
    let next: number;
    switch (e.key) {
      case 'ArrowRight':
        next = selected + 1;
        break;
      case 'ArrowLeft':
        next = selected - 1;
        break;
      case 'ArrowDown':
        next = selected + cols;
        break;
      case 'ArrowUp':
        next = selected - cols;
        break;
      case 'PageDown':
        next = selected + pageRows * cols;
        break;
      case 'PageUp':
        next = selected - pageRows * cols;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = total - 1;
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        onOpen(Math.min(selected, total - 1));
        return;
      default:
        return;
    }
    e.preventDefault();
    onSelect(Math.max(0, Math.min(total - 1, next)));
  };

  const tiles = [];
  for (let i = start; i < end; i++) {
    const item = cache.itemAt(i);
    const cap = item ? cache.captionFor(item) : null;
    tiles.push(
      <Tile
        key={i}
        index={i}
        total={total}
        item={item}
        thumb={item ? cache.thumbnail(item.id) : undefined}
        captionState={cap?.state ?? 'loading'}
        caption={cap?.state === 'ready' ? cap.text : null}
        kind={kind}
        terms={cache.terms}
        selected={i === selected}
        x={(i % cols) * (tileW + GAP)}
        y={Math.floor(i / cols) * rowH}
        w={tileW}
        h={rowH - GAP}
        thumbH={thumbH}
      />,
    );
  }

  const activeId = selected >= start && selected < end ? `tile-${selected}` : undefined;
  const empty = cache.total === 0;

  return (
    <div className="grid-shell">
      {cache.error && (
        <div className="banner banner-error" role="alert" data-testid="grid-error">
          Could not load items: {cache.error}{' '}
          <button type="button" className="btn btn-small" onClick={() => cache.retry()}>
            Retry
          </button>
        </div>
      )}
      <div
        ref={viewport}
        className={`grid-viewport${kind === 'text' ? ' grid-text' : ''}`}
        role="listbox"
        tabIndex={0}
        aria-label="Dataset items"
        aria-activedescendant={activeId}
        aria-busy={cache.total === null}
        onKeyDown={onKeyDown}
        onScroll={(e) => setTopRow(Math.floor(e.currentTarget.scrollTop / rowH))}
        onClick={(e) => {
          const tile = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
          const i = tile ? Number(tile.dataset.index) : NaN;
          if (Number.isInteger(i) && cache.itemAt(i)) {
            onSelect(i);
            onOpen(i);
          }
        }}
        data-testid="dataset-grid"
        data-total={cache.total ?? ''}
        data-rendered={tiles.length}
        data-cols={cols}
        data-selected={selected}
      >
        <div className="grid-spacer" style={{ height: Math.max(0, rows * rowH - GAP) }}>
          {tiles}
        </div>
        {empty && (
          <p className="grid-empty muted" data-testid="grid-empty">
            No items match.
          </p>
        )}
      </div>
    </div>
  );
}

interface TileProps {
  index: number;
  total: number;
  item: DatasetItem | undefined;
  thumb: Thumbnail | null | undefined;
  captionState: 'ready' | 'loading';
  caption: string | null;
  kind: DatasetKind;
  terms: SearchTerm[];
  selected: boolean;
  x: number;
  y: number;
  w: number;
  h: number;
  thumbH: number;
}

/** One tile; memoized, so new data or a new row re-renders only the tiles it changes. */
const Tile = memo(function Tile({ index, total, item, thumb, captionState, caption, kind, terms, selected, x, y, w, h, thumbH }: TileProps) {
  const style: CSSProperties = { transform: `translate(${x}px, ${y}px)`, width: w, height: h };
  if (!item) {
    // One element per placeholder: during a fling most tiles are these, for a frame or two.
    return (
      <div
        id={`tile-${index}`}
        className="tile tile-loading"
        style={style}
        role="option"
        aria-selected={selected}
        aria-posinset={index + 1}
        aria-setsize={total}
        aria-label="Loading"
        data-testid="grid-tile"
        data-index={index}
      />
    );
  }
  return (
    <div
      id={`tile-${index}`}
      className={`tile${selected ? ' tile-selected' : ''}`}
      style={style}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={total}
      title={item.key}
      data-testid="grid-tile"
      data-index={index}
      data-item-id={item.id}
      data-key={item.key}
      data-caption-state={captionState}
      data-thumb={thumb ? 'ok' : thumb === null ? 'none' : 'loading'}
    >
      {thumbH > 0 && (
        <div className="tile-thumb" style={{ height: thumbH }}>
          {thumb ? (
            <img src={thumb.dataUrl} alt="" width={thumb.width} height={thumb.height} draggable={false} data-testid="tile-thumb" />
          ) : thumb === null ? (
            <span className="no-image">no image</span>
          ) : (
            <span className="thumb-pending" />
          )}
          {item.split !== 'train' && <span className={`split-tag split-${item.split}`}>{item.split === 'validation' ? 'val' : item.split}</span>}
        </div>
      )}
      <div className="tile-text">
        {item.className !== null && (
          <span className="tile-label" data-testid="tile-label">
            {item.className}
          </span>
        )}
        {kind !== 'classification' &&
          (captionState === 'loading' ? (
            <span className="tile-caption muted">…</span>
          ) : (
            <span className="tile-caption" data-testid="tile-caption">
              {caption === null ? '—' : highlight(caption, terms).map((r, k) => (r.hit ? <mark key={k}>{r.text}</mark> : <span key={k}>{r.text}</span>))}
            </span>
          ))}
        {kind === 'classification' && item.className === null && <span className="tile-caption muted">{item.key}</span>}
      </div>
    </div>
  );
});
