/**
 * Runs owned by another workbench process on the same data directory reach this host's
 * subscribers live (foreign-runs.ts): a real `mlbl train` child process beside an in-process
 * host, and a second SQLite connection writing as "another process" for the cases a real run
 * cannot be steered into (history before the first look, a run that ends between two looks,
 * a resume's rewind, a deletion).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, Events, LogRecord, MetricPoint, RunRecord } from '../../shared/api';
import { createHost } from '../host';
import { Store } from '../store/store';
import { foreignRunStatements, watchForeignRuns } from './foreign-runs';
import { planResume, rewindRun } from './resume';
import { lenetSpec, ROOT, until } from './testing';

const dirs: string[] = [];
const children: ChildProcess[] = [];
const closers: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-foreign-'));
  dirs.push(d);
  return d;
}

type Seen = { [E in EventName]: { event: E; payload: Events[E] } }[EventName];

const pointsOf = (events: Seen[], runId: string, key: string): MetricPoint[] =>
  events.flatMap((e) =>
    e.event === 'run.metrics' && e.payload.runId === runId
      ? e.payload.points.filter((p) => p.key === key).map(({ step, epoch, wallTime, value }) => ({ step, epoch, wallTime, value }))
      : [],
  );
const statusesOf = (events: Seen[], runId: string): string[] =>
  events.flatMap((e) => (e.event === 'run.status' && e.payload.id === runId ? [e.payload.status] : []));
const logsOf = (events: Seen[], runId: string): string[] =>
  events.flatMap((e) => (e.event === 'run.log' && e.payload.runId === runId ? [e.payload.message] : []));
const forRun = (events: Seen[], runId: string): Seen[] =>
  events.filter((e) => ('id' in e.payload && e.payload.id === runId && e.event !== 'run.artefact') || ('runId' in e.payload && e.payload.runId === runId));

const pts = (key: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ key, step: from + i, epoch: 0, wallTime: 1000 + from + i, value: (from + i) / 7 }));

describe('watchForeignRuns (another connection writing as another process)', () => {
  it("publishes what the other process stored since the first look, once, and nothing of this host's runs", () => {
    const dir = tmpDir();
    const other = new Store(dir);
    const mine = new Store(dir);
    closers.push(() => {
      other.close();
      mine.close();
    });
    const spec = lenetSpec();
    const make = (s: Store, id: string, host: string, status: RunRecord['status']): void => {
      s.createRun({ id, name: id, spec, createdAt: Date.now() });
      s.setRunHost(id, host);
      s.updateRun(id, { status, startedAt: Date.now() });
    };
    // History before the watcher starts: a foreign running run and one of this host's.
    make(other, 'a', 'other-host', 'running');
    other.insertMetrics('a', pts('loss', 0, 99));
    other.insertLog({ runId: 'a', ts: 1, level: 'info', message: 'old line' });
    other.insertSample({ runId: 'a', step: 50, epoch: 0, kind: 'caption', text: 'old sample', data: null, createdAt: 1 });
    other.insertArtefact({ runId: 'a', kind: 'filters', path: path.join(dir, 'f0'), step: 50, epoch: 0, meta: {}, createdAt: 1 });
    make(mine, 'own', 'this-host', 'running');
    mine.insertMetrics('own', pts('loss', 0, 9));

    const events: Seen[] = [];
    const w = watchForeignRuns({
      store: mine,
      hostId: 'this-host',
      publish: (event, payload) => events.push({ event, payload } as Seen),
      intervalMs: 3_600_000,
    });
    closers.push(() => w.close());
    w.tick();
    expect(events, 'no history on the first look').toEqual([]);

    // New records of both runs: only the foreign ones are published, exactly once.
    other.insertMetrics('a', pts('loss', 100, 109));
    other.insertSample({ runId: 'a', step: 100, epoch: 1, kind: 'caption', text: 'new sample', data: { bleu: 0.5 }, createdAt: 2 });
    other.insertSample({ runId: 'a', step: 50, epoch: 0, kind: 'caption', text: 'same step, later row', data: null, createdAt: 2 });
    other.insertArtefact({ runId: 'a', kind: 'filters', path: path.join(dir, 'f1'), step: 100, epoch: 1, meta: { n: 1 }, createdAt: 2 });
    other.insertLog({ runId: 'a', ts: 2, level: 'warn', message: 'new line' });
    mine.insertMetrics('own', pts('loss', 10, 19));
    mine.insertLog({ runId: 'own', ts: 2, level: 'info', message: 'mine' });
    mine.updateRun('own', { summary: { loss: 1 } });
    w.tick();
    expect(events.map((e) => e.event)).toEqual(['run.metrics', 'run.sample', 'run.sample', 'run.artefact', 'run.log']);
    expect(pointsOf(events, 'a', 'loss')).toEqual(pts('loss', 100, 109).map(({ key: _k, ...p }) => p));
    expect(events.filter((e) => e.event === 'run.sample').map((e) => e.payload)).toEqual([
      { runId: 'a', step: 50, epoch: 0, kind: 'caption', text: 'same step, later row', data: null },
      { runId: 'a', step: 100, epoch: 1, kind: 'caption', text: 'new sample', data: { bleu: 0.5 } },
    ]);
    expect(events.find((e) => e.event === 'run.artefact')?.payload).toMatchObject({ runId: 'a', kind: 'filters', step: 100, meta: { n: 1 } });
    expect(events.find((e) => e.event === 'run.artefact')?.payload).not.toHaveProperty('path');
    expect(events.find((e) => e.event === 'run.log')?.payload).toEqual({ runId: 'a', ts: 2, level: 'warn', message: 'new line' } satisfies LogRecord);
    events.length = 0;
    w.tick();
    expect(events, 'nothing twice').toEqual([]);

    // A run created and ended between two looks still appears, once; a new key comes whole.
    make(other, 'b', 'other-host', 'queued');
    other.updateRun('b', { status: 'failed', endedAt: Date.now(), error: 'bad spec' });
    other.insertMetrics('a', pts('val_loss', 109, 109));
    w.tick();
    expect(statusesOf(events, 'b')).toEqual(['failed']);
    expect(events.filter((e) => e.event === 'run.status')).toHaveLength(1);
    expect(pointsOf(events, 'a', 'val_loss').map((p) => p.step)).toEqual([109]);
    events.length = 0;
    w.tick();
    expect(events).toEqual([]);

    // Paused, then resumed elsewhere (the real resume.ts rewind): the points from its checkpoint on,
    // the samples and artefacts after it are deleted before it turns running, and the engine records
    // those steps again, even before the next look. New rows may reuse deleted ids.
    const runDir = path.join(dir, 'runs', 'a');
    fs.mkdirSync(path.join(runDir, 'checkpoints', 'step-105'), { recursive: true });
    fs.writeFileSync(path.join(runDir, 'checkpoints', 'step-105', 'state.json'), JSON.stringify({ steps: 105 }));
    // A sound (if weightless) checkpoint: resume.ts passes over a folder without its model.json as damaged.
    fs.writeFileSync(
      path.join(runDir, 'checkpoints', 'step-105', 'model.json'),
      JSON.stringify({ weightsManifest: [{ paths: ['./weights.bin'], weights: [] }] }),
    );
    fs.writeFileSync(path.join(runDir, 'checkpoints', 'step-105', 'weights.bin'), '');
    other.insertArtefact({
      runId: 'a',
      kind: 'checkpoint',
      path: path.join(runDir, 'checkpoints', 'step-105'),
      step: 105,
      epoch: 1,
      meta: { dir: 'checkpoints/step-105', steps: 105 },
      createdAt: 3,
    });
    const late = other.insertArtefact({ runId: 'a', kind: 'filters', path: path.join(runDir, 'f109'), step: 109, epoch: 1, meta: {}, createdAt: 3 });
    other.insertSample({ runId: 'a', step: 108, epoch: 1, kind: 'caption', text: 'before the stop', data: null, createdAt: 3 });
    other.updateRun('a', { status: 'stopped', endedAt: Date.now() });
    w.tick();
    other.updateRun('a', { status: 'queued', endedAt: null });
    w.tick();
    rewindRun(other, 'a', runDir, planResume(other, 'a', runDir));
    other.updateRun('a', { status: 'running' });
    const again = pts('loss', 105, 112).map((p) => ({ ...p, wallTime: p.wallTime + 500, value: p.value + 1 }));
    other.insertMetrics('a', again);
    const reused = other.insertArtefact({
      runId: 'a',
      kind: 'filters',
      path: path.join(runDir, 'f110'),
      step: 110,
      epoch: 1,
      meta: { again: true },
      createdAt: 4,
    });
    expect(reused.id, "the resumed run's artefact row reuses a deleted id").toBe(late.id);
    other.insertSample({ runId: 'a', step: 107, epoch: 1, kind: 'caption', text: 'after the resume', data: null, createdAt: 4 });
    w.tick();
    expect(statusesOf(events, 'a')).toEqual(['stopped', 'queued', 'running']);
    expect(pointsOf(events, 'a', 'loss')).toEqual(again.map(({ key: _k, ...p }) => p));
    expect(events.filter((e) => e.event === 'run.artefact').map((e) => e.payload.meta)).toEqual([
      { dir: 'checkpoints/step-105', steps: 105 },
      {},
      { again: true },
    ]);
    expect(events.filter((e) => e.event === 'run.sample').map((e) => e.payload.text)).toEqual(['before the stop', 'after the resume']);
    events.length = 0;
    w.tick();
    expect(events, 'nothing twice after a rewind').toEqual([]);

    // The run's end, then its last log line written just after the final status.
    other.insertMetrics('a', pts('loss', 113, 115));
    other.updateRun('a', { status: 'completed', endedAt: Date.now(), summary: { loss: 0.1 } });
    w.tick();
    expect(
      events.map((e) => e.event),
      'a final status after the data that led to it',
    ).toEqual(['run.metrics', 'run.status']);
    other.insertLog({ runId: 'a', ts: 3, level: 'info', message: 'run completed' });
    w.tick();
    expect(logsOf(events, 'a')).toEqual(['run completed']);
    expect(statusesOf(events, 'a')).toEqual(['completed']);
    events.length = 0;

    // A tracked run deleted by its owner.
    other.deleteRun('a');
    w.tick();
    expect(events.at(-1)).toEqual({ event: 'run.deleted', payload: { id: 'a' } });
    events.length = 0;

    // A foreign run taken over by this host (resumed here) is its RunManager's business.
    make(other, 'c', 'other-host', 'running');
    w.tick();
    expect(statusesOf(events, 'c')).toEqual(['running']);
    mine.setRunHost('c', 'this-host');
    mine.insertMetrics('c', pts('loss', 0, 3));
    mine.updateRun('c', { status: 'completed' });
    w.tick();
    expect(forRun(events, 'c')).toHaveLength(1);

    // This host's runs never came out.
    expect(forRun(events, 'own')).toEqual([]);

    // A tick never throws: a failing subscriber, a database this host closed.
    const failing = watchForeignRuns({
      store: mine,
      hostId: 'this-host',
      publish: () => {
        throw new Error('subscriber failed');
      },
      intervalMs: 3_600_000,
    });
    closers.push(() => failing.close());
    make(other, 'd', 'other-host', 'running');
    expect(() => failing.tick()).not.toThrow();
    mine.close();
    expect(() => w.tick()).not.toThrow();
  });

  it('reads a run through indexes: every statement searches, the metric ones on the primary key', () => {
    const store = new Store(tmpDir());
    closers.push(() => store.close());
    for (const [name, stmt] of Object.entries(foreignRunStatements(store.db))) {
      const sql = (stmt as unknown as { source: string }).source;
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array<number>((sql.match(/\?/g) ?? []).length).fill(1)) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
      expect(plan, name).not.toMatch(/\bSCAN\b/);
      if (/FROM metrics/.test(sql)) expect(plan, name).toMatch(/SEARCH metrics USING PRIMARY KEY \(run_id=\? AND key=\?/);
    }
  });
});

interface Cli {
  out: () => string;
  exit: Promise<number | null>;
}

function train(dataDir: string): Cli {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/mlbl.js'),
      'train',
      '--preset',
      'lenet5-mnist',
      '--set',
      'epochs=2',
      '--set',
      'trainLimit=1200',
      '--set',
      'validationLimit=300',
      '--set',
      'testLimit=300',
      '--json',
      '--data-dir',
      dataDir,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { out: () => out, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** What the CLI printed: its run id, its loss points and its log lines, in order. */
