/**
 * Metric storage fast paths: multi-row batch inserts, and a two-level summary ("blocks") that
 * lets a 1,000,000-point series be downsampled without reading the raw rows.
 *
 * A level-0 block summarises the points of one (run, key) whose step lies in
 * [b * 64, b * 64 + 63]; a level-1 block, 16 level-0 blocks (1024 steps). Each block keeps its
 * point count and its first, minimum, maximum and last point (step, epoch, wall time, value), so
 * blocks merge exactly like the buckets of `downsampleMinMax`: a NaN (stored NULL) wins the
 * minimum, so a divergence stays visible. Blocks are recomputed from the raw rows inside the
 * insert transaction for every block a batch touches, so an overwritten step (a resumed run
 * re-recording steps) never leaves a stale summary.
 *
 * The table and the backfill of older databases are migration 5 (migrations.ts); keep its
 * block sizes in step with BLOCK_STEPS (metric-blocks.test.ts checks the backfill against this code).
 *
 * A query reads the coarsest level that still has at least one block per output bucket (about
 * 1,000 rows for 1,000,000 points), and falls back to the raw rows when the series is short or
 * the buckets are finer than the blocks (maxPoints 100,000 of 1,000,000). The raw rows are read in
 * pages by step (an index range each) and folded into the min-max buckets as they come, never
 * all held as objects at once. `rowsToRead` says what a query will cost, so a caller can run the
 * big ones off the host's event loop (exports/offloop.ts).
 */
import type { MetricPoint, MetricSeries } from '../../shared/api';
import { downsampleLttb, downsampleMinMax, type DownsampleMethod } from '../../shared/downsample';
import type Database from 'better-sqlite3';
import type { Db } from './db';

export type MetricWrite = MetricPoint & { key: string };

export const BLOCK_STEPS = [64, 1024] as const;
const FANOUT = BLOCK_STEPS[1] / BLOCK_STEPS[0];
/** Rows per multi-row INSERT statement (6 parameters each; SQLite allows 32766). */
const ROWS_PER_STATEMENT = 100;
/**
 * LTTB on long series runs over a min-max preselection of up to this many times maxPoints
 * (MinMaxLTTB, Van Der Donckt et al. 2023); from the blocks, at least a quarter of that (the
 * coarser level is read whenever it can give LTTB 2x its output).
 */
const LTTB_PRESELECT = 4;

const POINT_COLS = (p: string) => `${p}_step, ${p}_epoch, ${p}_wall, ${p}_value`;
const ALL_POINT_COLS = ['f', 'lo', 'hi', 'l'].map(POINT_COLS).join(', ');

type Stmt = Database.Statement<unknown[]>;

interface Statements {
  insertOne: Stmt;
  insertMany: Stmt;
  block0: Stmt;
  block1: Stmt;
  blocks: Stmt;
  total: Stmt;
  raw: Stmt;
  keys: Stmt;
  lastBlock: Stmt;
  block: Stmt;
  putBlock0: Stmt;
}

const cache = new WeakMap<Db, Statements>();

