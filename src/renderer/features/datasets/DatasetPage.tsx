import { useEffect, useRef, useState } from 'react';
import type { DatasetSummary } from '../../../shared/api';
import { SPLITS, type SplitName } from '../../../shared/dataset-schema';
import { useApp } from '../../api/context';
import { FORMAT_LABELS, KIND_LABELS, SPLIT_LABELS } from './dataset-format';
import { formatDateTime, formatInt, plural } from '../../lib/format';
import { useDatasetItems, type DatasetItems } from './use-dataset-items';
import { hrefFor, navigate, replaceHash, type BrowseQuery, type DatasetTab, type Route } from '../../app/route';
import { useApiQuery } from '../../api/queries';
import { DatasetGrid } from './DatasetGrid';
import { DatasetStatsView } from './DatasetStats';
import { ItemView } from './ItemView';
import { SkippedTab } from './SkippedTab';
import { SplitEditor } from './SplitEditor';
import './datasets.css';

type DatasetRoute = Extract<Route, { page: 'dataset' }>;

export function DatasetPage({ route }: { route: DatasetRoute }) {
  const { id, tab, query } = route;
  const info = useApiQuery('datasets.get', { id });
  const [override, setOverride] = useState<DatasetSummary | null>(null);
  const ds = override ?? info.data;

  if (!ds) {
    return (
      <section className="panel" data-testid="dataset-page" data-dataset-id={id}>
        <nav className="crumbs" aria-label="Breadcrumb">
          <a href={hrefFor.datasets()}>Datasets</a>
        </nav>
        {info.error ? (
          <p className="error-text" role="alert" data-testid="dataset-load-error">
            {info.error}
          </p>
        ) : (
          <p className="muted">Loading dataset…</p>
        )}
      </section>
    );
  }

  const tabs: { tab: DatasetTab; label: string }[] = [
    { tab: 'browse', label: 'Browse' },
    { tab: 'stats', label: 'Stats' },
    { tab: 'skipped', label: `Skipped (${formatInt(ds.counts.skipped)})` },
  ];

  return (
    <section className="panel dataset-page" aria-labelledby="dataset-title" data-testid="dataset-page" data-dataset-id={id} data-kind={ds.kind}>
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={hrefFor.datasets()}>Datasets</a> <span aria-hidden="true">/</span> <span>{ds.name}</span>
      </nav>
      <div className="panel-head">
        <h1 id="dataset-title" data-testid="dataset-name">
          {ds.name}
        </h1>
        <span className={`kind kind-${ds.kind}`}>{KIND_LABELS[ds.kind]}</span>
        <span className="chip">{FORMAT_LABELS[ds.format]}</span>
      </div>
      <dl className="facts">
        {ds.kind !== 'text' && (
          <div>
            <dt>Images</dt>
            <dd data-testid="dataset-images">{formatInt(ds.counts.images)}</dd>
          </div>
        )}
        {ds.kind !== 'classification' ? (
          <div>
            <dt>Captions</dt>
            <dd data-testid="dataset-captions">{formatInt(ds.counts.captions)}</dd>
          </div>
        ) : (
          <div>
            <dt>Classes</dt>
            <dd>{formatInt(ds.counts.classes)}</dd>
          </div>
        )}
        <div>
          <dt>Split (train / val. / test)</dt>
          <dd className="mono" data-testid="dataset-split">
            {formatInt(ds.counts.splits.train)} / {formatInt(ds.counts.splits.validation)} / {formatInt(ds.counts.splits.test)}
            <SplitEditor dataset={ds} onChanged={setOverride} />
          </dd>
        </div>
        <div>
          <dt>Source</dt>
          <dd className="mono small ellipsis source-path" title={ds.source}>
            {ds.source}
          </dd>
        </div>
        <div>
          <dt>Imported</dt>
          <dd>
            <time dateTime={new Date(ds.createdAt).toISOString()}>{formatDateTime(ds.createdAt)}</time>
          </dd>
        </div>
      </dl>
      <nav className="tabs" aria-label="Dataset views" data-testid="dataset-tabs">
        {tabs.map((t) => (
          <a
            key={t.tab}
            href={hrefFor.datasetTab(id, t.tab, t.tab === 'browse' ? query : {})}
            aria-current={tab === t.tab ? 'page' : undefined}
            data-testid={`tab-${t.tab}`}
          >
            {t.label}
          </a>
        ))}
      </nav>
      {tab === 'browse' && <BrowseView dataset={ds} query={query} itemId={route.itemId} />}
      {tab === 'stats' && <DatasetStatsView dataset={ds} />}
      {tab === 'skipped' && <SkippedTab dataset={ds} />}
    </section>
  );
}

