import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricSeries, RunRecord } from '../shared/api';
import { createHost, type Host } from './host';

let dir = '';
let host: Host;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-update-'));
  // Concurrency 0: runs stay queued, no engine starts; the handlers and the SQLite file are real.
  host = createHost({ dataDir: dir, transport: 'websocket', concurrency: 0 });
  await new Promise((r) => setImmediate(r));
});
afterEach(async () => {
  // RunManager.create schedules a queue pass with setImmediate; let it run before the store closes.
  await new Promise((r) => setImmediate(r));
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const create = async (name: string) =>
  (await host.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', name, tags: ['first'], params: { epochs: 1 } } })) as RunRecord;

describe('runs.update', () => {
  it('renames, retags and annotates a run; absent fields stay; the change is stored', async () => {
    const run = await create('before');
    const updated = (await host.dispatch('runs.update', { id: run.id, name: '  after  ', tags: [' lr-sweep', 'baseline', 'lr-sweep '] })) as RunRecord;
    expect(updated).toMatchObject({ id: run.id, name: 'after', tags: ['lr-sweep', 'baseline'], notes: '' });
    const noted = (await host.dispatch('runs.update', { id: run.id, notes: 'diverged at epoch 3?\nretry with lr 0.001' })) as RunRecord;
    expect(noted).toMatchObject({ name: 'after', tags: ['lr-sweep', 'baseline'], notes: 'diverged at epoch 3?\nretry with lr 0.001' });
    expect(host.store.getRun(run.id)).toMatchObject({ name: 'after', tags: ['lr-sweep', 'baseline'] });
    // The spec keeps the tags it was created with: tags on the record are labels, not configuration.
    expect(noted.spec.tags).toEqual(['first']);
    const cleared = (await host.dispatch('runs.update', { id: run.id, tags: [] })) as RunRecord;
    expect(cleared.tags).toEqual([]);
  });

  it('tells every subscribed client: run.status after an edit, run.deleted after a delete', async () => {
    const run = await create('watched');
    const seen: string[] = [];
    const off = host.subscribe((event, payload) => {
      if (event === 'run.status') seen.push(`status ${(payload as RunRecord).name}`);
      if (event === 'run.deleted') seen.push(`deleted ${(payload as { id: string }).id}`);
    });
    await host.dispatch('runs.update', { id: run.id, name: 'renamed' });
    await host.dispatch('runs.delete', { id: run.id });
    off();
    expect(seen).toEqual(['status renamed', `deleted ${run.id}`]);
  });

  it('names the bad field and refuses unknown runs', async () => {
    const run = await create('x');
    await expect(host.dispatch('runs.update', { id: run.id, name: '   ' })).rejects.toThrow(/runs\.update: input\.name: /);
    await expect(host.dispatch('runs.update', { id: run.id, tags: ['ok', ''] })).rejects.toThrow(/input\.tags\.1: /);
    await expect(host.dispatch('runs.update', { id: run.id, notes: 'x'.repeat(20_001) })).rejects.toThrow(/input\.notes: /);
    await expect(host.dispatch('runs.update', { id: 'no-such-run', name: 'y' })).rejects.toMatchObject({ code: 'not_found' });
    expect(host.store.getRun(run.id)?.name).toBe('x');
  });
});

describe('runs.metrics', () => {
  it('answers min-max and LTTB downsampling of a stored series through the handler', async () => {
    const run = await create('m');
    const points = Array.from({ length: 50_000 }, (_, i) => ({
      key: 'loss',
      step: i,
      epoch: i / 1000,
      wallTime: i / 100,
      value: i === 31_337 ? 99 : Math.cos(i / 3000),
    }));
    for (let i = 0; i < points.length; i += 1000) host.store.insertMetrics(run.id, points.slice(i, i + 1000));
    host.store.insertMetrics(run.id, [{ key: 'val_accuracy', step: 999, epoch: 1, wallTime: 10, value: 0.9 }]);
    const [mm] = (await host.dispatch('runs.metrics', { id: run.id, keys: ['loss'], maxPoints: 400 })) as MetricSeries[];
    expect(mm?.total).toBe(50_000);
    expect(mm?.points.length).toBeLessThanOrEqual(400);
    expect(mm?.points.some((p) => p.value === 99)).toBe(true);
    const [lt] = (await host.dispatch('runs.metrics', { id: run.id, keys: ['loss'], maxPoints: 400, downsample: 'lttb' })) as MetricSeries[];
    expect(lt?.points.length).toBe(400);
    const all = (await host.dispatch('runs.metrics', { id: run.id })) as MetricSeries[];
    expect(all.map((s) => [s.key, s.total])).toEqual([
      ['loss', 50_000],
      ['val_accuracy', 1],
    ]);
    await expect(host.dispatch('runs.metrics', { id: run.id, downsample: 'average' })).rejects.toThrow(/input\.downsample/);
  });
});
