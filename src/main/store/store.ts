import path from 'node:path';
import type { ArtefactRecord, DatasetRecord, LogRecord, MetricPoint, MetricSeries, RunRecord, RunStatus, SampleRecord } from '../../shared/api';
import type { RunSpec } from '../../shared/run-spec';
import { activeTimeAfter } from './active-time';
import { fromStored, toStored } from './data-paths';
import { openDatabase, openReadOnlyDatabase, type Db } from './db';
import { getHost, liveHostIds, registerHost, removeHost, touchHost, type HostRow, type PidAlive } from './hosts';
import { insertMetricBatch, metricKeyList, querySeries } from './metric-blocks';
import type { DownsampleMethod } from '../../shared/downsample';

interface RunRow {
  id: string;
  name: string;
  preset: string;
  spec_json: string;
  status: RunStatus;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  backend: string | null;
  seed: number | null;
  error: string | null;
  exit_code: number | null;
  tags_json: string;
  notes: string;
  summary_json: string;
  active_ms: number;
  running_since: number | null;
  sweep_id?: string | null;
  worker?: string | null;
}

export type MetricWrite = MetricPoint & { key: string };

/** Everything the Node side persists. Only src/main uses this; the engine never writes SQLite. */
export class Store {
  readonly db: Db;
  readonly file: string;

