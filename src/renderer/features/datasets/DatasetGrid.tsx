import { memo, useEffect, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { DatasetItem, DatasetKind, Thumbnail } from '../../../shared/dataset-schema';
import type { SearchTerm } from './dataset-format';
import { TileCaption } from './TileCaption';
import type { DatasetItems } from './use-dataset-items';
import './datasets.css';

interface Props {
  items: DatasetItems;
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
 * A virtualized grid (@tanstack/react-virtual over rows of tiles): only the rows in view (plus a
 * couple above and below) exist in the DOM; a spacer as tall as every row gives the scrollbar its
 * size. A listbox for assistive technology, with the selection as its active descendant.
 */
export function DatasetGrid({ items, kind, selected, onSelect, onOpen }: Props) {
  const viewport = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [kind]);

  const total = items.total ?? 0;
  // The viewport has a 10 px padding on each side.
  const layout = gridLayout(size.width - 2 * GAP, kind);
  const { cols, rowH, tileW, thumbH } = layout;
  const rows = size.width > 0 ? Math.ceil(total / cols) : 0;
  // The virtualizer's own state changes with the scroll: React's compiler leaves this component alone.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => viewport.current,
    estimateSize: () => rowH,
    overscan: OVERSCAN_ROWS,
    scrollMargin: GAP,
  });
  // A new width gives new rows: every row's size is estimated again.
  useEffect(() => {
    virtualizer.measure();
  }, [virtualizer, rowH, cols]);
  const virtualRows = virtualizer.getVirtualItems();
  const firstRow = virtualRows[0]?.index ?? 0;
  const lastRow = virtualRows[virtualRows.length - 1]?.index ?? -1;
  const start = firstRow * cols;
  const end = Math.min(total, (lastRow + 1) * cols);

  // Ask for what is on screen (the items hook throttles; cached answers cost nothing).
  const setRange = items.setRange;
  const known = items.total !== null;
  useEffect(() => {
    if (size.width === 0) return;
    setRange(start, known ? end : start + cols * 8);
  }, [setRange, known, start, end, cols, size.width]);

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
    const item = items.itemAt(i);
    const cap = item ? items.captionFor(item) : null;
    tiles.push(
      <Tile
        key={i}
        index={i}
        total={total}
        item={item}
        thumb={item ? items.thumbnail(item.id) : undefined}
        captionState={cap?.state ?? 'loading'}
        caption={cap?.state === 'ready' ? cap.text : null}
        kind={kind}
        terms={items.terms}
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
  const empty = items.total === 0;

  return (
    <div className="grid-shell">
      {items.error && (
        <div className="banner banner-error" role="alert" data-testid="grid-error">
          Could not load items: {items.error}{' '}
          <button type="button" className="btn btn-small" onClick={() => items.retry()}>
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
        aria-busy={items.total === null}
        onKeyDown={onKeyDown}
        onClick={(e) => {
          const tile = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
          const i = tile ? Number(tile.dataset.index) : NaN;
          if (Number.isInteger(i) && items.itemAt(i)) {
            onSelect(i);
            onOpen(i);
          }
        }}
        data-testid="dataset-grid"
        data-total={items.total ?? ''}
        data-rendered={tiles.length}
        data-cols={cols}
        data-selected={selected}
      >
        <div className="grid-spacer" style={{ height: Math.max(0, virtualizer.getTotalSize() - GAP) }}>
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
      tabIndex={-1}
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
          (captionState === 'loading' ? <span className="tile-caption muted">…</span> : <TileCaption caption={caption} terms={terms} />)}
        {kind === 'classification' && item.className === null && <span className="tile-caption muted">{item.key}</span>}
      </div>
    </div>
  );
});