function statements(db: Db): Statements {
  let s = cache.get(db);
  if (s) return s;
  const cols = 'INSERT OR REPLACE INTO metrics (run_id, key, step, epoch, wall_time, value) VALUES ';
  const pointOf = (order: string) =>
    `(SELECT step, epoch, wall_time, value FROM metrics WHERE run_id = @run AND key = @key AND step BETWEEN @a AND @b ORDER BY ${order} LIMIT 1)`;
  const blockOf = (order: string) =>
    `(SELECT f_step, f_epoch, f_wall, f_value, lo_step, lo_epoch, lo_wall, lo_value, hi_step, hi_epoch, hi_wall, hi_value, l_step, l_epoch, l_wall, l_value FROM metric_blocks WHERE run_id = @run AND key = @key AND level = 0 AND block BETWEEN @a AND @b ORDER BY ${order} LIMIT 1)`;
  s = {
    insertOne: db.prepare(`${cols}(?, ?, ?, ?, ?, ?)`),
    insertMany: db.prepare(cols + Array.from({ length: ROWS_PER_STATEMENT }, () => '(?, ?, ?, ?, ?, ?)').join(', ')),
    // @block with its step range @a..@b.
    block0: db.prepare(`INSERT OR REPLACE INTO metric_blocks (run_id, key, level, block, n, ${ALL_POINT_COLS})
      SELECT @run, @key, 0, @block, c.n, f.step, f.epoch, f.wall_time, f.value, lo.step, lo.epoch, lo.wall_time, lo.value,
        hi.step, hi.epoch, hi.wall_time, hi.value, l.step, l.epoch, l.wall_time, l.value
      FROM (SELECT COUNT(*) AS n FROM metrics WHERE run_id = @run AND key = @key AND step BETWEEN @a AND @b) AS c,
        ${pointOf('step')} AS f, ${pointOf('value IS NOT NULL, value, step')} AS lo,
        ${pointOf('value IS NULL, value DESC, step')} AS hi, ${pointOf('step DESC')} AS l
      WHERE c.n > 0`),
    // @block (level 1) with its range of level-0 blocks @a..@b.
    block1: db.prepare(`INSERT OR REPLACE INTO metric_blocks (run_id, key, level, block, n, ${ALL_POINT_COLS})
      SELECT @run, @key, 1, @block, c.n, f.f_step, f.f_epoch, f.f_wall, f.f_value, lo.lo_step, lo.lo_epoch, lo.lo_wall, lo.lo_value,
        hi.hi_step, hi.hi_epoch, hi.hi_wall, hi.hi_value, l.l_step, l.l_epoch, l.l_wall, l.l_value
      FROM (SELECT SUM(n) AS n FROM metric_blocks WHERE run_id = @run AND key = @key AND level = 0 AND block BETWEEN @a AND @b) AS c,
        ${blockOf('block')} AS f, ${blockOf('lo_value IS NOT NULL, lo_value, lo_step')} AS lo,
        ${blockOf('hi_value IS NULL, hi_value DESC, hi_step')} AS hi, ${blockOf('block DESC')} AS l
      WHERE c.n > 0`),
    blocks: db.prepare(`SELECT n, ${ALL_POINT_COLS} FROM metric_blocks WHERE run_id = ? AND key = ? AND level = ? ORDER BY block`).raw(true),
    total: db.prepare('SELECT level, COUNT(*) AS blocks, SUM(n) AS n FROM metric_blocks WHERE run_id = ? AND key = ? GROUP BY level ORDER BY level'),
    lastBlock: db.prepare('SELECT l_step FROM metric_blocks WHERE run_id = @run AND key = @key AND level = 0 ORDER BY block DESC LIMIT 1'),
    block: db.prepare(`SELECT n, ${ALL_POINT_COLS} FROM metric_blocks WHERE run_id = @run AND key = @key AND level = 0 AND block = @block`).raw(true),
    putBlock0: db.prepare(
      `INSERT OR REPLACE INTO metric_blocks (run_id, key, level, block, n, ${ALL_POINT_COLS}) VALUES (?, ?, 0, ?, ?, ${Array.from({ length: 16 }, () => '?').join(', ')})`,
    ),
    raw: db.prepare('SELECT step, epoch, wall_time, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step').raw(true),
    // DISTINCT over the primary key as a skip-scan: one index probe per key instead of a scan of every point.
    keys: db
      .prepare(
        `WITH RECURSIVE k(key) AS (
        SELECT (SELECT MIN(key) FROM metrics WHERE run_id = @run)
        UNION ALL SELECT (SELECT MIN(key) FROM metrics WHERE run_id = @run AND key > k.key) FROM k WHERE k.key IS NOT NULL
      ) SELECT key FROM k WHERE key IS NOT NULL`,
      )
      .pluck(true),
  };
  cache.set(db, s);
  return s;
}

/**
 * Stores a batch (one transaction; a repeated (key, step) overwrites) and refreshes the blocks it
 * touched. Non-finite values are stored as NULL and read back as NaN.
 */
