/**
 * Sweeps as a domain: a sweep row holds its spec (base spec, grid, draws, seed, metric), and its
 * runs are ordinary runs with `sweep_id` set, created through the run queue like any other (so a
 * local sweep runs at the queue's concurrency and a queued one goes to the workers). The best
 * run is computed on read from the runs' summaries, so it follows resumes and deletions.
 */
import { randomBytes } from 'node:crypto';
import type { RunRecord, SweepDetail, SweepRecord } from '../../shared/api';
import { ApiError } from '../../shared/api';
import { bestRun, defaultSweepMetric, expandSweep, type SweepSpec } from '../../shared/sweep-spec';
import type { RunManager } from '../runs/run-manager';
import type { Store } from '../store/store';

interface SweepRow {
  id: string;
  name: string;
  preset: string;
  spec_json: string;
  created_at: number;
}

export class SweepService {
  constructor(private readonly deps: { store: Store; runs: Pick<RunManager, 'create' | 'list' | 'get'> }) {}

  /** Expands the sweep (every run validated before any is created), records it and queues its runs. */
  create(spec: SweepSpec): SweepDetail {
    let points;
    try {
      points = expandSweep(spec);
    } catch (e) {
      throw new ApiError('bad_request', (e as Error).message);
    }
    const { db } = this.deps.store;
    const id = `sw-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const name = spec.name?.trim() || `${spec.preset} sweep ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
    // One transaction: a sweep is recorded with all its runs or not at all.
    db.transaction(() => {
      db.prepare('INSERT INTO sweeps (id, name, preset, spec_json, created_at) VALUES (?, ?, ?, ?, ?)').run(
        id,
        name,
        spec.preset,
        JSON.stringify(spec),
        Date.now(),
      );
      for (const p of points) this.deps.runs.create(p.spec, { sweepId: id });
    }).immediate();
    return this.mustGet(id);
  }

  list(): SweepRecord[] {
    const rows = this.deps.store.db.prepare('SELECT * FROM sweeps ORDER BY created_at DESC, id DESC').all() as SweepRow[];
    return rows.map((r) => this.record(r, this.runsOf(r.id)));
  }

  get(id: string): SweepDetail | null {
    const row = this.deps.store.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
    if (!row) return null;
    const runs = this.runsOf(id);
    return { ...this.record(row, runs), runs };
  }

  mustGet(id: string): SweepDetail {
    const s = this.get(id);
    if (!s) throw new ApiError('not_found', `no sweep with id ${id}`);
    return s;
  }

  private runsOf(id: string): RunRecord[] {
    const ids = this.deps.store.db.prepare('SELECT id FROM runs WHERE sweep_id = ? ORDER BY created_at, rowid').all(id) as { id: string }[];
    return ids.map((r) => this.deps.runs.get(r.id)).filter((r): r is RunRecord => r !== null);
  }

  private record(row: SweepRow, runs: RunRecord[]): SweepRecord {
    const spec = JSON.parse(row.spec_json) as SweepSpec;
    const d = defaultSweepMetric(spec.preset);
    const metric = spec.metric ?? d.metric;
    const goal = spec.goal ?? d.goal;
    const counts: Record<string, number> = {};
    for (const r of runs) counts[r.status] = (counts[r.status] ?? 0) + 1;
    const best = bestRun(runs, metric, goal);
    const swept = [...Object.keys(spec.grid), ...Object.keys(spec.ranges)];
    return {
      id: row.id,
      name: row.name,
      preset: row.preset,
      spec,
      createdAt: row.created_at,
      runIds: runs.map((r) => r.id),
      counts,
      swept,
      metric,
      goal,
      best: best ? { id: best.id, value: best.summary[metric] as number } : null,
    };
  }
}
