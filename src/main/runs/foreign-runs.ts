/**
 * Live events for runs another workbench process owns on the same data directory (a CLI
 * `mlbl train` beside `mlbl serve`). Events reach clients only from the process running the
 * engine, so this host polls SQLite and publishes what the others wrote: new runs, record
 * changes (`run.status`), and the metric points, log lines, samples and artefacts stored since
 * the last look. A run is first seen at its current state: no history is published (clients
 * fetch that through the API when they open a run). Runs this host owns are never touched; its
 * RunManager publishes them.
 *
 * Per tick, in one read snapshot: the foreign queued/running runs (runs_status index), the runs
 * created in the last minute (runs_created), and per tracked run a handful of indexed queries
 * (the record, its metric keys by skip-scan, one primary-key range per key, and the logs,
 * samples and artefacts after a cursor). Never a scan of a run's metric points.
 */
import type Database from 'better-sqlite3';
import path from 'node:path';
import type { ArtefactRecord, LogRecord, MetricPoint, RunRecord } from '../../shared/api';
import { isTerminal } from '../../shared/api';
import type { Db } from '../store/db';
import type { Store } from '../store/store';
import { planResume } from './resume';
import type { Publish } from './run-manager';

export interface ForeignRunsOptions {
  store: Store;
  /** This process (RunManager.hostId): its runs are left alone. */
  hostId: string;
  publish: Publish;
  /** Applied to a record before it is published as `run.status`. */
  decorate?: (r: RunRecord) => RunRecord;
  intervalMs?: number;
}

export interface ForeignRunsWatcher {
  /** One look at the database now (the timer does this every interval). Never throws. */
  tick(): void;
  close(): void;
}

/** A run created this long ago (by its creator's clock) is no longer looked for as new. */
const NEW_RUN_WINDOW_MS = 60_000;
/**
 * A run that ended is still read for this long: its owner writes the last log line ("run
 * completed") just after the final status, and the final status is published once.
 */
const TAIL_MS = 10_000;

type Point = MetricPoint & { key: string };
interface Row {
  step: number;
  epoch: number;
  wallTime: number;
  value: number | null;
}

/**
 * Where publishing stands for one run. Each look reads from the cursor row itself onwards: if
 * that row is gone or changed, the run was rewound (a resume, below) since the last look.
 */
interface Cursor {
  /** The record as last seen (JSON), to publish `run.status` when it changes. */
  record: string;
  /** Per metric key, the last point published (or stored when the run was first seen); row: null after a rewind, nothing to check. */
  metrics: Map<string, { step: number; row: Row | null }>;
  logId: number;
  sample: { step: number; id: number; check: boolean };
  artefact: { id: number; check: boolean };
  /** When the run was first seen ended (Date.now()), or null while it is queued or running. */
  endedSeenAt: number | null;
}

type Emit = () => void;
type Stmt = Database.Statement<unknown[]>;

interface Statements {
  owner: Stmt;
  active: Stmt;
  recent: Stmt;
  lastPoint: Stmt;
  pointsFrom: Stmt;
  maxLog: Stmt;
  logsAfter: Stmt;
  lastSample: Stmt;
  maxSampleAt: Stmt;
  samplesFrom: Stmt;
  maxArtefact: Stmt;
  artefactsFrom: Stmt;
}

/** The statements, exported for the EXPLAIN checks of the test. */
export function foreignRunStatements(db: Db): Statements {
  return {
    owner: db.prepare('SELECT host_id FROM runs WHERE id = ?'),
    active: db.prepare("SELECT id FROM runs WHERE status IN ('queued', 'running') AND host_id IS NOT NULL AND host_id <> ?"),
    recent: db.prepare('SELECT id, host_id, created_at FROM runs WHERE created_at >= ?'),
    lastPoint: db.prepare('SELECT step, epoch, wall_time AS wallTime, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step DESC LIMIT 1'),
    pointsFrom: db.prepare('SELECT step, epoch, wall_time AS wallTime, value FROM metrics WHERE run_id = ? AND key = ? AND step >= ? ORDER BY step'),
    maxLog: db.prepare('SELECT MAX(id) AS m FROM logs WHERE run_id = ?'),
    logsAfter: db.prepare('SELECT id, ts, level, message FROM logs WHERE run_id = ? AND id > ? ORDER BY id'),
    lastSample: db.prepare('SELECT step, id FROM samples WHERE run_id = ? ORDER BY step DESC, id DESC LIMIT 1'),
    maxSampleAt: db.prepare('SELECT MAX(id) AS m FROM samples WHERE run_id = ? AND step = ?'),
    // New samples come at the cursor's step or later; a range on the (run_id, step) index.
    samplesFrom: db.prepare(
      'SELECT id, step, epoch, kind, text, data_json FROM samples WHERE run_id = ? AND step >= ? AND (step > ? OR id >= ?) ORDER BY step, id',
    ),
    maxArtefact: db.prepare('SELECT MAX(id) AS m FROM artefacts WHERE run_id = ?'),
    artefactsFrom: db.prepare('SELECT id, kind, step, epoch, meta_json, created_at FROM artefacts WHERE run_id = ? AND id >= ? ORDER BY id'),
  };
}

