import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downsampleLttb, downsampleMinMax } from '../../shared/downsample';
import { seededRandom } from '../../shared/random';
import { RunSpec } from '../../shared/run-spec';
import { openDatabase } from './db';
import { metricPages, minMaxPages, rowsToRead } from './metric-blocks';
import { MIGRATIONS } from './migrations';
import { Store, type MetricWrite } from './store';

const dirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-blocks-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const spec = RunSpec.parse({ preset: 'lenet5-mnist', params: { epochs: 1 } });
const BLOCKS_VERSION = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE metric_blocks')) + 1;

/** Values with ties (rounded) and NaNs, so the min/max tie-breaking and the NaN rule are exercised. */
function series(n: number, seed: number, key = 'loss', from = 0): MetricWrite[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const step = from + i;
    const v = Math.round(r() * 40) / 4;
    return { key, step, epoch: step / 100, wallTime: step * 0.01, value: step % 997 === 5 ? Number.NaN : v };
  });
}

function newStore(): Store {
  const s = new Store(tmpDir());
  s.createRun({ id: 'r1', name: 'r', spec, createdAt: 1 });
  return s;
}

const dumpBlocks = (s: Store) => s.db.prepare('SELECT * FROM metric_blocks ORDER BY run_id, key, level, block').all();

/** The blocks the migration's SQL backfill computes from the raw rows of `s` (an independent computation). */
function backfilled(s: Store): unknown[] {
  const dir = tmpDir();
  const file = path.join(dir, 'workbench.db');
  const old = openDatabase(file, BLOCKS_VERSION - 1);
  old
    .prepare('INSERT INTO runs (id, name, preset, spec_json, status, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run('r1', 'r', 'lenet5-mnist', JSON.stringify(spec), 'completed', 1);
  const ins = old.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)');
  const rows = s.db.prepare('SELECT run_id, key, step, epoch, wall_time, value FROM metrics').raw(true).all() as unknown[][];
  old.transaction(() => rows.forEach((r) => ins.run(...r)))();
  old.close();
  const upgraded = new Store(dir);
  try {
    return dumpBlocks(upgraded);
  } finally {
    upgraded.close();
  }
}

describe('metric blocks', () => {
  it('maintains on append the same blocks the migration backfill computes from the raw rows', () => {
    const s = newStore();
    const pts = series(5000, 1);
    // Batches that end mid-block, of two interleaved keys, as an engine sends them.
    for (let i = 0; i < pts.length; i += 333) {
      const batch = pts.slice(i, i + 333);
      s.insertMetrics(
        'r1',
        batch.flatMap((p) => [p, { ...p, key: 'acc', value: p.value / 10 }]),
      );
    }
    const blocks = dumpBlocks(s);
    expect(blocks.length).toBe(2 * (Math.ceil(5000 / 64) + Math.ceil(5000 / 1024)));
    expect(blocks).toEqual(backfilled(s));
    s.close();
  });

  it('recomputes the touched blocks when steps are overwritten or arrive out of order', () => {
    const s = newStore();
    s.insertMetrics('r1', series(3000, 2));
    // A resumed run re-records steps 1000..1499 with other values, including a new minimum.
    const again = series(500, 3, 'loss', 1000);
    (again[123] as MetricWrite).value = -7;
    s.insertMetrics('r1', again);
    s.insertMetrics('r1', [...series(10, 4, 'loss', 3100)].reverse());
    expect(dumpBlocks(s)).toEqual(backfilled(s));
    const q = s.metricSeries('r1', 'loss', 100);
    expect(q.total).toBe(3010);
    expect(q.points.some((p) => p.value === -7 && p.step === 1123)).toBe(true);
    s.close();
  });

  it('downsamples 100,000 points from the blocks like the raw min-max does', () => {
    const s = newStore();
    const pts = series(100_000, 5);
    (pts[77_777] as MetricWrite).value = 1000;
    for (let i = 0; i < pts.length; i += 1000) s.insertMetrics('r1', pts.slice(i, i + 1000));
    const raw = s.metricPoints('r1', 'loss');
    for (const maxPoints of [200, 400, 2000]) {
      const q = s.metricSeries('r1', 'loss', maxPoints);
      const ref = downsampleMinMax(raw, maxPoints);
      expect(q.total).toBe(100_000);
      expect(q.points.length).toBeLessThanOrEqual(maxPoints);
      expect(q.points.length).toBeGreaterThan(maxPoints / 2);
      expect(q.points[0]).toEqual(ref[0]);
      expect(q.points.at(-1)).toEqual(ref.at(-1));
      expect(q.points.some((p) => p.value === 1000)).toBe(true);
      expect(q.points.some((p) => Number.isNaN(p.value))).toBe(true);
      for (let i = 1; i < q.points.length; i++) expect((q.points[i] as { step: number }).step).toBeGreaterThan((q.points[i - 1] as { step: number }).step);
      // Every point returned is a stored point.
      for (const p of q.points) expect(raw[p.step]).toEqual(p);
    }
    const lttb = s.metricSeries('r1', 'loss', 500, 'lttb');
    expect(lttb.points.length).toBe(500);
    expect(lttb.total).toBe(100_000);
    s.close();
  });

  it('answers short series from the raw rows, exactly as before', () => {
    const s = newStore();
    s.insertMetrics('r1', series(1500, 6));
    const raw = s.metricPoints('r1', 'loss');
    expect(s.metricSeries('r1', 'loss', 2000)).toEqual({ key: 'loss', total: 1500, points: raw });
    expect(s.metricSeries('r1', 'loss', 100)).toEqual({ key: 'loss', total: 1500, points: downsampleMinMax(raw, 100) });
    expect(s.metricSeries('r1', 'none', 100)).toEqual({ key: 'none', total: 0, points: [] });
    s.close();
  });

  it('lists keys in order and drops blocks with their run', () => {
    const s = newStore();
    s.insertMetrics('r1', [...series(5, 7, 'val_loss'), ...series(5, 7, 'a'), ...series(5, 7, 'loss')]);
    expect(s.metricKeys('r1')).toEqual(['a', 'loss', 'val_loss']);
    expect(s.metricKeys('nope')).toEqual([]);
    s.deleteRun('r1');
    expect(dumpBlocks(s)).toEqual([]);
    s.close();
  });
});

