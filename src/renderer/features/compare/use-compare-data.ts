import { useEffect, useMemo, useState } from 'react';
import type { MetricPoint, RunRecord, SampleRecord } from '../../../shared/api';
import { LM_MODELS } from '../../../shared/lm-spec';
import { useApi, useApp } from '../../api/context';
import { MAX_CHART_POINTS, appendPoints, groupByKey } from '../../api/series';

export interface CompareRun {
  id: string;
  run: RunRecord | null;
  error: string | null;
  loaded: boolean;
  series: Record<string, MetricPoint[]>;
  totals: Record<string, number>;
  samples: SampleRecord[];
}

const NO_SERIES: Record<string, MetricPoint[]> = {};
const NO_TOTALS: Record<string, number> = {};
const NO_SAMPLES: SampleRecord[] = [];

const isLm = (r: RunRecord | null): boolean => !!r && (LM_MODELS as readonly string[]).includes(r.preset);

/**
 * Everything the compare page shows for a set of runs: records (live from the app store),
 * downsampled metrics and, for language-model runs, their sampled captions; metrics and samples
 * pushed while the page is open are merged in.
 */
export function useCompareData(ids: readonly string[]): CompareRun[] {
  const api = useApi();
  const records = useApp((s) => s.runs);
  const connected = useApp((s) => s.connection.status === 'open');
  const key = ids.join(',');
  const [data, setData] = useState<Record<string, Omit<CompareRun, 'run'> & { fetched: RunRecord | null }>>({});

  useEffect(() => {
    if (!connected) return;
    let live = true;
    const list = key ? key.split(',') : [];
    setData(Object.fromEntries(list.map((id) => [id, { id, error: null, loaded: false, series: {}, totals: {}, samples: [], fetched: null }])));
    for (const id of list) {
      void (async () => {
        try {
          const run = await api.call('runs.get', { id });
          const [metrics, samples] = await Promise.all([
            api.call('runs.metrics', { id, maxPoints: MAX_CHART_POINTS }),
            isLm(run) ? api.call('runs.samples', { id, limit: 10_000 }) : Promise.resolve([] as SampleRecord[]),
          ]);
          if (!live) return;
          const series: Record<string, MetricPoint[]> = {};
          const totals: Record<string, number> = {};
          for (const m of metrics) {
            series[m.key] = m.points.slice().sort((a, b) => a.step - b.step);
            totals[m.key] = m.total;
          }
          setData((d) => ({ ...d, [id]: { id, error: null, loaded: true, series, totals, samples, fetched: run } }));
        } catch (err) {
          if (live)
            setData((d) => ({
              ...d,
              [id]: { id, error: err instanceof Error ? err.message : String(err), loaded: true, series: {}, totals: {}, samples: [], fetched: null },
            }));
        }
      })();
    }
    const offMetrics = api.on('run.metrics', ({ runId, points }) => {
      if (!list.includes(runId)) return;
      setData((d) => {
        const cur = d[runId];
        if (!cur || !cur.loaded) return d;
        const series = { ...cur.series };
        const totals = { ...cur.totals };
        for (const [k, pts] of groupByKey(points)) {
          const { points: merged, added } = appendPoints(series[k] ?? [], pts, MAX_CHART_POINTS);
          series[k] = merged;
          totals[k] = (totals[k] ?? 0) + added;
        }
        return { ...d, [runId]: { ...cur, series, totals } };
      });
    });
    const offSamples = api.on('run.sample', (s) => {
      if (!list.includes(s.runId)) return;
      setData((d) => {
        const cur = d[s.runId];
        if (!cur || !cur.loaded) return d;
        return { ...d, [s.runId]: { ...cur, samples: [...cur.samples, { ...s, id: -1, createdAt: Date.now() }] } };
      });
    });
    return () => {
      live = false;
      offMetrics();
      offSamples();
    };
  }, [api, key, connected]);

  // One array per change of data or records (not per render): the page's charts and tables memoize on it.
  return useMemo(
    () =>
      (key ? key.split(',') : []).map((id) => {
        const d = data[id];
        return {
          id,
          run: records[id] ?? d?.fetched ?? null,
          error: d?.error ?? null,
          loaded: d?.loaded ?? false,
          series: d?.series ?? NO_SERIES,
          totals: d?.totals ?? NO_TOTALS,
          samples: d?.samples ?? NO_SAMPLES,
        };
      }),
    [key, data, records],
  );
}
