/**
 * Pause and resume in place with real engine processes: a resumed ConvNet run continues the step
 * count with nothing recorded twice and no gaps, and (optimizer state and random streams
 * restored) records the same losses as an uninterrupted run of the same spec. Also: resuming
 * failed, diverged and interrupted runs, and the refusals.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../shared/api';
import type { Host } from '../host';
import { lenetSpec, range, ROOT, stepCounts, steps, TestHosts, values } from './testing';

const execFileAsync = promisify(execFile);

const t = new TestHosts();
afterAll(() => t.cleanup());

const spec = lenetSpec();
const EPOCH_ENDS = [7, 15, 23];
/** The uninterrupted run every resumed run is compared with. */
let reference: { loss: number[]; val: number[]; test: number };

beforeAll(async () => {
  const h = t.host();
  const run = await h.runs.waitFor(h.runs.create(spec).id);
  expect(run.status).toBe('completed');
  reference = { loss: values(h.store, run.id, 'loss'), val: values(h.store, run.id, 'val_loss'), test: run.summary.test_accuracy as number };
  expect(reference.loss).toHaveLength(24);
});

/** What every finished resumed run must hold: each step once, no gaps, the reference's values. */
function expectLikeReference(h: Host, id: string): void {
  expect(steps(h.store, id, 'loss')).toEqual(range(24));
  for (const [key, counts] of stepCounts(h.store, id)) for (const [step, n] of counts) expect(n, `${key} at step ${step}`).toBe(1);
  expect(steps(h.store, id, 'val_accuracy')).toEqual(EPOCH_ENDS);
  expect(steps(h.store, id, 'epoch_loss')).toEqual(EPOCH_ENDS);
  const loss = values(h.store, id, 'loss');
  loss.forEach((v, i) => expect(v, `loss at step ${i}`).toBeCloseTo(reference.loss[i] as number, 4));
  values(h.store, id, 'val_loss').forEach((v, i) => expect(v).toBeCloseTo(reference.val[i] as number, 4));
  expect(h.store.artefacts(id, 'filters').map((a) => a.epoch)).toEqual([0, 1, 2, 3]);
  expect(h.store.artefacts(id, 'confusion')).toHaveLength(1);
}