const clone = (c: Cursor): Cursor => ({ ...c, metrics: new Map(c.metrics) });
const sameRow = (a: Row, b: Row): boolean => a.step === b.step && a.epoch === b.epoch && a.wallTime === b.wallTime && a.value === b.value;

export function watchForeignRuns(o: ForeignRunsOptions): ForeignRunsWatcher {
  const { store, hostId } = o;
  const db = store.db;
  const decorate = o.decorate ?? ((r: RunRecord) => r);
  let st: Statements | null = null;
  let tracked = new Map<string, Cursor>();
  /** Runs created recently that were already looked at (id -> created_at), so a new one shows once. */
  let seen = new Map<string, number>();
  let closed = false;

  const publish: Publish = (event, payload) => {
    try {
      o.publish(event, payload);
    } catch {
      // A subscriber's failure is the host's to report; the watcher goes on.
    }
  };

  const num = (row: unknown): number | null => {
    const m = (row as { m: number | null } | undefined)?.m;
    return typeof m === 'number' ? m : null;
  };

  /** Where a run's records stand now: what a first look publishes nothing of. */
  function baseline(s: Statements, run: RunRecord): Cursor {
    const metrics: Cursor['metrics'] = new Map();
    for (const key of store.metricKeys(run.id)) {
      const row = s.lastPoint.get(run.id, key) as Row | undefined;
      if (row) metrics.set(key, { step: row.step, row });
    }
    const sample = s.lastSample.get(run.id) as { step: number; id: number } | undefined;
    const artefact = num(s.maxArtefact.get(run.id));
    return {
      record: JSON.stringify(run),
      metrics,
      logId: num(s.maxLog.get(run.id)) ?? 0,
      sample: sample ? { ...sample, check: true } : { step: Number.MIN_SAFE_INTEGER, id: 0, check: false },
      artefact: artefact === null ? { id: 0, check: false } : { id: artefact, check: true },
      endedSeenAt: null,
    };
  }

  /**
   * A resume rewinds a run before its engine starts again (resume.ts): the points at steps from
   * its checkpoint's on, the samples after it and the artefacts recorded after it are deleted,
   * and the engine records those steps again (new artefact and sample rows may even reuse the
   * deleted ids). The cursors move back to that checkpoint, found the way the resume found it.
   */
  function rewind(s: Statements, runId: string, c: Cursor): void {
    let plan: { checkpoint: string | null; steps: number; artefactId: number | null };
    try {
      plan = planResume(store, runId, path.join(store.dataDir, 'runs', runId));
    } catch {
      plan = { checkpoint: null, steps: 0, artefactId: null };
    }
    const S = plan.steps;
    for (const [key, m] of c.metrics) if (m.step >= S) c.metrics.set(key, { step: S - 1, row: null });
    if (!plan.checkpoint) c.sample = { step: Number.MIN_SAFE_INTEGER, id: 0, check: false };
    else if (c.sample.step > S) c.sample = { step: S, id: num(s.maxSampleAt.get(runId, S)) ?? 0, check: false };
    const keptArtefact = plan.artefactId ?? 0;
    if (c.artefact.id > keptArtefact) c.artefact = { id: keptArtefact, check: false };
  }

  /**
   * What a tracked run stored since its cursor (which moves on), as events in the order to publish
   * them; null if a cursor row is gone or changed (the run was rewound).
   */
  function since(s: Statements, runId: string, c: Cursor): Emit[] | null {
    const out: Emit[] = [];
    const points: Point[] = [];
    const keys = store.metricKeys(runId);
    // A key whose points are all gone: rewound.
    for (const [key, m] of c.metrics) if (m.row && !keys.includes(key)) return null;
    for (const key of keys) {
      const m = c.metrics.get(key);
      let rows = s.pointsFrom.all(runId, key, m ? m.step : Number.MIN_SAFE_INTEGER) as Row[];
      if (m?.row && !(rows[0] && sameRow(rows[0], m.row))) return null;
      if (m) rows = rows.filter((r) => r.step > m.step);
      if (!rows.length) continue;
      for (const r of rows) points.push({ key, step: r.step, epoch: r.epoch, wallTime: r.wallTime, value: r.value ?? Number.NaN });
      const last = rows[rows.length - 1] as Row;
      c.metrics.set(key, { step: last.step, row: last });
    }
    if (points.length) out.push(() => publish('run.metrics', { runId, points }));

    const cs = c.sample;
    let samples = s.samplesFrom.all(runId, cs.step, cs.step, cs.id) as {
      id: number;
      step: number;
      epoch: number;
      kind: string;
      text: string;
      data_json: string;
    }[];
    if (cs.check && samples[0]?.id !== cs.id) return null;
    samples = samples.filter((r) => r.step > cs.step || r.id > cs.id);
    for (const r of samples) {
      out.push(() => publish('run.sample', { runId, step: r.step, epoch: r.epoch, kind: r.kind, text: r.text, data: JSON.parse(r.data_json) as unknown }));
      c.sample = { step: r.step, id: r.id, check: true };
    }

    const ca = c.artefact;
    let artefacts = s.artefactsFrom.all(runId, ca.id) as { id: number; kind: string; step: number; epoch: number; meta_json: string; created_at: number }[];
    if (ca.check && artefacts[0]?.id !== ca.id) return null;
    artefacts = artefacts.filter((r) => r.id > ca.id);
    for (const r of artefacts) {
      const rec: ArtefactRecord = {
        id: r.id,
        runId,
        kind: r.kind,
        step: r.step,
        epoch: r.epoch,
        meta: JSON.parse(r.meta_json) as Record<string, unknown>,
        createdAt: r.created_at,
      };
      out.push(() => publish('run.artefact', rec));
      c.artefact = { id: r.id, check: true };
    }

    const logs = s.logsAfter.all(runId, c.logId) as { id: number; ts: number; level: LogRecord['level']; message: string }[];
    for (const r of logs) {
      const rec: LogRecord = { runId, ts: r.ts, level: r.level, message: r.message };
      out.push(() => publish('run.log', rec));
      c.logId = r.id;
    }
    return out;
  }

  /**
   * One look, inside a read transaction (one consistent snapshot). Returns the events to publish
   * and the new state; nothing changes if it throws.
   */
  function look(s: Statements, announce: boolean): { emits: Emit[]; next: Map<string, Cursor>; nextSeen: Map<string, number> } {
    const now = Date.now();
    const emits: Emit[] = [];
    const next = new Map<string, Cursor>();
    const nextSeen = new Map<string, number>();
    const since0 = now - NEW_RUN_WINDOW_MS;
    for (const [id, at] of seen) if (at >= since0) nextSeen.set(id, at);

    // Candidates: the tracked runs, the foreign queued/running ones, and the recent ones not yet seen.
    const candidates = new Set<string>(tracked.keys());
    for (const r of s.active.all(hostId) as { id: string }[]) candidates.add(r.id);
    for (const r of s.recent.all(since0) as { id: string; host_id: string | null; created_at: number }[]) {
      if (nextSeen.has(r.id)) continue;
      nextSeen.set(r.id, r.created_at);
      if (r.host_id !== hostId) candidates.add(r.id);
    }

    for (const id of candidates) {
      const prev = tracked.get(id);
      const owner = s.owner.get(id) as { host_id: string | null } | undefined;
      if (!owner) {
        if (prev) emits.push(() => publish('run.deleted', { id }));
        continue;
      }
      // This host's own run now (resumed here): its RunManager speaks for it.
      if (owner.host_id === hostId) continue;
      const run = store.getRun(id);
      if (!run) continue;
      const fresh = !isTerminal(run.status);

      if (!prev) {
        const c = baseline(s, run);
        if (announce) emits.push(() => publish('run.status', decorate(run)));
        if (fresh) next.set(id, c);
        continue;
      }

      let c = clone(prev);
      let data = since(s, id, c);
      if (!data) {
        // Rewound since the last look: from the resumed checkpoint on.
        c = clone(prev);
        rewind(s, id, c);
        data = since(s, id, c);
      }
      if (!data) {
        // A cursor row changed in place, not by a rewind (engines do not rewrite a step otherwise): what follows it is new.
        c = clone(prev);
        for (const [key, m] of c.metrics) c.metrics.set(key, { step: m.step, row: null });
        c.sample = { ...c.sample, check: false };
        c.artefact = { ...c.artefact, check: false };
        data = since(s, id, c) ?? [];
      }
      const record = JSON.stringify(run);
      const status = record !== c.record ? [() => publish('run.status', decorate(run))] : [];
      // An active run's new status goes ahead of its data; a final status after the data that led to it.
      emits.push(...(fresh ? [...status, ...data] : [...data, ...status]));
      c.record = record;
      c.endedSeenAt = fresh ? null : (c.endedSeenAt ?? now);
      if (c.endedSeenAt === null || now - c.endedSeenAt < TAIL_MS) next.set(id, c);
    }
    return { emits, next, nextSeen };
  }

  function lookAndPublish(announce: boolean): void {
    if (closed || !db.open || db.inTransaction) return;
    let result: ReturnType<typeof look>;
    try {
      st ??= foreignRunStatements(db);
      const s = st;
      // A busy database skips the tick at once instead of holding the event loop for the busy timeout.
      const busy = db.pragma('busy_timeout', { simple: true }) as number;
      db.pragma('busy_timeout = 0');
      try {
        result = db.transaction(() => look(s, announce))();
      } finally {
        db.pragma(`busy_timeout = ${busy}`);
      }
    } catch {
      return;
    }
    tracked = result.next;
    seen = result.nextSeen;
    for (const e of result.emits) e();
  }

  // Where things stand at start-up: tracked, nothing published.
  lookAndPublish(false);
  const timer = setInterval(() => lookAndPublish(true), o.intervalMs ?? 1000);
  timer.unref();

  return {
    tick: () => lookAndPublish(true),
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