export function insertMetricBatch(db: Db, runId: string, points: readonly MetricWrite[]): void {
  if (!points.length) return;
  const st = statements(db);
  const args: unknown[] = new Array(ROWS_PER_STATEMENT * 6);
  const byKey = new Map<string, MetricWrite[]>();
  for (const p of points) {
    let list = byKey.get(p.key);
    if (!list) byKey.set(p.key, (list = []));
    list.push(p);
  }
  db.transaction(() => {
    // Where each key's stored series ends, before this batch lands.
    const ends = new Map<string, number | undefined>();
    for (const key of byKey.keys()) ends.set(key, (st.lastBlock.get({ run: runId, key }) as { l_step: number } | undefined)?.l_step);
    let i = 0;
    for (; i + ROWS_PER_STATEMENT <= points.length; i += ROWS_PER_STATEMENT) {
      for (let j = 0; j < ROWS_PER_STATEMENT; j++) {
        const p = points[i + j] as MetricWrite;
        const o = j * 6;
        args[o] = runId;
        args[o + 1] = p.key;
        args[o + 2] = p.step;
        args[o + 3] = p.epoch;
        args[o + 4] = p.wallTime;
        args[o + 5] = Number.isFinite(p.value) ? p.value : null;
      }
      st.insertMany.run(...args);
    }
    for (; i < points.length; i++) {
      const p = points[i] as MetricWrite;
      st.insertOne.run(runId, p.key, p.step, p.epoch, p.wallTime, Number.isFinite(p.value) ? p.value : null);
    }
    for (const [key, pts] of byKey) {
      const end = ends.get(key);
      const upper = appendsInOrder(pts, end) ? appendBlocks(st, runId, key, pts, end) : recomputeBlocks(st, runId, key, pts);
      for (const u of upper) st.block1.run({ run: runId, key, block: u, a: u * FANOUT, b: u * FANOUT + FANOUT - 1 });
    }
  }).immediate();
}

const block0Of = (step: number): number => Math.floor(step / BLOCK_STEPS[0]);

/** True when every step is new and after the stored ones, in increasing order: the usual case of a training run. */
function appendsInOrder(pts: readonly MetricWrite[], end: number | undefined): boolean {
  let prev = end ?? Number.NEGATIVE_INFINITY;
  for (const p of pts) {
    if (!(p.step > prev)) return false;
    prev = p.step;
  }
  return true;
}

/** Overwrites or out-of-order steps: each touched level-0 block is recomputed from its raw rows. Returns the level-1 blocks to refresh. */
function recomputeBlocks(st: Statements, runId: string, key: string, pts: readonly MetricWrite[]): Set<number> {
  const blocks = new Set<number>();
  for (const p of pts) blocks.add(block0Of(p.step));
  const upper = new Set<number>();
  for (const b of blocks) {
    st.block0.run({ run: runId, key, block: b, a: b * BLOCK_STEPS[0], b: b * BLOCK_STEPS[0] + BLOCK_STEPS[0] - 1 });
    upper.add(Math.floor(b / FANOUT));
  }
  return upper;
}

interface BlockStats {
  n: number;
  f: MetricPoint;
  lo: MetricPoint;
  hi: MetricPoint;
  l: MetricPoint;
}

/** Folds a later point into a block's stats with the SQL ordering: the first NaN wins the minimum, ties keep the earlier step. */
function fold(s: BlockStats, p: MetricPoint): void {
  s.n++;
  s.l = p;
  if (!Number.isNaN(s.lo.value) && (Number.isNaN(p.value) || p.value < s.lo.value)) s.lo = p;
  if (!Number.isNaN(p.value) && (Number.isNaN(s.hi.value) || p.value > s.hi.value)) s.hi = p;
}

/** Appended steps: level-0 stats computed here, merged into the stored last block when the batch continues it. */
function appendBlocks(st: Statements, runId: string, key: string, pts: readonly MetricWrite[], end: number | undefined): Set<number> {
  const upper = new Set<number>();
  let cur: { block: number; s: BlockStats } | null = null;
  const write = (): void => {
    if (!cur) return;
    const { f, lo, hi, l, n } = cur.s;
    st.putBlock0.run(runId, key, cur.block, n, ...[f, lo, hi, l].flatMap((p) => [p.step, p.epoch, p.wallTime, Number.isNaN(p.value) ? null : p.value]));
    upper.add(Math.floor(cur.block / FANOUT));
  };
  for (const w of pts) {
    const p: MetricPoint = { step: w.step, epoch: w.epoch, wallTime: w.wallTime, value: Number.isFinite(w.value) ? w.value : Number.NaN };
    const b = block0Of(p.step);
    if (cur && cur.block === b) {
      fold(cur.s, p);
      continue;
    }
    write();
    const stored = end !== undefined && block0Of(end) === b ? (st.block.get({ run: runId, key, block: b }) as BlockRow | undefined) : undefined;
    if (stored) {
      const s: BlockStats = {
        n: stored[0],
        f: toPoint(stored as RawRow, 1),
        lo: toPoint(stored as RawRow, 5),
        hi: toPoint(stored as RawRow, 9),
        l: toPoint(stored as RawRow, 13),
      };
      fold(s, p);
      cur = { block: b, s };
    } else {
      cur = { block: b, s: { n: 1, f: p, lo: p, hi: p, l: p } };
    }
  }
  write();
  return upper;
}

