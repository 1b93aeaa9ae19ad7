import { useSyncExternalStore } from 'react';
import { SPLITS, type SplitName } from '../../shared/dataset-schema';

/** What the dataset browser filters by; kept in the hash so the item view and reloads keep it. */
export interface BrowseQuery {
  search?: string;
  /** A class name. */
  label?: string;
  split?: SplitName;
}

export type DatasetTab = 'browse' | 'stats' | 'skipped';

export type Route =
  /** `sweep`: only the runs of that sweep (a link from the sweeps list). */
  | { page: 'runs'; sweep?: string }
  | { page: 'sweeps' }
  /** `from`: the run whose spec the form starts with (Clone run). */
  | { page: 'new'; from: string | null }
  | { page: 'run'; id: string }
  | { page: 'compare'; ids: string[] }
  | { page: 'sweep'; id: string }
  | { page: 'datasets' }
  | { page: 'dataset-import' }
  | { page: 'dataset'; id: string; tab: DatasetTab; query: BrowseQuery; itemId: number | null }
  | { page: 'explore'; runId: string | null }
  | { page: 'playground' }
  | { page: 'not-found'; path: string };

const ID = '[A-Za-z0-9_-]{1,64}';
const DATASET_RE = new RegExp(`^/datasets/(${ID})(?:/(stats|skipped)|/items/(\\d{1,15}))?$`);

export function parseQuery(search: string): BrowseQuery {
  const p = new URLSearchParams(search);
  const q: BrowseQuery = {};
  const s = p.get('q')?.trim();
  if (s) q.search = s;
  const label = p.get('class');
  if (label) q.label = label;
  const split = p.get('split');
  if (split && (SPLITS as readonly string[]).includes(split)) q.split = split as SplitName;
  return q;
}

export function queryString(q: BrowseQuery): string {
  const p = new URLSearchParams();
  if (q.search?.trim()) p.set('q', q.search.trim());
  if (q.label) p.set('class', q.label);
  if (q.split) p.set('split', q.split);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Run ids of `?ids=a,b,c` (valid ids only, duplicates dropped, at most 12). */
export function parseIds(search: string): string[] {
  const raw = new URLSearchParams(search).get('ids') ?? '';
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^[A-Za-z0-9_-]{1,64}$/.test(s));
  return [...new Set(ids)].slice(0, 12);
}

/** `#/`, `#/new`, `#/runs/ID`, `#/compare?ids=A,B`, `#/datasets`, `#/datasets/import`, `#/datasets/ID[/stats|/skipped|/items/N][?q=&class=&split=]`. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const qi = raw.indexOf('?');
  const path = (qi >= 0 ? raw.slice(0, qi) : raw).replace(/\/+$/, '') || '/';
  const search = qi >= 0 ? raw.slice(qi + 1) : '';
  if (path === '/' || path === '/runs') {
    const sweep = new URLSearchParams(search).get('sweep');
    return sweep && /^[A-Za-z0-9_-]{1,64}$/.test(sweep) ? { page: 'runs', sweep } : { page: 'runs' };
  }
  if (path === '/sweeps') return { page: 'sweeps' };
  if (path === '/new') {
    const from = new URLSearchParams(search).get('from');
    return { page: 'new', from: from && /^[A-Za-z0-9_-]{1,64}$/.test(from) ? from : null };
  }
  const m = /^\/runs\/([A-Za-z0-9_-]{1,64})$/.exec(path);
  if (m) return { page: 'run', id: m[1] as string };
  if (path === '/compare') return { page: 'compare', ids: parseIds(search) };
  const sw = /^\/sweeps\/([A-Za-z0-9_-]{1,64})$/.exec(path);
  if (sw) return { page: 'sweep', id: sw[1] as string };
  if (path === '/datasets') return { page: 'datasets' };
  if (path === '/playground') return { page: 'playground' };
  if (path === '/datasets/import') return { page: 'dataset-import' };
  const d = DATASET_RE.exec(path);
  if (d) {
    const itemId = d[3] ? Number(d[3]) : null;
    const tab = (d[2] as DatasetTab | undefined) ?? 'browse';
    return { page: 'dataset', id: d[1] as string, tab, query: parseQuery(search), itemId: itemId && itemId > 0 ? itemId : null };
  }
  if (path === '/explore') {
    const run = new URLSearchParams(search).get('run');
    return { page: 'explore', runId: run && /^[A-Za-z0-9_-]{1,64}$/.test(run) ? run : null };
  }
  return { page: 'not-found', path };
}

export const hrefFor = {
  runs: () => '#/',
  newRun: () => '#/new',
  cloneRun: (id: string) => `#/new?from=${encodeURIComponent(id)}`,
  run: (id: string) => `#/runs/${encodeURIComponent(id)}`,
  sweep: (id: string) => `#/sweeps/${encodeURIComponent(id)}`,
  sweeps: () => '#/sweeps',
  sweepRuns: (id: string) => `#/runs?sweep=${encodeURIComponent(id)}`,
  compare: (ids: readonly string[]) => `#/compare?ids=${ids.map(encodeURIComponent).join(',')}`,
  datasets: () => '#/datasets',
  importDataset: () => '#/datasets/import',
  dataset: (id: string, query: BrowseQuery = {}) => `#/datasets/${encodeURIComponent(id)}${queryString(query)}`,
  datasetTab: (id: string, tab: DatasetTab, query: BrowseQuery = {}) =>
    tab === 'browse' ? hrefFor.dataset(id, query) : `#/datasets/${encodeURIComponent(id)}/${tab}${queryString(query)}`,
  datasetItem: (id: string, itemId: number, query: BrowseQuery = {}) => `#/datasets/${encodeURIComponent(id)}/items/${itemId}${queryString(query)}`,
  explore: (runId?: string | null) => (runId ? `#/explore?run=${encodeURIComponent(runId)}` : '#/explore'),
  playground: () => '#/playground',
};

export function navigate(href: string): void {
  window.location.hash = href.replace(/^#/, '');
}

/** Changes the hash without a new history entry (filters, previous/next item). */
export function replaceHash(href: string): void {
  const url = `${window.location.pathname}${window.location.search}${href.startsWith('#') ? href : `#${href}`}`;
  window.location.replace(url);
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}

export function useRoute(): Route {
  return parseHash(useHash());
}
