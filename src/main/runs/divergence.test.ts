/**
 * Divergence with real engine processes: a NaN or infinite loss ends a run `diverged` with the
 * step in its error, and no checkpoint is written from the bad weights. Real divergences (a huge
 * learning rate) and the injected one (MLBL_FAULT=nan@STEP) for both trainers; the language model
 * also pauses and resumes in place with the same loss curve as an uninterrupted run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../shared/api';
import { RunSpec } from '../../shared/run-spec';
import { lblSpec, range, stepCounts, steps, TestHosts, values } from './testing';

const t = new TestHosts();
afterAll(() => t.cleanup());

/** A linear ConvNet (no squashing activation) with plain SGD at learning rate 10: its weights blow up within a few steps. */
const linearStack = [
  { type: 'conv2d', filters: 4, kernel: 5, activation: 'linear' },
  { type: 'flatten' },
  { type: 'dense', units: 32, activation: 'linear' },
  { type: 'dense', units: 10, activation: 'linear' },
];

describe('divergence', () => {
  it('a ConvNet with a huge learning rate ends diverged at the step where the loss went bad, with no checkpoint of the bad weights', async () => {
    const h = t.host();
    const spec = RunSpec.parse({
      preset: 'convnet',
      params: {
        stack: linearStack,
        epochs: 3,
        trainLimit: 256,
        batchSize: 32,
        validationLimit: 100,
        testLimit: 100,
        optimizer: 'sgd',
        learningRate: 10,
        lrSchedule: 'none',
      },
    });
    const run = await h.runs.waitFor(h.runs.create(spec).id);
    expect(run.status).toBe('diverged');
    const m = /training diverged at step (\d+): the loss is (NaN|Infinity|-Infinity)/.exec(run.error ?? '');
    expect(m, run.error ?? '').not.toBeNull();
    const at = Number(m?.[1]);
    // Every step before it is stored (finite), the bad one is not; nothing after it ran.
    expect(steps(h.store, run.id, 'loss')).toEqual(range(at));
    for (const v of values(h.store, run.id, 'loss')) expect(Number.isFinite(v)).toBe(true);
    const checkpoints = h.store.artefacts(run.id, 'checkpoint');
    for (const c of checkpoints) expect(c.meta.steps as number).toBeLessThanOrEqual(at);
    const dir = path.join(h.runs.runDir(run.id), 'checkpoints');
    const folders = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n !== 'best.json') : [];
    expect(folders).toHaveLength(checkpoints.length);
    expect(run.summary.diverged_at_step).toBe(at);
    expect(
      h.store
        .logs(run.id, 100)
        .map((l) => l.message)
        .join('\n'),
    ).toMatch(/run diverged at step \d+/);
  });

  it('a language model with a huge learning rate ends diverged with the step', async () => {
    const h = t.host();
    const run = await h.runs.waitFor(h.runs.create(lblSpec({ lr: 100, sampleEvery: 0 })).id);
    expect(run.status).toBe('diverged');
    const m = /training diverged at step (\d+) \(loss (NaN|Infinity)\)/.exec(run.error ?? '');
    expect(m, run.error ?? '').not.toBeNull();
    expect(steps(h.store, run.id, 'loss')).toEqual(range(Number(m?.[1])));
    expect(h.store.artefacts(run.id, 'resume').every((a) => (a.meta.steps as number) <= Number(m?.[1]))).toBe(true);
  });

  it('an injected NaN in epoch 2 of a language model keeps the epoch-1 resume point, and the run resumes from it', async () => {
    const dataDir = t.dir();
    let h = t.host({ dataDir, engineEnv: { MLBL_FAULT: 'nan@150' } });
    const spec = lblSpec({ trainLimit: 40, sampleEvery: 0 });
    const run = await h.runs.waitFor(h.runs.create(spec).id);
    expect(run.status).toBe('diverged');
    expect(run.error).toMatch(/training diverged at step 150 \(loss NaN\).*last good resume point \(step (\d+)\)/);
    const points = h.store.artefacts(run.id, 'resume');
    expect(points).toHaveLength(1);
    const perEpoch = points[0]?.meta.steps as number;
    expect(perEpoch).toBeGreaterThan(50);
    expect(perEpoch).toBeLessThan(150);
    expect(fs.readdirSync(path.join(h.runs.runDir(run.id), 'resume'))).toEqual([`step-${String(perEpoch).padStart(7, '0')}`]);
    expect(steps(h.store, run.id, 'loss')).toEqual(range(150));
    await t.close(h);

    h = t.host({ dataDir });
    await h.dispatch('runs.resume', { id: run.id });
    const done = await h.runs.waitFor(run.id);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(steps(h.store, run.id, 'loss')).toEqual(range(2 * perEpoch));
    expect(steps(h.store, run.id, 'val_perplexity')).toEqual([0, perEpoch - 1, 2 * perEpoch - 1]);
  });
});

describe('pause and resume (language model)', () => {
  it('continues an LBL run in place with the same losses, perplexities and samples as an uninterrupted one', async () => {
    const h = t.host({ concurrency: 2 });
    const spec = lblSpec();
    const ref = h.runs.create(spec);
    const run = h.runs.create(spec);
    await new Promise<void>((resolve) => {
      const off = h.subscribe((e, p) => {
        const ev = p as { runId: string; points: { key: string; step: number }[] };
        if (e === 'run.metrics' && ev.runId === run.id && ev.points.some((x) => x.key === 'loss' && x.step >= 50)) {
          off();
          resolve();
        }
      });
    });
    h.runs.pause(run.id);
    const paused = await h.runs.waitFor(run.id);
    expect(paused.status).toBe('paused');
    const stored = steps(h.store, run.id, 'loss');
    expect(stored).toEqual(range(stored.length));
    const point = h.store.artefacts(run.id, 'resume').at(-1);
    expect(point?.meta.steps).toBe(stored.length);
    expect(point?.meta.batchInEpoch as number).toBeGreaterThan(0); // paused mid-epoch
    const refDone = await h.runs.waitFor(ref.id);
    expect(refDone.status).toBe('completed');
    const total = steps(h.store, ref.id, 'loss').length;
    expect(stored.length).toBeLessThan(total);

    const again = (await h.dispatch('runs.resume', { id: run.id })) as RunRecord;
    expect(again.status).toBe('queued');
    const done = await h.runs.waitFor(run.id);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(steps(h.store, run.id, 'loss')).toEqual(range(total));
    for (const [key, counts] of stepCounts(h.store, run.id)) for (const [step, n] of counts) expect(n, `${key} at step ${step}`).toBe(1);
    const refLoss = values(h.store, ref.id, 'loss');
    values(h.store, run.id, 'loss').forEach((v, i) => expect(v, `loss at step ${i}`).toBeCloseTo(refLoss[i] as number, 4));
    expect(steps(h.store, run.id, 'val_perplexity')).toEqual(steps(h.store, ref.id, 'val_perplexity'));
    const refPpl = values(h.store, ref.id, 'val_perplexity');
    values(h.store, run.id, 'val_perplexity').forEach((v, i) => expect(v).toBeCloseTo(refPpl[i] as number, 3));
    // Samples every 40 steps: the same steps, once each, and the same captions (greedy, and sampled from the restored random stream).
    const samples = (id: string) => h.store.samples(id, 1000).map((s) => `${s.step} ${s.kind} ${(s.data as { slot: number }).slot} ${s.text}`);
    expect(samples(run.id)).toEqual(samples(ref.id));
    expect(done.summary.best_val_perplexity).toBeCloseTo(refDone.summary.best_val_perplexity as number, 3);
  });
});