describe('pause and resume (ConvNet)', () => {
  it('pauses mid-epoch at a checkpoint and resumes in place with the same losses as an uninterrupted run', async () => {
    const h = t.host();
    const run = h.runs.create(spec);
    const statuses: string[] = [];
    h.subscribe((e, p) => {
      if (e === 'run.status' && (p as RunRecord).id === run.id) statuses.push((p as RunRecord).status);
    });
    await new Promise<void>((resolve) => {
      const off = h.subscribe((e, p) => {
        if (e === 'run.metrics' && (p as { runId: string }).runId === run.id) {
          off();
          resolve();
        }
      });
    });
    const asked = (await h.dispatch('runs.pause', { id: run.id })) as RunRecord;
    expect(asked.id).toBe(run.id);
    const paused = await h.runs.waitFor(run.id);
    expect(paused.status).toBe('paused');
    expect(paused.error).toBeNull();
    const stored = steps(h.store, run.id, 'loss');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(24);
    expect(stored).toEqual(range(stored.length));
    const ck = h.store.artefacts(run.id, 'checkpoint').at(-1);
    expect(ck?.meta).toMatchObject({ reason: 'stop', steps: stored.length });
    expect(fs.existsSync(path.join(h.runs.runDir(run.id), ck?.meta.dir as string, 'state.json'))).toBe(true);
    await expect(h.dispatch('runs.pause', { id: run.id })).rejects.toThrow(/is paused: only a queued or running run can be paused/);

    const again = (await h.dispatch('runs.resume', { id: run.id })) as RunRecord;
    expect(again).toMatchObject({ id: run.id, status: 'queued', error: null });
    const done = await h.runs.waitFor(run.id);
    expect(done.status).toBe('completed');
    expect(done.startedAt).toBe(paused.startedAt);
    expectLikeReference(h, run.id);
    expect(done.summary.test_accuracy).toBeCloseTo(reference.test, 6);
    const logs = h.store
      .logs(run.id, 200)
      .map((l) => l.message)
      .join('\n');
    expect(logs).toContain('pause requested');
    expect(logs).toContain(`resuming from the checkpoint at step ${stored.length}`);
    expect(logs).toMatch(/resumed from .*next step/);
    expect(statuses).toEqual(expect.arrayContaining(['running', 'paused', 'queued', 'completed']));
  });

  it('resumes a failed run and a diverged run from their last good checkpoint (epoch 1, step 8)', async () => {
    const dataDir = t.dir();
    // The engine throws at step 12 (epoch 2); another run's weights go NaN at step 13.
    let h = t.host({ dataDir, engineEnv: { MLBL_FAULT: 'throw@12' } });
    const failed = await h.runs.waitFor(h.runs.create(spec).id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('injected fault at step 12');
    expect(steps(h.store, failed.id, 'loss')).toEqual(range(12));
    await t.close(h);

    h = t.host({ dataDir, engineEnv: { MLBL_FAULT: 'nan@13' } });
    const diverged = await h.runs.waitFor(h.runs.create(spec).id);
    expect(diverged.status).toBe('diverged');
    expect(diverged.error).toMatch(/diverged at step 13: the loss is NaN.*last good checkpoint is kept \(step 8\)/);
    // The NaN step is not recorded, and no checkpoint was written from the NaN weights.
    expect(steps(h.store, diverged.id, 'loss')).toEqual(range(13));
    expect(h.store.artefacts(diverged.id, 'checkpoint').map((a) => a.meta.steps)).toEqual([8]);
    expect(fs.readdirSync(path.join(h.runs.runDir(diverged.id), 'checkpoints')).filter((n) => n !== 'best.json')).toEqual(['epoch-0001']);
    await t.close(h);

    h = t.host({ dataDir });
    for (const r of [failed, diverged]) {
      await h.dispatch('runs.resume', { id: r.id });
      const done = await h.runs.waitFor(r.id);
      expect(done.status, done.error ?? '').toBe('completed');
      expectLikeReference(h, r.id);
      expect(
        h.store
          .logs(r.id, 200)
          .map((l) => l.message)
          .join('\n'),
      ).toMatch(/resuming from the checkpoint at step 8 \(epoch 1, checkpoints\/epoch-0001\); deleted what was recorded after it: [1-9]\d* metric points/);
    }
  });

  it('starts over a run interrupted before its first checkpoint, and refuses what cannot be resumed or paused', async () => {
    const dataDir = t.dir();
    let h = t.host({ dataDir });
    const short = lenetSpec({ epochs: 1 });
    h.store.createRun({ id: 'ghost', name: 'ghost', spec: short, createdAt: 1 });
    h.store.updateRun('ghost', { status: 'running', startedAt: 2 });
    h.store.insertMetrics('ghost', [
      { key: 'loss', step: 0, epoch: 0.1, wallTime: 1, value: 99 },
      { key: 'loss', step: 1, epoch: 0.2, wallTime: 1, value: 99 },
    ]);
    fs.mkdirSync(path.join(h.runs.runDir('ghost'), 'checkpoints', 'step-0000002.partial-1'), { recursive: true });
    await t.close(h);
    h = t.host({ dataDir });
    expect(h.runs.get('ghost')?.status).toBe('interrupted');
    await h.dispatch('runs.resume', { id: 'ghost' });
    const done = await h.runs.waitFor('ghost');
    expect(done.status).toBe('completed');
    expect(steps(h.store, 'ghost', 'loss')).toEqual(range(8));
    expect(values(h.store, 'ghost', 'loss')).not.toContain(99);
    expect(fs.existsSync(path.join(h.runs.runDir('ghost'), 'checkpoints', 'step-0000002.partial-1'))).toBe(false);
    expect(
      h.store
        .logs('ghost', 50)
        .map((l) => l.message)
        .join('\n'),
    ).toMatch(/no checkpoint was recorded, so the run starts over from step 0; deleted what was recorded after it: 2 metric points/);

    await expect(h.dispatch('runs.resume', { id: 'ghost' })).rejects.toThrow(
      /run ghost is completed: only paused, stopped, interrupted, failed, diverged runs can be resumed \(a completed run has nothing left to train\)/,
    );
    await expect(h.dispatch('runs.pause', { id: 'ghost' })).rejects.toThrow(/only a queued or running run can be paused/);
    await expect(h.dispatch('runs.resume', { id: 'nope' })).rejects.toThrow(/no run with id nope/);
    await expect(h.dispatch('runs.resume', { id: '../x' })).rejects.toThrow(/input\.id/);

    // The same refusals from `mlbl resume`, with exit code 1.
    await t.close(h);
    const cli = (args: string[]) =>
      execFileAsync(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), 'resume', ...args, '--data-dir', dataDir]).then(
        () => ({ code: 0, err: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, err: e.stderr }),
      );
    expect(await cli(['ghost'])).toEqual({
      code: 1,
      err: expect.stringContaining('mlbl resume: run ghost is completed: only paused, stopped, interrupted, failed, diverged runs can be resumed'),
    });
    expect(await cli(['nope'])).toEqual({ code: 1, err: expect.stringContaining('no run with id nope') });
    expect(await cli([])).toEqual({ code: 1, err: expect.stringContaining('expected one run id') });
  });
});