function BrowseView({ dataset, query, itemId }: { dataset: DatasetSummary; query: BrowseQuery; itemId: number | null }) {
  const id = dataset.id;
  const qkey = JSON.stringify([id, query.search ?? '', query.label ?? '', query.split ?? '']);
  const cache = useDatasetItems(id, query);
  const [sel, setSel] = useState<{ key: string; index: number }>({ key: qkey, index: 0 });
  const selected = sel.key === qkey ? sel.index : 0;
  const openedHere = useRef(false);
  const connected = useApp((s) => s.connection.status === 'open');
  // Pages that failed while the connection was down are asked again once it is back.
  const failed = cache.error !== null;
  const retry = cache.retry;
  useEffect(() => {
    if (connected && failed) retry();
  }, [connected, failed, retry]);

  const setQuery = (q: BrowseQuery) => replaceHash(hrefFor.dataset(id, q));

  // When the item view closes, focus goes back to the tile of the item it showed last (the dialog
  // is gone, and the focus with it: it would fall to the page body), else to the grid.
  const viewOpen = useRef(false);
  useEffect(() => {
    if (itemId !== null) {
      viewOpen.current = true;
      return;
    }
    if (!viewOpen.current) return;
    viewOpen.current = false;
    const target = document.getElementById(`tile-${selected}`) ?? document.querySelector<HTMLElement>('[data-testid="dataset-grid"]');
    target?.focus();
  }, [itemId, selected]);

  const open = (index: number) => {
    const it = cache.itemAt(index);
    if (!it) return;
    setSel({ key: qkey, index });
    openedHere.current = true;
    navigate(hrefFor.datasetItem(id, it.id, query));
  };

  const close = () => {
    if (openedHere.current) {
      openedHere.current = false;
      window.history.back();
    } else {
      replaceHash(hrefFor.dataset(id, query));
    }
  };

  return (
    <div className="browse" data-testid="browse-view">
      <Toolbar dataset={dataset} query={query} cache={cache} onQuery={setQuery} />
      <DatasetGrid key={qkey} items={cache} kind={dataset.kind} selected={selected} onSelect={(index) => setSel({ key: qkey, index })} onOpen={open} />
      {itemId !== null && (
        <ItemView
          key="item-view"
          cache={cache}
          datasetId={id}
          itemId={itemId}
          query={query}
          onClose={close}
          onNavigate={(next, index) => {
            if (index !== undefined) setSel({ key: qkey, index });
            replaceHash(hrefFor.datasetItem(id, next, query));
          }}
        />
      )}
    </div>
  );
}

function Toolbar({ dataset, query, cache, onQuery }: { dataset: DatasetSummary; query: BrowseQuery; cache: DatasetItems; onQuery(q: BrowseQuery): void }) {
  const [text, setText] = useState(query.search ?? '');
  const captioned = dataset.kind !== 'classification';
  const latest = useRef({ query, onQuery });
  useEffect(() => {
    latest.current = { query, onQuery };
  });

  // Search as you type, a moment after the last key.
  useEffect(() => {
    const t = setTimeout(() => {
      const { query: q, onQuery: set } = latest.current;
      if ((q.search ?? '') !== text.trim()) set({ ...q, search: text.trim() || undefined });
    }, 300);
    return () => clearTimeout(t);
  }, [text]);

  return (
    <div className="toolbar" role="search" aria-label="Filter items" data-testid="browse-toolbar">
      {captioned && (
        <input
          type="search"
          className="search"
          placeholder="Search captions (e.g. dog, run*)"
          aria-label="Search captions"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') onQuery({ ...query, search: text.trim() || undefined });
          }}
          data-testid="search-input"
        />
      )}
      {dataset.classes.length > 0 && (
        <label className="inline-control">
          Class
          <select value={query.label ?? ''} onChange={(e) => onQuery({ ...query, label: e.target.value || undefined })} data-testid="class-filter">
            <option value="">All classes</option>
            {dataset.classes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="inline-control">
        Split
        <select
          value={query.split ?? ''}
          onChange={(e) => onQuery({ ...query, split: (e.target.value || undefined) as SplitName | undefined })}
          data-testid="split-filter"
        >
          <option value="">All splits</option>
          {SPLITS.map((s) => (
            <option key={s} value={s}>
              {SPLIT_LABELS[s]} ({formatInt(dataset.counts.splits[s])})
            </option>
          ))}
        </select>
      </label>
      <ResultCount cache={cache} all={dataset.counts.items} filtered={Boolean(query.search || query.label || query.split)} />
      <span className="muted small keys-hint" aria-hidden="true">
        ←↑→↓ move · Enter opens · Esc closes
      </span>
    </div>
  );
}

function ResultCount({ cache, all, filtered }: { cache: DatasetItems; all: number; filtered: boolean }) {
  const total = cache.total;
  return (
    <span className="result-count" role="status" aria-live="polite" data-testid="result-count" data-total={total ?? ''}>
      {total === null ? 'Loading…' : filtered ? `${formatInt(total)} of ${plural(all, 'item')}` : plural(total, 'item')}
    </span>
  );
}