describe('min-max over pages of raw rows', () => {
  type Row = [number, number, number, number | null];
  const rowsOf = (pts: MetricWrite[]): Row[] => pts.map((p) => [p.step, p.epoch, p.wallTime, Number.isNaN(p.value) ? null : p.value]);
  const pagesOf = (rows: Row[], size: number): Row[][] => Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));

  it('keeps exactly the points downsampleMinMax keeps, whatever the page size', () => {
    // 109 points in 11 buckets (maxPoints 44): (total / buckets) * buckets rounds below total, so
    // the last point falls in no bucket; the paged fold must drop it too.
    const cases: [number, number][] = [
      [1000, 400],
      [109, 44],
      [10_007, 10_004],
      [5000, 4],
      [4097, 2000],
      [300, 7],
      [1003, 1000],
    ];
    for (const [n, maxPoints] of cases) {
      const pts = series(n, n + maxPoints);
      // A run of NaNs and ties, to exercise which NaN and which tie win.
      for (let i = 50; i < Math.min(n, 60); i++) (pts[i] as MetricWrite).value = Number.NaN;
      const want = downsampleMinMax(
        pts.map(({ key: _k, ...p }) => p),
        maxPoints,
      );
      for (const size of [1, 7, 64, 8192]) {
        const got = minMaxPages(pagesOf(rowsOf(pts), size), n, maxPoints);
        expect(got.seen, `n ${n}`).toBe(n);
        expect(got.points, `n ${n}, maxPoints ${maxPoints}, pages of ${size}`).toEqual(want);
      }
    }
    expect(Math.floor(11 * (109 / 11))).toBe(108);
  });

  it('reads every row of a series in pages of a primary-key range, negative steps included', () => {
    const s = newStore();
    const pts = series(5000, 3, 'loss', -1234);
    s.insertMetrics('r1', pts);
    s.insertMetrics('r1', series(10, 4, 'other'));
    const pages = [...metricPages(s.db, 'r1', 'loss', 999)];
    expect(pages.map((p) => p.length)).toEqual([999, 999, 999, 999, 999, 5]);
    expect(pages.flat()).toEqual(rowsOf(pts));
    s.close();
  });

  it('answers fine-bucket queries (more buckets than blocks) from the pages as downsampleMinMax does from every point', () => {
    const s = newStore();
    s.insertMetrics('r1', series(30_000, 11));
    // 30,000 points in 469 level-0 blocks; maxPoints 4,000 asks for 1,000 buckets: the raw rows are read.
    expect(rowsToRead(s.db, 'r1', 'loss', 4000)).toBe(30_000);
    expect(rowsToRead(s.db, 'r1', 'loss', 1000)).toBe(469);
    const every = s.metricPoints('r1', 'loss');
    for (const maxPoints of [4000, 20_000, 29_999]) {
      expect(s.metricSeries('r1', 'loss', maxPoints)).toEqual({ key: 'loss', total: 30_000, points: downsampleMinMax(every, maxPoints) });
    }
    const lttb = s.metricSeries('r1', 'loss', 5000, 'lttb');
    expect(lttb.points).toEqual(downsampleLttb(downsampleMinMax(every, 20_000), 5000));
    s.close();
  });
});
