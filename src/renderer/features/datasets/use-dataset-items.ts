/**
 * The dataset browser's window onto a (possibly 100k-item) dataset, on TanStack Query: the pages of
 * `datasets.items` covering the rows on screen, the thumbnails of those rows in fixed batches
 * (`datasets.thumbnails`), and, while a search is active, the caption that matched for items whose
 * first caption does not contain the words (`datasets.item`, the same query the item view reads).
 * Every answer is a cached query: scrolling back costs nothing, and what left the screen is garbage
 * collected after GC_MS (memory stays bounded however far one scrolls). The range follows the
 * scrollbar at most every THROTTLE_MS, so flinging across 100k items costs a handful of pages.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueries, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { DatasetItem, ItemsPage, ItemsQuery, Thumbnail } from '../../../shared/dataset-schema';
import type { BrowseQuery } from '../../app/route';
import { useApi } from '../../api/context';
import { apiQueryKey } from '../../api/queries';
import { captionMatches, searchTerms, type SearchTerm } from './dataset-format';

export const PAGE_SIZE = 200;
export const THUMB_SIZE = 128;
/** Thumbnails per `datasets.thumbnails` call: a fixed slice of a page, so its key is stable. */
const THUMB_BATCH = 50;
const THROTTLE_MS = 80;
/** How long an answer no row shows stays cached. */
const GC_MS = 30_000;

export type CaptionState = { state: 'ready'; text: string | null } | { state: 'loading' };

export interface DatasetItems {
  total: number | null;
  error: string | null;
  terms: SearchTerm[];
  itemAt(index: number): DatasetItem | undefined;
  indexOf(itemId: number): number | undefined;
  /** The item at `index`, loading its page when needed (the item view's previous / next). */
  itemAtAsync(index: number): Promise<DatasetItem | undefined>;
  /** null when the item has no image (text-only, missing file), undefined while unknown. */
  thumbnail(itemId: number): Thumbnail | null | undefined;
  /** The caption a tile shows: the first one, or while searching, one that contains the words. */
  captionFor(item: DatasetItem): CaptionState;
  /** The items on screen (end exclusive). */
  setRange(start: number, end: number): void;
  retry(): void;
}