function printed(out: string): { runId: string | undefined; loss: MetricPoint[]; logs: string[] } {
  let runId: string | undefined;
  const loss: MetricPoint[] = [];
  const logs: string[] = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as { event: string; run?: { id: string }; points?: (MetricPoint & { key: string })[]; message?: string };
    if (o.event === 'run.created') runId = o.run?.id;
    if (o.event === 'run.metrics') for (const { key, ...p } of o.points ?? []) if (key === 'loss') loss.push(p);
    if (o.event === 'run.log') logs.push(o.message as string);
  }
  return { runId, loss, logs };
}

describe('a run trained by another process (real mlbl train) beside an in-process host', () => {
  it("reaches the host's subscribers live: new run, status, every loss point after the first look once, log lines; the host's own run is not repeated", async () => {
    const dataDir = tmpDir();
    const host = createHost({ dataDir, transport: 'websocket', concurrency: 0, followOtherProcesses: true });
    closers.push(() => host.close());
    const events: Seen[] = [];
    let childId: string | undefined;
    /** Where the child's run stood when the watcher first published it (read just after that look). */
    let first: { maxLossStep: number | null; logs: number } | undefined;
    /** This host's run, once created (its first announcement comes from inside create()). */
    const own: { id?: string } = {};
    host.subscribe((event, payload) => {
      events.push({ event, payload } as Seen);
      if (event === 'run.status' && own.id && !first && (payload as RunRecord).id !== own.id) {
        childId = (payload as RunRecord).id;
        first = {
          maxLossStep: (host.store.db.prepare("SELECT MAX(step) AS m FROM metrics WHERE run_id = ? AND key = 'loss'").get(childId) as { m: number | null }).m,
          logs: host.store.logs(childId, 10_000).length,
        };
      }
    });
    // A run of this host (queued: concurrency 0); its RunManager announces it, the watcher must not.
    const ownId = host.runs.create(lenetSpec()).id;
    own.id = ownId;
    await new Promise((r) => setTimeout(r, 300));
    const ownStatuses = statusesOf(events, ownId).length;
    expect(ownStatuses).toBeGreaterThan(0);

    const cli = train(dataDir);
    const id = await until(() => childId, 'the watcher to publish the new run', 60_000);
    expect(await cli.exit).toBe(0);
    const out = printed(cli.out());
    expect(out.runId).toBe(id);
    await until(
      () => statusesOf(events, id).includes('completed') && logsOf(events, id).includes('run completed'),
      'the final status and last log line',
      15_000,
    );
    // Two more looks: nothing is published twice.
    await new Promise((r) => setTimeout(r, 2_500));

    // Status: first seen queued or running, then completed, once.
    const statuses = statusesOf(events, id);
    expect(['queued', 'running']).toContain(statuses[0]);
    expect(
      statuses.slice(0, -1).every((s) => s === 'queued' || s === 'running'),
      statuses.join(','),
    ).toBe(true);
    expect(statuses.at(-1)).toBe('completed');

    // Loss points: the stored rows after the first look, in order, no duplicates, no gaps, and
    // exactly what the child printed for those steps.
    const stored = host.store.metricPoints(id, 'loss');
    const published = pointsOf(events, id, 'loss');
    expect(stored.length).toBeGreaterThan(20);
    expect(published.length).toBeGreaterThan(0);
    const from = stored.findIndex((p) => p.step === published[0]?.step);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(published).toEqual(stored.slice(from));
    // The points not published were stored before the watcher's first look.
    for (const p of stored.slice(0, from)) expect(p.step).toBeLessThanOrEqual(first?.maxLossStep ?? -1);
    expect(out.loss).toEqual(stored);
    expect(published).toEqual(out.loss.slice(from));

    // Log lines: the child's lines after the first look, the last one written after the final status.
    const logs = logsOf(events, id);
    const storedLogs = host.store.logs(id, 10_000).map((l) => l.message);
    expect(out.logs).toEqual(storedLogs);
    expect(logs.length).toBeGreaterThan(0);
    expect(storedLogs.length - logs.length).toBeLessThanOrEqual(first?.logs ?? 0);
    expect(logs).toEqual(storedLogs.slice(storedLogs.length - logs.length));
    expect(logs.at(-1)).toBe('run completed');

    // This host's run: only its RunManager's announcements, nothing from the watcher.
    expect(statusesOf(events, ownId)).toHaveLength(ownStatuses);
    expect(forRun(events, ownId).filter((e) => e.event !== 'run.status')).toEqual([]);
  }, 300_000);
});
