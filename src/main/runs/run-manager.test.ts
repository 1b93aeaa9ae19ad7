import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunSpec } from '../../shared/run-spec';
import { createHost, type Host } from '../host';

// These tests start real engine processes (child_process.fork) that train a real LeNet-5 on a
// few MNIST images; `backend` follows MLBL_BACKEND / auto like a user's run.
const hosts: Host[] = [];
const dirs: string[] = [];
function newHost(engineEnv: Record<string, string> = {}, stopGraceMs = 10_000): Host {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-runs-'));
  dirs.push(dataDir);
  const h = createHost({ dataDir, transport: 'websocket', engineEnv, stopGraceMs });
  hosts.push(h);
  return h;
}
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Polls until `cond` holds; fails with `what` after `ms` rather than hanging the suite. */
async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const small = (over: Record<string, unknown> = {}) =>
  RunSpec.parse({ preset: 'lenet5-mnist', params: { epochs: 1, trainLimit: 128, validationLimit: 200, batchSize: 32, ...over } });

describe('RunManager with a real engine process', () => {
  it('completes a run and stores its metrics, filters and logs in SQLite', async () => {
    const h = newHost();
    const statuses: string[] = [];
    h.subscribe((e, p) => {
      if (e === 'run.status') statuses.push((p as { status: string }).status);
    });
    const run = h.runs.create(small({ epochs: 2 }));
    const done = await h.runs.waitFor(run.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.backend).toMatch(/^(tensorflow|wasm|cpu)$/);
    expect(done.exitCode).toBe(0);
    expect(h.store.countMetrics(run.id, 'loss')).toBe(8); // 2 epochs x ceil(128 / 32) steps
    expect(h.store.metricPoints(run.id, 'loss').map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(h.store.countMetrics(run.id, 'val_accuracy')).toBe(2);
    expect(done.summary.val_accuracy).toBeGreaterThan(0);
    expect(h.store.artefacts(run.id, 'filters').map((a) => a.epoch)).toEqual([0, 1, 2]);
    const snap = await h.dispatch('runs.filters', { id: run.id, artefactId: h.store.artefacts(run.id, 'filters')[1]?.id });
    expect(snap).toMatchObject({ count: 6, kernel: [5, 5], channels: 1 });
    expect(statuses).toEqual(expect.arrayContaining(['queued', 'running', 'completed']));
    expect(h.store.logs(run.id, 100).some((l) => /epoch 2\/2/.test(l.message))).toBe(true);
  });

  it('marks a run whose engine throws as failed with the error text, and keeps serving', async () => {
    const h = newHost({ MLBL_FAULT: 'throw@1' });
    const run = h.runs.create(small());
    const done = await h.runs.waitFor(run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('injected fault at step 1');
    expect(done.exitCode).toBe(1);
    expect(h.store.countMetrics(run.id, 'loss')).toBeGreaterThanOrEqual(1);
    const list = (await h.dispatch('runs.list', {})) as { id: string }[];
    expect(list.map((r) => r.id)).toContain(run.id);
  });

  it('marks a run whose engine dies as failed with the exit code', async () => {
    const h = newHost({ MLBL_FAULT: 'exit@0' });
    const done = await h.runs.waitFor(h.runs.create(small()).id);
    expect(done.status).toBe('failed');
    expect(done.exitCode).toBe(3);
    expect(done.error).toMatch(/exited with code 3/);
  });

  it('stops a running run by asking, and kills an engine that does not answer', async () => {
    const h = newHost({}, 20_000);
    const run = h.runs.create(small({ epochs: 50, trainLimit: 2000 }));
    await new Promise<void>((resolve) => {
      const off = h.subscribe((e, p) => {
        if (e === 'run.metrics' && (p as { runId: string }).runId === run.id) {
          off();
          resolve();
        }
      });
    });
    h.runs.stop(run.id);
    const done = await h.runs.waitFor(run.id);
    expect(done.status).toBe('stopped');
    expect(done.exitCode).toBe(0);
    expect(h.store.countMetrics(run.id, 'loss')).toBeLessThan(50 * 63);

    const h2 = newHost({ MLBL_FAULT: 'hang@0' }, 1_000);
    const stuck = h2.runs.create(small());
    await until(() => !!h2.store.getRun(stuck.id)?.backend, 'the engine to start');
    h2.runs.stop(stuck.id);
    const killed = await h2.runs.waitFor(stuck.id);
    expect(killed.status).toBe('stopped');
    expect(
      h2.store
        .logs(stuck.id, 50)
        .map((l) => l.message)
        .join('\n'),
    ).toMatch(/killed/);
  });

  it('queues runs one at a time by default and reports queue positions', async () => {
    const h = newHost();
    const a = h.runs.create(small());
    const b = h.runs.create(small());
    expect(h.runs.get(b.id)?.queuePosition).toBeGreaterThanOrEqual(1);
    await h.runs.waitFor(a.id);
    const db = await h.runs.waitFor(b.id);
    expect(db.status).toBe('completed');
    const ra = h.runs.get(a.id);
    expect(ra?.endedAt ?? 0).toBeLessThanOrEqual(db.startedAt ?? 0);
  });

  it('on start-up turns runs left running by a dead host into interrupted', async () => {
    const h = newHost();
    const spec = small();
    h.store.createRun({ id: 'ghost', name: 'ghost', spec, createdAt: 1 });
    h.store.updateRun('ghost', { status: 'running', startedAt: 2 });
    const dataDir = h.dataDir;
    await h.close();
    hosts.splice(hosts.indexOf(h), 1);
    const again = createHost({ dataDir, transport: 'websocket' });
    hosts.push(again);
    expect(again.runs.get('ghost')?.status).toBe('interrupted');
  });
});

describe('crashes', () => {
  it('an engine killed with SIGKILL mid-epoch leaves its run failed with the reason, and the host serves on', async () => {
    const h = newHost();
    const run = h.runs.create(small({ epochs: 20, trainLimit: 2000 }));
    await until(() => h.store.countMetrics(run.id, 'loss') >= 3 || !['queued', 'running'].includes(h.store.getRun(run.id)?.status ?? ''), 'three loss rows');
    expect(h.store.getRun(run.id)?.status).toBe('running');
    const pid = h.runs.enginePid(run.id);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGKILL');
    const done = await h.runs.waitFor(run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/killed by SIGKILL/);
    const rows = h.store.countMetrics(run.id, 'loss');
    expect(rows).toBeGreaterThanOrEqual(3);
    expect(h.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // The next run goes through on the same host.
    const next = await h.runs.waitFor(h.runs.create(small()).id);
    expect(next.status).toBe('completed');
  });
});