export function itemsInput(datasetId: string, query: BrowseQuery, page: number): ItemsQuery {
  const input: ItemsQuery = { id: datasetId, offset: page * PAGE_SIZE, limit: PAGE_SIZE };
  if (query.search?.trim()) input.search = query.search.trim();
  if (query.label !== undefined) input.label = query.label;
  if (query.split) input.split = query.split;
  return input;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const pageOf = (qc: QueryClient, input: ItemsQuery) => qc.getQueryData<ItemsPage>(apiQueryKey('datasets.items', input));

export function useDatasetItems(datasetId: string, query: BrowseQuery): DatasetItems {
  const api = useApi();
  const qc = useQueryClient();
  const terms = useMemo(() => searchTerms(query.search), [query.search]);
  const [range, setRangeState] = useState({ start: 0, end: 0 });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastSet = useRef(-Infinity);
  const wanted = useRef(range);
  useEffect(() => {
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const setRange = useCallback((start: number, end: number) => {
    const s = Math.max(0, Math.floor(start));
    wanted.current = { start: s, end: Math.max(s, Math.ceil(end)) };
    const apply = () => {
      timer.current = null;
      lastSet.current = Date.now();
      const w = wanted.current;
      setRangeState((r) => (r.start === w.start && r.end === w.end ? r : w));
    };
    const wait = lastSet.current + THROTTLE_MS - Date.now();
    if (wait <= 0) apply();
    else timer.current ??= setTimeout(apply, wait);
  }, []);

  // The pages the range covers (the first one until the total is known).
  const firstPage = Math.floor(range.start / PAGE_SIZE);
  const lastPage = Math.max(firstPage, Math.floor((Math.max(range.end, range.start + 1) - 1) / PAGE_SIZE));
  const pageNos: number[] = [];
  for (let p = firstPage; p <= lastPage; p++) pageNos.push(p);
  const pages = useQueries({
    queries: pageNos.map((p) => {
      const input = itemsInput(datasetId, query, p);
      return { queryKey: apiQueryKey('datasets.items', input), queryFn: () => api.call('datasets.items', input), gcTime: GC_MS };
    }),
  });
  const page0 = pages.find((q) => q.data)?.data ?? pageOf(qc, itemsInput(datasetId, query, 0));
  const total = page0?.total ?? null;
  const failed = pages.find((q) => q.isError);

  const itemAt = (index: number): DatasetItem | undefined => pageOf(qc, itemsInput(datasetId, query, Math.floor(index / PAGE_SIZE)))?.items[index % PAGE_SIZE];
  const visible: DatasetItem[] = [];
  const end = total === null ? range.end : Math.min(range.end, total);
  for (let i = range.start; i < end; i++) {
    const it = itemAt(i);
    if (it) visible.push(it);
  }

  // Thumbnails: fixed batches of THUMB_BATCH indices, those of the range.
  const batches = new Map<number, number[]>();
  for (let i = range.start; i < end; i++) {
    const it = itemAt(i);
    if (!it?.hasImage) continue;
    const b = Math.floor(i / THUMB_BATCH);
    if (batches.has(b)) continue;
    const ids: number[] = [];
    for (let j = b * THUMB_BATCH; j < (b + 1) * THUMB_BATCH; j++) {
      const x = itemAt(j);
      if (x?.hasImage) ids.push(x.id);
    }
    batches.set(b, ids);
  }
  const thumbQueries = useQueries({
    queries: [...batches.values()].map((itemIds) => {
      const input = { itemIds, size: THUMB_SIZE };
      return { queryKey: apiQueryKey('datasets.thumbnails', input), queryFn: () => api.call('datasets.thumbnails', input), gcTime: GC_MS };
    }),
  });
  const thumbs = new Map<number, Thumbnail | null>();
  for (const q of thumbQueries) {
    for (const t of q.data?.thumbnails ?? []) thumbs.set(t.itemId, t);
    for (const id of q.data?.missing ?? []) thumbs.set(id, null);
  }

  // While searching: the matching caption of the visible items whose first caption lacks the words.
  const needDetail = terms.length ? visible.filter((it) => it.caption !== null && !captionMatches(it.caption, terms)) : [];
  const details = useQueries({
    queries: needDetail.map((it) => {
      const input = { itemId: it.id };
      return { queryKey: apiQueryKey('datasets.item', input), queryFn: () => api.call('datasets.item', input), gcTime: GC_MS };
    }),
  });
  const matched = new Map<number, string | null>();
  needDetail.forEach((it, k) => {
    const q = details[k];
    if (q?.data) matched.set(it.id, q.data.captions.find((c) => captionMatches(c.text, terms))?.text ?? q.data.caption);
    else if (q?.isError) matched.set(it.id, null);
  });

  return {
    total,
    error: failed ? errorText(failed.error) : null,
    terms,
    itemAt,
    indexOf(itemId) {
      const base = itemsInput(datasetId, query, 0);
      for (const [key, data] of qc.getQueriesData<ItemsPage>({ queryKey: ['datasets.items'] })) {
        const input = key[1] as ItemsQuery;
        if (!data || input.id !== base.id || input.search !== base.search || input.label !== base.label || input.split !== base.split) continue;
        const k = data.items.findIndex((it) => it.id === itemId);
        if (k >= 0) return data.offset + k;
      }
      return undefined;
    },
    async itemAtAsync(index) {
      if (index < 0 || (total !== null && index >= total)) return undefined;
      const input = itemsInput(datasetId, query, Math.floor(index / PAGE_SIZE));
      const page = await qc.fetchQuery({ queryKey: apiQueryKey('datasets.items', input), queryFn: () => api.call('datasets.items', input), gcTime: GC_MS });
      return page.items[index % PAGE_SIZE];
    },
    thumbnail(itemId) {
      if (thumbs.has(itemId)) return thumbs.get(itemId);
      const it = visible.find((x) => x.id === itemId);
      return it && !it.hasImage ? null : undefined;
    },
    captionFor(item) {
      if (!terms.length || item.caption === null || captionMatches(item.caption, terms)) return { state: 'ready', text: item.caption };
      return matched.has(item.id) ? { state: 'ready', text: matched.get(item.id) ?? null } : { state: 'loading' };
    },
    setRange,
    retry() {
      void qc.refetchQueries({ queryKey: ['datasets.items'], predicate: (q) => q.state.status === 'error' });
    },
  };
}
