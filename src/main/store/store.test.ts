import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from './db';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { HOST_STALE_MS } from './hosts';
import { Store } from './store';
import { RunSpec } from '../../shared/run-spec';

const dirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const spec = RunSpec.parse({ preset: 'lenet5-mnist', params: { epochs: 1 } });

describe('migrations', () => {
  it('creates the newest schema on a fresh file, in WAL mode', () => {
    const store = new Store(tmpDir());
    expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['runs', 'metrics', 'samples', 'artefacts', 'logs', 'datasets']));
    store.close();
  });

  it('upgrades a database made by schema version 1 in place, keeping its rows', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'workbench.db');
    const old = openDatabase(file, 1);
    expect(schemaVersion(old)).toBe(1);
    old
      .prepare("INSERT INTO runs (id, name, preset, spec_json, status, created_at) VALUES ('r1', 'old run', 'lenet5-mnist', ?, 'completed', 1)")
      .run(JSON.stringify(spec));
    old.prepare("INSERT INTO metrics VALUES ('r1', 'loss', 0, 0, 0.5, 2.3), ('r1', 'loss', 1, 0, 0.6, 2.1)").run();
    expect(() => old.prepare('SELECT tags_json FROM runs').all()).toThrow();
    old.close();

    const store = new Store(dir);
    expect(schemaVersion(store.db)).toBe(MIGRATIONS.length);
    const run = store.getRun('r1');
    expect(run?.name).toBe('old run');
    expect(run?.tags).toEqual([]);
    expect(run?.summary).toEqual({});
    expect(store.metricPoints('r1', 'loss').map((p) => p.value)).toEqual([2.3, 2.1]);
    store.insertLog({ runId: 'r1', ts: 2, level: 'info', message: 'after upgrade' });
    expect(store.logs('r1', 10)[0]?.message).toBe('after upgrade');
    store.close();
  });

  it('refuses a database from a newer build without touching it', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'workbench.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => new Store(dir)).toThrow(/newer than this build/);
    const again = new Database(file);
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5);
    again.close();
  });
});

describe('Store', () => {
  it('stores runs, batched metrics exactly once, and marks dead runs interrupted', () => {
    const store = new Store(tmpDir());
    store.createRun({ id: 'a', name: 'A', spec, createdAt: 10 });
    store.createRun({ id: 'b', name: 'B', spec, createdAt: 20 });
    store.updateRun('a', { status: 'running', startedAt: 11 });
    store.insertMetrics('a', [
      { key: 'loss', step: 0, epoch: 0, wallTime: 1, value: 2 },
      { key: 'loss', step: 1, epoch: 0, wallTime: 2, value: 1 },
    ]);
    store.insertMetrics('a', [
      { key: 'loss', step: 1, epoch: 0, wallTime: 2, value: 1 },
      { key: 'loss', step: 2, epoch: 0, wallTime: 3, value: Number.NaN },
    ]);
    expect(store.countMetrics('a', 'loss')).toBe(3);
    expect(Number.isNaN(store.metricPoints('a', 'loss')[2]?.value)).toBe(true);
    expect(store.listRuns().map((r) => r.id)).toEqual(['b', 'a']);
    expect(store.startHost({ id: 'h1', pid: 1, machine: 'm', now: 99 })).toEqual({ interrupted: ['a'], queued: ['b'] });
    expect(store.getRun('a')?.status).toBe('interrupted');
    expect(store.runHost('b')?.id).toBe('h1');
    expect(store.deleteRun('a')).toBe(true);
    expect(store.countMetrics('a')).toBe(0);
    store.close();
  });

  it('leaves the runs of a live workbench process alone, and takes over those of a gone one', () => {
    const store = new Store(tmpDir());
    const alive = new Set([100]);
    const pidAlive = (pid: number): boolean => alive.has(pid);
    store.startHost({ id: 'serve', pid: 100, machine: 'm', now: 1_000, pidAlive });
    for (const [id, at] of [
      ['run', 10],
      ['wait', 20],
      ['mine', 30],
    ] as const) {
      store.createRun({ id, name: id, spec, createdAt: at });
      store.setRunHost(id, 'serve');
    }
    store.updateRun('run', { status: 'running', startedAt: 11 });
    store.createRun({ id: 'legacy', name: 'legacy', spec, createdAt: 5 });
    store.updateRun('legacy', { status: 'running', startedAt: 6 });
    // A second process (a CLI command) while serve lives: only the owner-less run is interrupted.
    expect(store.startHost({ id: 'cli', pid: 200, machine: 'm', now: 2_000, pidAlive })).toEqual({ interrupted: ['legacy'], queued: [] });
    expect(store.getRun('run')?.status).toBe('running');
    expect(store.runHost('wait')?.pid).toBe(100);
    // On another machine sharing the folder the pid means nothing: serve's fresh heartbeat keeps it alive.
    expect(store.startHost({ id: 'far', pid: 300, machine: 'other', now: 2_000, pidAlive: () => false })).toEqual({ interrupted: [], queued: [] });
    // serve's process is gone: the next process interrupts its running run and adopts its queue, oldest first.
    alive.delete(100);
    expect(store.startHost({ id: 'next', pid: 400, machine: 'm', now: 3_000, pidAlive })).toEqual({ interrupted: ['run'], queued: ['wait', 'mine'] });
    expect(store.runHost('wait')?.id).toBe('next');
    expect(store.runHost('run')).toBeNull();
    // A pid that exists but has not refreshed its row for HOST_STALE_MS (a reused pid after a reboot) is gone too.
    store.updateRun('wait', { status: 'running' });
    alive.add(400);
    expect(store.startHost({ id: 'later', pid: 500, machine: 'm', now: 3_000 + HOST_STALE_MS + 1, pidAlive })).toEqual({
      interrupted: ['wait'],
      queued: ['mine'],
    });
    store.close();
  });

  it('returns the latest samples, oldest first', () => {
    const store = new Store(tmpDir());
    store.createRun({ id: 'a', name: 'A', spec, createdAt: 10 });
    for (let step = 0; step < 30; step += 10) {
      for (const kind of ['greedy', 'sample'])
        store.insertSample({ runId: 'a', step, epoch: step / 10, kind, text: `${kind} ${step}`, data: null, createdAt: step });
    }
    expect(store.samples('a', 4).map((s) => s.text)).toEqual(['greedy 10', 'sample 10', 'greedy 20', 'sample 20']);
    expect(store.samples('a', 100)).toHaveLength(6);
    store.close();
  });
});
