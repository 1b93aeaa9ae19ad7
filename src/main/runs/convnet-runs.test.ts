/**
 * ConvNet runs through the API with real engine processes: checkpoints and the confusion matrix
 * recorded in SQLite, resume from a run id continuing the step numbers, activation maps answered
 * by a short-lived engine process (and cached), the convnet preset with a custom stack.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActivationMaps, CheckpointMeta, ConfusionReport } from '../../shared/convnet-spec';
import { RunSpec } from '../../shared/run-spec';
import { createHost, type Host } from '../host';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-cnruns-'));
let host: Host | null = null;
function h(): Host {
  host ??= createHost({ dataDir, transport: 'websocket' });
  return host;
}
afterAll(async () => {
  await host?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const lenet = (over: Record<string, unknown>) =>
  RunSpec.parse({ preset: 'lenet5-mnist', params: { trainLimit: 128, batchSize: 32, validationLimit: 100, testLimit: 200, ...over } });

describe('ConvNet runs through the API', () => {
  let first = '';
  let second = '';

  it('records a checkpoint per epoch and the test confusion matrix; a run resumed from its id continues the step numbers', async () => {
    const a = await h().runs.waitFor(h().runs.create(lenet({ epochs: 1 })).id);
    expect(a.error).toBeNull();
    expect(a.status).toBe('completed');
    first = a.id;
    const ck = h().store.artefacts(a.id, 'checkpoint');
    expect(ck.map((c) => (c.meta as unknown as CheckpointMeta).epoch)).toEqual([1]);
    const conf = (await h().dispatch('runs.confusion', { id: a.id })) as ConfusionReport;
    expect(conf.count).toBe(200);
    expect(conf.matrix.flat().reduce((s, v) => s + v, 0)).toBe(200);
    expect(a.summary.test_accuracy).toBeCloseTo(conf.accuracy, 10);
    expect(h().store.metricPoints(a.id, 'test_accuracy')).toHaveLength(1);

    const b = await h().runs.waitFor(h().runs.create(lenet({ epochs: 2, resumeFrom: a.id })).id);
    expect(b.error).toBeNull();
    expect(b.status).toBe('completed');
    second = b.id;
    const stepsA = h()
      .store.metricPoints(a.id, 'loss')
      .map((p) => p.step);
    const stepsB = h()
      .store.metricPoints(b.id, 'loss')
      .map((p) => p.step);
    expect(stepsA).toEqual([0, 1, 2, 3]);
    expect(stepsB).toEqual([4, 5, 6, 7]);
    expect(
      h()
        .store.metricPoints(b.id, 'val_accuracy')
        .map((p) => p.epoch),
    ).toEqual([2]);
    expect(
      h()
        .store.logs(b.id, 100)
        .some((l) => /resumed from .*next step 4, adam state restored/.test(l.message)),
    ).toBe(true);
  }, 90_000);

  it('answers runs.activations from a checkpoint with a short-lived engine, caches it, and refuses bad requests', async () => {
    const t = performance.now();
    const r = (await h().dispatch('runs.activations', { id: second, imageIndex: 3 })) as ActivationMaps;
    const firstMs = performance.now() - t;
    expect(r.runId).toBe(second);
    expect(r.checkpoint.epoch).toBe(2);
    expect(r.split).toBe('test');
    expect(r.label).toBe(0); // MNIST test image 3 is a 0
    expect(r.layers.map((l) => [l.name, l.shape, l.maps.length])).toEqual([
      ['conv2d_1', [28, 28, 6], 6],
      ['conv2d_2', [10, 10, 16], 16],
    ]);
    expect(r.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 4);
    expect(fs.readdirSync(path.join(h().runs.runDir(second), 'activations'))).toEqual([`ckpt-${r.checkpoint.artefactId}-test-3.json`]);
    const t2 = performance.now();
    const again = (await h().dispatch('runs.activations', { id: second, imageIndex: 3, checkpoint: r.checkpoint.artefactId })) as ActivationMaps;
    expect(performance.now() - t2).toBeLessThan(firstMs);
    expect(again.layers[1]?.maps[5]).toEqual(r.layers[1]?.maps[5]);
    // Another image: not cached, but the engine is still warm (no process start, no tfjs load).
    const t3 = performance.now();
    const other = (await h().dispatch('runs.activations', { id: second, imageIndex: 4 })) as ActivationMaps;
    const warmMs = performance.now() - t3;
    expect(other.label).toBe(4); // MNIST test image 4 is a 4
    expect(warmMs).toBeLessThan(firstMs / 2);

    const older = (await h().dispatch('runs.activations', { id: first, imageIndex: 3, checkpoint: 'last' })) as ActivationMaps;
    expect(older.checkpoint.epoch).toBe(1);
    expect(older.layers[0]?.maps[0]).not.toEqual(r.layers[0]?.maps[0]);

    await expect(h().dispatch('runs.activations', { id: second, imageIndex: 10_000 })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(h().dispatch('runs.activations', { id: second, imageIndex: 1, checkpoint: 999_999 })).rejects.toMatchObject({ code: 'not_found' });
  }, 90_000);

  it('trains the convnet preset on a custom stack, and refuses an impossible stack at creation naming the layer', async () => {
    const spec = RunSpec.parse({
      preset: 'convnet',
      params: {
        trainLimit: 128,
        batchSize: 32,
        validationLimit: 100,
        testLimit: 100,
        epochs: 1,
        checkpointEvery: 0,
        stack: [
          { type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 1 },
          { type: 'maxPool2d', size: 2 },
          { type: 'flatten' },
          { type: 'dense', units: 10 },
        ],
      },
    });
    const run = await h().runs.waitFor(h().runs.create(spec).id);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    expect(h().store.artefacts(run.id, 'filters')[0]?.meta).toMatchObject({ layer: 'conv2d_1', count: 4, kernel: [3, 3] });
    expect(h().store.artefacts(run.id, 'checkpoint')).toHaveLength(0);
    await expect(h().dispatch('runs.activations', { id: run.id, imageIndex: 0 })).rejects.toMatchObject({ code: 'not_found' });

    const bad = {
      preset: 'convnet',
      params: {
        stack: [
          { type: 'conv2d', filters: 2, kernel: 5, stride: 1 },
          { type: 'conv2d', filters: 2, kernel: 30 },
          { type: 'flatten' },
          { type: 'dense', units: 10 },
        ],
      },
    };
    await expect(h().dispatch('runs.create', { spec: bad })).rejects.toThrow(/params\.stack: layer 2 \(conv2d\)/);
    const wrongClasses = { preset: 'convnet', params: { stack: [{ type: 'flatten' }, { type: 'dense', units: 7 }] } };
    await expect(h().dispatch('runs.create', { spec: wrongClasses })).rejects.toThrow(/needs 10 class scores/);
  }, 90_000);
});