/** The metric keys of a run, sorted. */
export function metricKeyList(db: Db, runId: string): string[] {
  return statements(db).keys.all({ run: runId }) as string[];
}

export type RawRow = [number, number, number, number | null];
const toPoint = (r: RawRow, o = 0): MetricPoint => ({
  step: r[o] as number,
  epoch: r[o + 1] as number,
  wallTime: r[o + 2] as number,
  value: (r[o + 3] as number | null) ?? Number.NaN,
});

const pageStatements = new WeakMap<Db, Stmt>();

/**
 * The raw rows of a series by step, in pages of `pageRows` (a range of the primary key each,
 * after the last step of the page before): memory stays at one page however long the series.
 * Read-only, so it also serves a read-only connection (the export worker's).
 */
export function* metricPages(db: Db, runId: string, key: string, pageRows = 8192): Generator<RawRow[]> {
  let st = pageStatements.get(db);
  if (!st)
    pageStatements.set(
      db,
      (st = db.prepare('SELECT step, epoch, wall_time, value FROM metrics WHERE run_id = ? AND key = ? AND step > ? ORDER BY step LIMIT ?').raw(true)),
    );
  let after = Number.NEGATIVE_INFINITY;
  for (;;) {
    const rows = st.all(runId, key, after, pageRows) as RawRow[];
    if (rows.length) yield rows;
    if (rows.length < pageRows) return;
    after = (rows[rows.length - 1] as RawRow)[0];
  }
}

/**
 * `downsampleMinMax(points, maxPoints)` over rows that arrive in pages, for `total` rows (the
 * caller's count; `seen` says how many came, so a mismatch can be caught). Each bucket keeps its
 * first, minimum (the last NaN wins), maximum and last row, exactly as downsampleMinMax does.
 */
export function minMaxPages(pages: Iterable<readonly RawRow[]>, total: number, maxPoints: number): { seen: number; points: MetricPoint[] } {
  const buckets = Math.floor(maxPoints / 4);
  const size = total / buckets;
  const out: MetricPoint[] = [];
  let b = 0;
  let end = Math.min(total, Math.floor(size));
  let i = 0;
  let open = false;
  let fI = 0,
    loI = 0,
    hiI = 0,
    lI = 0;
  let fR: RawRow = [0, 0, 0, null],
    loR = fR,
    hiR = fR,
    lR = fR;
  let loV = 0,
    hiV = 0;
  const emit = (): void => {
    if (!open) return;
    const idx: [number, RawRow][] = [
      [fI, fR],
      [loI, loR],
      [hiI, hiR],
      [lI, lR],
    ];
    idx.sort((x, y) => x[0] - y[0]);
    let prev = -1;
    for (const [k, r] of idx) {
      if (k === prev) continue;
      prev = k;
      out.push(toPoint(r));
    }
    open = false;
  };
  for (const page of pages) {
    for (const r of page) {
      while (i >= end && b < buckets) {
        emit();
        b++;
        end = b < buckets ? Math.min(total, Math.floor((b + 1) * size)) : Number.POSITIVE_INFINITY;
      }
      // Past the last bucket (its end can round to total - 1): in no bucket, as in downsampleMinMax.
      if (b >= buckets) {
        i++;
        continue;
      }
      const v = r[3] ?? Number.NaN;
      if (!open) {
        open = true;
        fI = loI = hiI = i;
        fR = loR = hiR = r;
        loV = hiV = v;
      } else {
        if (v < loV || Number.isNaN(v)) {
          loI = i;
          loR = r;
          loV = v;
        }
        if (v > hiV) {
          hiI = i;
          hiR = r;
          hiV = v;
        }
      }
      lI = i;
      lR = r;
      i++;
    }
  }
  emit();
  return { seen: i, points: out };
}

/** All points of a series, by step. */
export function rawSeries(db: Db, runId: string, key: string): MetricPoint[] {
  return (statements(db).raw.all(runId, key) as RawRow[]).map((r) => toPoint(r));
}

/**
 * A series downsampled to at most `maxPoints` (min-max: first, min, max and last point of each of
 * maxPoints/4 buckets of consecutive points; or LTTB), with `total` the number of stored points.
 */
export function querySeries(db: Db, runId: string, key: string, maxPoints: number, method: DownsampleMethod = 'minmax'): MetricSeries {
  // One read snapshot: the blocks' count and the pages of raw rows agree while a run keeps writing.
  return db.inTransaction ? querySnapshot(db, runId, key, maxPoints, method) : db.transaction(() => querySnapshot(db, runId, key, maxPoints, method))();
}

