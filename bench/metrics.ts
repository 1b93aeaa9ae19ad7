/**
 * Metrics benchmark (issue 7, `--only metrics`): 1,000,000 points of one metric of one run stored
 * in a real SQLite file through `Store.insertMetrics` (the batch path the run manager uses for
 * every `metrics` message of an engine), then the `runs.metrics` handler through `host.dispatch`,
 * downsampled to 2,000 points, as the run page asks for it.
 *
 * Points: a noisy decaying loss curve (seeded) with a few NaN steps and one spike; batches of
 * `batch` points (default 1,000: what an engine flushing every 250 ms sends at 4,000 steps/s).
 * Timed: the inserts only (points made beforehand); each query after a first untimed-for-median
 * one (reported separately as `metrics_query_first_ms`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricSeries } from '../src/shared/api';
import { seededRandom } from '../src/shared/random';
import { createHost } from '../src/main/host';
import type { MetricWrite } from '../src/main/store/store';

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export interface MetricsBenchOptions {
  points: number;
  batch: number;
  maxPoints: number;
  queries: number;
}

export const METRICS_DEFAULTS: MetricsBenchOptions = { points: 1_000_000, batch: 1_000, maxPoints: 2_000, queries: 7 };

function makeBatches(n: number, batch: number): MetricWrite[][] {
  const rand = seededRandom(7);
  const out: MetricWrite[][] = [];
  let cur: MetricWrite[] = [];
  const spike = Math.floor(n * 0.6543);
  for (let i = 0; i < n; i++) {
    let value = 2.3 * Math.exp(-i / (n / 5)) + 0.05 + 0.1 * (rand() - 0.5);
    if (i === spike) value = 50;
    if (i > 0 && i % 250_007 === 0) value = Number.NaN;
    cur.push({ key: 'loss', step: i, epoch: i / 1000, wallTime: i * 0.004, value });
    if (cur.length === batch) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

export async function benchMetrics(o: MetricsBenchOptions, say: (m: string) => void): Promise<Record<string, unknown>> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-bench-metrics-'));
  const host = createHost({ dataDir: tmp, transport: 'websocket', concurrency: 0 });
  try {
    // A queued run that never starts (concurrency 0): the points are written as an engine's would be.
    const run = (await host.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', name: 'metrics bench', params: {} } })) as { id: string };
    // Let the run manager's scheduled queue pass run now (it would otherwise find the store closed at the end).
    await new Promise((r) => setImmediate(r));
    const batches = makeBatches(o.points, o.batch);
    say(`metrics: inserting ${o.points} points in ${batches.length} batches of ${o.batch} into ${host.store.file} ...`);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of batches) host.store.insertMetrics(run.id, b);
    const insertS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    say(`metrics: inserted in ${round(insertS, 2)} s; querying ...`);

    const query = async (downsample: 'minmax' | 'lttb') => {
      const t = performance.now();
      const r = (await host.dispatch('runs.metrics', { id: run.id, keys: ['loss'], maxPoints: o.maxPoints, downsample })) as MetricSeries[];
      return { ms: performance.now() - t, series: r[0] as MetricSeries };
    };
    const first = await query('minmax');
    const times: number[] = [];
    let last = first.series;
    for (let i = 0; i < o.queries; i++) {
      const q = await query('minmax');
      times.push(q.ms);
      last = q.series;
    }
    const lttb: number[] = [];
    let lttbSeries = last;
    for (let i = 0; i < Math.max(1, Math.floor(o.queries / 2)); i++) {
      const q = await query('lttb');
      lttb.push(q.ms);
      lttbSeries = q.series;
    }
    // The all-keys form the run page sends first (no `keys`), timed once.
    const tAll = performance.now();
    await host.dispatch('runs.metrics', { id: run.id, maxPoints: o.maxPoints });
    const allKeysMs = performance.now() - tAll;

    // The answer must be right, not only fast.
    const pts = last.points;
    const problems: string[] = [];
    if (last.total !== o.points) problems.push(`total ${last.total}, expected ${o.points}`);
    if (pts.length > o.maxPoints || pts.length < o.maxPoints / 4) problems.push(`${pts.length} points returned for maxPoints ${o.maxPoints}`);
    if (pts[0]?.step !== 0 || pts.at(-1)?.step !== o.points - 1) problems.push('first or last step missing');
    if (!pts.some((p) => p.value === 50)) problems.push('the spike was lost');
    if (!pts.some((p) => Number.isNaN(p.value))) problems.push('the NaN steps were lost');
    for (let i = 1; i < pts.length; i++)
      if ((pts[i]?.step as number) <= (pts[i - 1]?.step as number)) {
        problems.push('steps not increasing');
        break;
      }
    if (lttbSeries.points.length !== o.maxPoints) problems.push(`LTTB returned ${lttbSeries.points.length} points`);
    if (problems.length) throw new Error(`metrics query answer is wrong: ${problems.join('; ')}`);

    const dbBytes = ['', '-wal'].reduce((s, ext) => s + (fs.existsSync(host.store.file + ext) ? fs.statSync(host.store.file + ext).size : 0), 0);
    return {
      metrics_points: o.points,
      metrics_batch_points: o.batch,
      metrics_insert_points_per_s: Math.round(o.points / insertS),
      metrics_insert_points_per_cpu_s: Math.round(o.points / ((cpu.user + cpu.system) / 1e6)),
      metrics_insert_s: round(insertS, 2),
      metrics_query_ms: round(median(times), 1),
      metrics_query_first_ms: round(first.ms, 1),
      metrics_query_ms_runs: times.map((t) => round(t, 1)),
      metrics_query_points: pts.length,
      metrics_query_lttb_ms: round(median(lttb), 1),
      metrics_query_all_keys_ms: round(allKeysMs, 1),
      metrics_db_mb: round(dbBytes / 2 ** 20, 1),
      goal_metrics_insert_points_per_s: 200_000,
      goal_metrics_query_ms: 100,
      metrics_timed:
        'insert: Store.insertMetrics per batch (one transaction each) into a WAL SQLite file; query: host.dispatch("runs.metrics", { keys: ["loss"], maxPoints }) min-max, median of the repeats after a first query',
    };
  } finally {
    await host.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
