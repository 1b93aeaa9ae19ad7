import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunSpec } from '../../shared/run-spec';
import { openDatabase } from './db';
import { Store } from './store';

const dirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-active-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const spec = RunSpec.parse({ preset: 'lenet5-mnist', params: { epochs: 1 } });
const MIN = 60_000;

describe('active time of a run (real SQLite file)', () => {
  it('counts only running intervals: 30 s trained, 18 min paused, 5 s more is 35 s', () => {
    const store = new Store(tmpDir());
    store.createRun({ id: 'r', name: 'r', spec, createdAt: 0 });
    expect(store.getRun('r')).toMatchObject({ activeMs: 0, runningSince: null });
    // The run manager's sequence: running (first start), paused, queued by a resume, running, completed.
    store.updateRun('r', { status: 'running', startedAt: 1_000 });
    expect(store.getRun('r')).toMatchObject({ activeMs: 0, runningSince: 1_000 });
    store.updateRun('r', { status: 'paused', endedAt: 31_000 });
    expect(store.getRun('r')).toMatchObject({ activeMs: 30_000, runningSince: null });
    store.updateRun('r', { status: 'queued', endedAt: null }, 31_000 + 18 * MIN);
    store.updateRun('r', { status: 'running' }, 31_000 + 18 * MIN + 2_000);
    // A second 'running' (a status repeated) does not restart the interval.
    store.updateRun('r', { status: 'running' }, 31_000 + 18 * MIN + 4_000);
    expect(store.getRun('r')?.runningSince).toBe(31_000 + 18 * MIN + 2_000);
    const done = store.updateRun('r', { status: 'completed', endedAt: 31_000 + 18 * MIN + 7_000 });
    expect(done).toMatchObject({ status: 'completed', activeMs: 35_000, runningSince: null, startedAt: 1_000 });
    store.close();
  });

  it('an interrupted run trained until its dead process last beat, not until the next start-up', () => {
    const store = new Store(tmpDir());
    store.startHost({ id: 'old', pid: 100, machine: 'm', now: 1_000, pidAlive: () => true });
    store.createRun({ id: 'r', name: 'r', spec, createdAt: 0 });
    store.setRunHost('r', 'old');
    store.updateRun('r', { status: 'running', startedAt: 2_000 });
    store.touchHost('old', 12_000);
    expect(store.startHost({ id: 'new', pid: 200, machine: 'm', now: 60 * MIN, pidAlive: (pid) => pid === 200 }).interrupted).toEqual(['r']);
    expect(store.getRun('r')).toMatchObject({ status: 'interrupted', activeMs: 10_000, runningSince: null });
    store.close();
  });

  it('upgrades a version-7 database: ended runs count start to end, a running run from its start', () => {
    const dir = tmpDir();
    const old = openDatabase(path.join(dir, 'workbench.db'), 7);
    const ins = old.prepare('INSERT INTO runs (id, name, preset, spec_json, status, created_at, started_at, ended_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)');
    ins.run('done', 'done', 'lenet5-mnist', JSON.stringify(spec), 'completed', 1_000, 4_000);
    ins.run('live', 'live', 'lenet5-mnist', JSON.stringify(spec), 'running', 5_000, null);
    ins.run('new', 'new', 'lenet5-mnist', JSON.stringify(spec), 'queued', null, null);
    old.close();
    const store = new Store(dir);
    expect(store.getRun('done')).toMatchObject({ activeMs: 3_000, runningSince: null });
    expect(store.getRun('live')).toMatchObject({ activeMs: 0, runningSince: 5_000 });
    expect(store.getRun('new')).toMatchObject({ activeMs: 0, runningSince: null });
    store.close();
  });
});