/** Rows a `querySeries` reads: block rows, or raw points (every one, for a short series or fine buckets). */
export function rowsToRead(db: Db, runId: string, key: string, maxPoints: number, method: DownsampleMethod = 'minmax'): number {
  const levels = statements(db).total.all(runId, key) as { level: number; blocks: number; n: number }[];
  const total = levels[0]?.n ?? 0;
  if (total <= maxPoints || maxPoints < 4) return total;
  const need = method === 'lttb' ? maxPoints / 4 : Math.floor(maxPoints / 4);
  return [...levels].reverse().find((l) => l.blocks >= need)?.blocks ?? total;
}

function querySnapshot(db: Db, runId: string, key: string, maxPoints: number, method: DownsampleMethod): MetricSeries {
  const st = statements(db);
  const levels = st.total.all(runId, key) as { level: number; blocks: number; n: number }[];
  const total = levels[0]?.n ?? 0;
  const buckets = method === 'lttb' ? (maxPoints * LTTB_PRESELECT) / 4 : Math.floor(maxPoints / 4);
  if (total <= maxPoints || maxPoints < 4) {
    const points = total === 0 ? [] : rawSeries(db, runId, key);
    return { key, total: points.length, points: method === 'lttb' ? downsampleLttb(points, maxPoints) : downsampleMinMax(points, maxPoints) };
  }
  // The coarsest level with at least one block per bucket; else the raw rows.
  const need = method === 'lttb' ? maxPoints / 4 : buckets;
  const level = [...levels].reverse().find((l) => l.blocks >= need);
  if (!level) {
    // Min-max over pages of raw rows: the same points as downsampleMinMax over all of them.
    const m = method === 'lttb' ? maxPoints * LTTB_PRESELECT : maxPoints;
    const folded = total > m ? minMaxPages(metricPages(db, runId, key), total, m) : null;
    if (folded && folded.seen === total) return { key, total, points: method === 'lttb' ? downsampleLttb(folded.points, maxPoints) : folded.points };
    // Fewer points than the preselection, or the rows changed under the blocks' count: every point, as before.
    const points = rawSeries(db, runId, key);
    const pre = method === 'lttb' ? downsampleMinMax(points, m) : points;
    return { key, total: points.length, points: method === 'lttb' ? downsampleLttb(pre, maxPoints) : downsampleMinMax(points, maxPoints) };
  }
  const merged = mergeBlocks(st.blocks.all(runId, key, level.level) as BlockRow[], total, buckets);
  return { key, total, points: method === 'lttb' ? downsampleLttb(merged, maxPoints) : merged };
}

/** [n, f(step, epoch, wall, value), lo(...), hi(...), l(...)] */
type BlockRow = [number, ...(number | null)[]];

/** Groups consecutive blocks into `buckets` of about total/buckets points and keeps first, min, max and last of each. */
export function mergeBlocks(rows: readonly BlockRow[], total: number, buckets: number): MetricPoint[] {
  const size = total / buckets;
  const out: MetricPoint[] = [];
  let cum = 0;
  let cur = -1;
  let f: MetricPoint | null = null;
  let lo: MetricPoint | null = null;
  let hi: MetricPoint | null = null;
  let l: MetricPoint | null = null;
  const emit = (): void => {
    if (!f || !lo || !hi || !l) return;
    const pts = [f, lo, hi, l];
    const seen = new Set<number>();
    for (const p of pts.sort((a, b) => a.step - b.step)) {
      if (seen.has(p.step)) continue;
      seen.add(p.step);
      out.push(p);
    }
  };
  for (const r of rows) {
    const b = Math.min(buckets - 1, Math.floor(cum / size));
    cum += r[0];
    const bf = toPoint(r as RawRow, 1);
    const blo = toPoint(r as RawRow, 5);
    const bhi = toPoint(r as RawRow, 9);
    const bl = toPoint(r as RawRow, 13);
    if (b !== cur) {
      emit();
      cur = b;
      f = bf;
      lo = blo;
      hi = bhi;
      l = bl;
      continue;
    }
    l = bl;
    if (!Number.isNaN((lo as MetricPoint).value) && (Number.isNaN(blo.value) || blo.value < (lo as MetricPoint).value)) lo = blo;
    if (Number.isNaN((hi as MetricPoint).value) || bhi.value > (hi as MetricPoint).value) hi = bhi;
  }
  emit();
  return out;
}