  /** `readonly`: a connection that cannot write (read-only commands; see openReadOnlyDatabase). */
  constructor(
    readonly dataDir: string,
    o: { readonly?: boolean } = {},
  ) {
    this.file = path.join(dataDir, 'workbench.db');
    this.db = o.readonly ? openReadOnlyDatabase(this.file) : openDatabase(this.file);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  createRun(r: { id: string; name: string; spec: RunSpec; createdAt: number }): RunRecord {
    this.db
      .prepare(
        `INSERT INTO runs (id, name, preset, spec_json, status, created_at, seed, tags_json)
      VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`,
      )
      .run(r.id, r.name, r.spec.preset, JSON.stringify(r.spec), r.createdAt, r.spec.params.seed, JSON.stringify(r.spec.tags));
    return this.getRun(r.id) as RunRecord;
  }

  getRun(id: string): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  listRuns(opts: { status?: RunStatus; limit?: number } = {}): RunRecord[] {
    const rows = (
      opts.status
        ? this.db.prepare('SELECT * FROM runs WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(opts.status, opts.limit ?? 500)
        : this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?').all(opts.limit ?? 500)
    ) as RunRow[];
    return rows.map(toRun);
  }

  /** `now` times a status change for the run's active time (defaults to the patch's endedAt or startedAt, else the clock). */
  updateRun(
    id: string,
    patch: Partial<{
      status: RunStatus;
      startedAt: number;
      endedAt: number | null;
      backend: string;
      seed: number;
      error: string | null;
      exitCode: number | null;
      summary: Record<string, number>;
    }>,
    now?: number,
  ): RunRecord {
    const cols: string[] = [];
    const vals: unknown[] = [];
    if (patch.status) {
      const cur = this.db.prepare('SELECT status, active_ms, running_since FROM runs WHERE id = ?').get(id) as
        Pick<RunRow, 'status' | 'active_ms' | 'running_since'> | undefined;
      const t = cur && activeTimeAfter(cur, patch.status, now ?? patch.endedAt ?? patch.startedAt ?? Date.now());
      if (t) {
        cols.push('active_ms = ?', 'running_since = ?');
        vals.push(t.active_ms, t.running_since);
      }
    }
    const map: Record<string, string> = {
      status: 'status',
      startedAt: 'started_at',
      endedAt: 'ended_at',
      backend: 'backend',
      seed: 'seed',
      error: 'error',
      exitCode: 'exit_code',
    };
    for (const [k, col] of Object.entries(map)) {
      if (k in patch) {
        cols.push(`${col} = ?`);
        vals.push((patch as Record<string, unknown>)[k]);
      }
    }
    if (patch.summary) {
      cols.push('summary_json = ?');
      vals.push(JSON.stringify(patch.summary));
    }
    if (cols.length) this.db.prepare(`UPDATE runs SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
    return this.getRun(id) as RunRecord;
  }

  /** The user-editable labels of a run (runs.update); absent fields are left as they are. */
  updateRunMeta(id: string, patch: { name?: string; tags?: string[]; notes?: string }): void {
    const cols: string[] = [];
    const vals: unknown[] = [];
    if (patch.name !== undefined) {
      cols.push('name = ?');
      vals.push(patch.name);
    }
    if (patch.tags !== undefined) {
      cols.push('tags_json = ?');
      vals.push(JSON.stringify(patch.tags));
    }
    if (patch.notes !== undefined) {
      cols.push('notes = ?');
      vals.push(patch.notes);
    }
    if (cols.length) this.db.prepare(`UPDATE runs SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
  }

  deleteRun(id: string): boolean {
    return this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
  }

  /**
   * Start-up of a workbench process (`hostId`): registers it, and in one write transaction turns
   * the runs that gone processes left `running` into `interrupted` and takes over the runs they
   * left `queued` (oldest first). Runs of live processes sharing the data directory are left alone.
   */
  startHost(h: { id: string; pid: number; machine: string; now: number; pidAlive?: PidAlive }): { interrupted: string[]; queued: string[] } {
    return this.db
      .transaction(() => {
        registerHost(this.db, h);
        // Last heartbeats of every process, read before the stale ones are dropped: an interrupted run trained until then.
        const seenAt = new Map((this.db.prepare('SELECT id, seen_at FROM hosts').all() as { id: string; seen_at: number }[]).map((x) => [x.id, x.seen_at]));
        const live = liveHostIds(this.db, h.id, h.now, h.machine, h.pidAlive);
        const orphan = (r: { host_id: string | null }): boolean => r.host_id === null || !live.has(r.host_id);
        const orphans = (
          this.db.prepare("SELECT id, host_id, running_since FROM runs WHERE status = 'running'").all() as {
            id: string;
            host_id: string | null;
            running_since: number | null;
          }[]
        ).filter(orphan);
        const running = orphans.map((r) => r.id);
        const mark = this.db.prepare(
          "UPDATE runs SET status = 'interrupted', ended_at = ?, host_id = NULL, error = COALESCE(error, 'the workbench stopped while this run was in progress'), active_ms = active_ms + ?, running_since = NULL WHERE id = ?",
        );
        for (const r of orphans) {
          const until = (r.host_id !== null ? seenAt.get(r.host_id) : undefined) ?? r.running_since ?? 0;
          mark.run(h.now, r.running_since === null ? 0 : Math.max(0, until - r.running_since), r.id);
        }
        const queued = (
          this.db.prepare("SELECT id, host_id FROM runs WHERE status = 'queued' ORDER BY created_at, id").all() as { id: string; host_id: string | null }[]
        )
          .filter(orphan)
          .map((r) => r.id);
        const claim = this.db.prepare('UPDATE runs SET host_id = ? WHERE id = ?');
        for (const id of queued) claim.run(h.id, id);
        return { interrupted: running, queued };
      })
      .immediate();
  }

  touchHost(id: string, now: number): void {
    touchHost(this.db, id, now);
  }

  removeHost(id: string): void {
    removeHost(this.db, id);
  }

  /** The workbench process that owns a run (queued or running there), or null. */
  runHost(runId: string): HostRow | null {
    const row = this.db.prepare('SELECT host_id FROM runs WHERE id = ?').get(runId) as { host_id: string | null } | undefined;
    return row?.host_id ? getHost(this.db, row.host_id) : null;
  }

  /** A remote run's BullMQ job (queue/remote-launcher.ts); the cursor is cleared with it. */
  setRunQueueJob(runId: string, jobId: string | null): void {
    this.db.prepare('UPDATE runs SET queue_job = ?, queue_cursor = NULL WHERE id = ?').run(jobId, runId);
  }

  /** How far a remote run's event stream is stored, kept when the coordinator closes while a worker trains it. */
  setRunQueueCursor(runId: string, cursor: string | null): void {
    this.db.prepare('UPDATE runs SET queue_cursor = ? WHERE id = ?').run(cursor, runId);
  }

  /** Remote runs this coordinator left to their workers when it closed: to catch up on. */
  detachedRemoteRuns(): { id: string; job: string; cursor: string }[] {
    return this.db
      .prepare(
        "SELECT id, queue_job AS job, queue_cursor AS cursor FROM runs WHERE status = 'interrupted' AND queue_job IS NOT NULL AND queue_cursor IS NOT NULL",
      )
      .all() as { id: string; job: string; cursor: string }[];
  }

  setRunSweep(runId: string, sweepId: string): void {
    this.db.prepare('UPDATE runs SET sweep_id = ? WHERE id = ?').run(sweepId, runId);
  }

  /** The queue worker (its --name) that trains or trained a remote run (queue/). */
  setRunWorker(runId: string, worker: string): void {
    this.db.prepare('UPDATE runs SET worker = ? WHERE id = ?').run(worker, runId);
  }

  setRunHost(runId: string, hostId: string | null): void {
    this.db.prepare('UPDATE runs SET host_id = ? WHERE id = ?').run(hostId, runId);
  }

  /** One transaction per batch; a repeated (key, step) overwrites, so a metric is stored exactly once. Multi-row inserts and block summaries: metric-blocks.ts. */
  insertMetrics(runId: string, points: readonly MetricWrite[]): void {
    insertMetricBatch(this.db, runId, points);
  }

  metricKeys(runId: string): string[] {
    return metricKeyList(this.db, runId);
  }

  /** A series downsampled to at most maxPoints from the block summaries, without reading every point (metric-blocks.ts). */
  metricSeries(runId: string, key: string, maxPoints: number, method: DownsampleMethod = 'minmax'): MetricSeries {
    return querySeries(this.db, runId, key, maxPoints, method);
  }

  metricPoints(runId: string, key: string): MetricPoint[] {
    return (
      this.db.prepare('SELECT step, epoch, wall_time AS wallTime, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step').all(runId, key) as {
        step: number;
        epoch: number;
        wallTime: number;
        value: number | null;
      }[]
    ).map((r) => ({ ...r, value: r.value ?? Number.NaN }));
  }

  countMetrics(runId: string, key?: string): number {
    const row = (
      key
        ? this.db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ? AND key = ?').get(runId, key)
        : this.db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ?').get(runId)
    ) as { n: number };
    return row.n;
  }

  insertLog(l: LogRecord): void {
    this.db.prepare('INSERT INTO logs (run_id, ts, level, message) VALUES (?, ?, ?, ?)').run(l.runId, l.ts, l.level, l.message);
  }

  logs(runId: string, limit: number): LogRecord[] {
    const rows = this.db
      .prepare('SELECT run_id AS runId, ts, level, message FROM (SELECT * FROM logs WHERE run_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id')
      .all(runId, limit);
    return rows as LogRecord[];
  }

  insertArtefact(a: {
    runId: string;
    kind: string;
    path: string;
    step: number;
    epoch: number;
    meta: Record<string, unknown>;
    createdAt: number;
  }): ArtefactRecord {
    const info = this.db
      .prepare('INSERT INTO artefacts (run_id, kind, path, step, epoch, meta_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.runId, a.kind, toStored(this.dataDir, a.path), a.step, a.epoch, JSON.stringify(a.meta), a.createdAt);
    return { id: Number(info.lastInsertRowid), runId: a.runId, kind: a.kind, step: a.step, epoch: a.epoch, meta: a.meta, createdAt: a.createdAt };
  }

  artefacts(runId: string, kind?: string): ArtefactRecord[] {
    const rows = (
      kind
        ? this.db.prepare('SELECT * FROM artefacts WHERE run_id = ? AND kind = ? ORDER BY id').all(runId, kind)
        : this.db.prepare('SELECT * FROM artefacts WHERE run_id = ? ORDER BY id').all(runId)
    ) as ArtefactRow[];
    return rows.map(toArtefact);
  }

  /**
   * The artefact's file where the data directory is now (stored relative to it, so a moved data
   * directory still finds it). The path is never sent to clients; only main resolves it.
   */
  artefactPath(runId: string, id: number): { path: string; kind: string } | null {
    const row = this.db.prepare('SELECT path, kind FROM artefacts WHERE run_id = ? AND id = ?').get(runId, id) as { path: string; kind: string } | undefined;
    return row ? { path: fromStored(this.dataDir, row.path), kind: row.kind } : null;
  }

  insertSample(s: Omit<SampleRecord, 'id'>): void {
    this.db
      .prepare('INSERT INTO samples (run_id, step, epoch, kind, text, data_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(s.runId, s.step, s.epoch, s.kind, s.text, JSON.stringify(s.data ?? null), s.createdAt);
  }

  /** The run's latest `limit` samples, oldest first. */
  samples(runId: string, limit: number): SampleRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM (SELECT * FROM samples WHERE run_id = ? ORDER BY step DESC, id DESC LIMIT ?) ORDER BY step, id')
      .all(runId, limit) as { id: number; run_id: string; step: number; epoch: number; kind: string; text: string; data_json: string; created_at: number }[];
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      step: r.step,
      epoch: r.epoch,
      kind: r.kind,
      text: r.text,
      data: JSON.parse(r.data_json) as unknown,
      createdAt: r.created_at,
    }));
  }

  listDatasets(): DatasetRecord[] {
    const rows = this.db.prepare('SELECT * FROM datasets ORDER BY created_at DESC').all() as DatasetRow[];
    return rows.map(toDataset);
  }

  getDataset(id: string): DatasetRecord | null {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
    return row ? toDataset(row) : null;
  }

  upsertDataset(d: DatasetRecord): void {
    this.db
      .prepare(
        `INSERT INTO datasets (id, name, kind, source, created_at, stats_json) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, source = excluded.source, stats_json = excluded.stats_json`,
      )
      .run(d.id, d.name, d.kind, d.source, d.createdAt, JSON.stringify(d.stats));
  }
}

interface ArtefactRow {
  id: number;
  run_id: string;
  kind: string;
  path: string;
  step: number;
  epoch: number;
  meta_json: string;
  created_at: number;
}
interface DatasetRow {
  id: string;
  name: string;
  kind: string;
  source: string;
  created_at: number;
  stats_json: string;
}

function toArtefact(r: ArtefactRow): ArtefactRecord {
  return {
    id: r.id,
    runId: r.run_id,
    kind: r.kind,
    step: r.step,
    epoch: r.epoch,
    meta: JSON.parse(r.meta_json) as Record<string, unknown>,
    createdAt: r.created_at,
  };
}

function toDataset(r: DatasetRow): DatasetRecord {
  return { id: r.id, name: r.name, kind: r.kind, source: r.source, createdAt: r.created_at, stats: JSON.parse(r.stats_json) as Record<string, unknown> };
}

function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    name: r.name,
    preset: r.preset,
    spec: JSON.parse(r.spec_json) as RunSpec,
    status: r.status,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    backend: r.backend,
    seed: r.seed,
    error: r.error,
    exitCode: r.exit_code,
    tags: JSON.parse(r.tags_json) as string[],
    notes: r.notes,
    summary: JSON.parse(r.summary_json) as Record<string, number>,
    queuePosition: null,
    activeMs: r.active_ms,
    runningSince: r.running_since,
    sweepId: r.sweep_id ?? null,
    worker: r.worker ?? null,
  };
}
