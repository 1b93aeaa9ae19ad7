/**
 * Finding a language-model run's images among the imported datasets, for thumbnails: the run's
 * `dataset` param, else the imported dataset whose annotation file is the run's captions CSV.
 * Item ids by image key and thumbnails are fetched through the Api and cached for the session.
 */
import { useEffect, useMemo, useState } from 'react';
import type { Api, DatasetSummary, RunRecord } from '../../../shared/api';
import { LM_MODELS } from '../../../shared/lm-spec';
import { useApi } from '../../api/context';
import { useApiQuery } from '../../api/queries';

export const isLmRun = (run: Pick<RunRecord, 'preset'>): boolean => (LM_MODELS as readonly string[]).includes(run.preset);

interface LmParamsView {
  dataset?: string;
  captions?: string;
}

const norm = (p: string): string =>
  p
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/(^|\/)\.\//g, '$1');

/** The dataset a run reads: params.dataset, else the dataset imported from the run's captions file. */
export function runDatasetId(run: RunRecord, datasets: readonly DatasetSummary[]): string | null {
  const p = run.spec.params as LmParamsView;
  if (p.dataset) return p.dataset;
  if (!p.captions) return null;
  const want = norm(p.captions);
  const hit =
    datasets.find((d) => norm(d.source) === want) ??
    datasets.find((d) => want.endsWith(`/${norm(d.source).replace(/^\//, '')}`) || norm(d.source).endsWith(`/${want.replace(/^\.?\//, '')}`));
  return hit?.id ?? null;
}

export function useRunDataset(run: RunRecord | null): { datasetId: string | null; dataset: DatasetSummary | null; loading: boolean; error: string | null } {
  const list = useApiQuery('datasets.list', run ? {} : null);
  return useMemo(() => {
    if (!run) return { datasetId: null, dataset: null, loading: false, error: null };
    const id = runDatasetId(run, list.data ?? []);
    return { datasetId: id, dataset: (list.data ?? []).find((d) => d.id === id) ?? null, loading: list.loading, error: list.error };
  }, [run, list.data, list.loading, list.error]);
}

const keyIndexes = new Map<string, Promise<Map<string, number>>>();
const MAX_PAGES = 50;

/** Every item of a dataset by key (and by base name), fetched page by page once per session. */
export function datasetKeyIndex(api: Api, datasetId: string): Promise<Map<string, number>> {
  let p = keyIndexes.get(datasetId);
  if (!p) {
    p = (async () => {
      const out = new Map<string, number>();
      for (let page = 0, offset = 0; page < MAX_PAGES; page++) {
        const r = await api.call('datasets.items', { id: datasetId, offset, limit: 1000 });
        for (const it of r.items) {
          out.set(it.key, it.id);
          const base = it.key.split(/[\\/]/).pop() as string;
          if (!out.has(base)) out.set(base, it.id);
        }
        offset += r.items.length;
        if (r.items.length === 0 || offset >= r.total) break;
      }
      return out;
    })();
    p.catch(() => keyIndexes.delete(datasetId));
    keyIndexes.set(datasetId, p);
  }
  return p;
}

export function useKeyIndex(datasetId: string | null): Map<string, number> | null {
  const api = useApi();
  const [index, setIndex] = useState<{ id: string; map: Map<string, number> } | null>(null);
  useEffect(() => {
    if (!datasetId) return;
    let live = true;
    datasetKeyIndex(api, datasetId).then(
      (map) => {
        if (live) setIndex({ id: datasetId, map });
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [api, datasetId]);
  return index && index.id === datasetId ? index.map : null;
}

const thumbCache = new Map<string, string>();

/** Data URLs of item thumbnails (cached); missing ones are simply absent. */
export function useThumbnails(itemIds: readonly number[], size = 160): Map<number, string> {
  const api = useApi();
  const key = itemIds.join(',');
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const want = itemIds.filter((id) => !thumbCache.has(`${id}:${size}`));
    if (want.length === 0) return;
    let live = true;
    api.call('datasets.thumbnails', { itemIds: want.slice(0, 1000), size }).then(
      (r) => {
        for (const t of r.thumbnails) thumbCache.set(`${t.itemId}:${size}`, t.dataUrl);
        if (live) setVersion((v) => v + 1);
      },
      () => {},
    );
    return () => {
      live = false;
    };
    // itemIds is summarised by `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, size]);
  return useMemo(() => {
    const out = new Map<number, string>();
    for (const id of itemIds) {
      const u = thumbCache.get(`${id}:${size}`);
      if (u) out.set(id, u);
    }
    return out;
    // `version` says when the cache gained entries.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, size, version]);
}
