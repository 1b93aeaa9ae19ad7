/**
 * ConvNets on an imported class-folder dataset of real photos, through the API with real engine
 * processes: the run trains on the dataset's own split at a chosen input shape, caches the decoded
 * images (a second run decodes nothing), writes a confusion report with its mistakes; then
 * runs.evalClassifier (agreeing with the run's own test report), evaluation on another dataset
 * whose labels map by name, runs.predict with top-k and saliency, and the errors of each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassifierPredictions } from '../../shared/api';
import type { ClassifierEvaluation } from '../../shared/classifier-metrics';
import type { ConfusionReport } from '../../shared/convnet-spec';
import type { ImportReport } from '../../shared/dataset-schema';
import { RunSpec } from '../../shared/run-spec';
import { createHost, type Host } from '../host';

const IMAGES = path.resolve('../shared/datasets/flickr8k-mini/images');
const LABELS = path.resolve('../shared/datasets/flickr8k-mini/labels-dog.csv');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-clsruns-'));
const dataDir = path.join(root, 'data');
let host: Host | null = null;
const h = (): Host => (host ??= createHost({ dataDir, transport: 'websocket' }));
afterAll(async () => {
  await host?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Class folders of real photos: the first `n` of each label of labels-dog.csv, copied. */
function classFolders(dir: string, n: number, classes: string[]): void {
  const rows = fs
    .readFileSync(LABELS, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(','));
  for (const c of classes) {
    fs.mkdirSync(path.join(dir, c), { recursive: true });
    const pick = rows.filter((r) => r[1] === (c === 'cat' ? 'other' : c)).slice(c === 'cat' ? n : 0, (c === 'cat' ? n : 0) + n);
    for (const [file] of pick) fs.copyFileSync(path.join(IMAGES, file as string), path.join(dir, c, file as string));
  }
}

let ds = '';
let runId = '';

beforeAll(async () => {
  classFolders(path.join(root, 'pets'), 30, ['dog', 'other']);
  const r = (await h().dispatch('datasets.import', {
    path: path.join(root, 'pets'),
    split: { seed: 1, train: 0.6, validation: 0.2, test: 0.2 },
  })) as ImportReport;
  ds = r.dataset.id;
}, 60_000);

const spec = (over: Record<string, unknown>) =>
  RunSpec.parse({
    preset: 'convnet',
    params: {
      dataset: ds,
      input: '16x16x3',
      epochs: 1,
      batchSize: 8,
      augmentFlip: true,
      augmentCrop: 0.2,
      stack: JSON.stringify([
        { type: 'conv2d', filters: 4, kernel: 3, padding: 'same' },
        { type: 'maxPool2d', size: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 7 },
      ]),
      ...over,
    },
  });

describe('a ConvNet on an imported class-folder dataset', () => {
  it('trains on the dataset split at the chosen input, sizes the head to its classes and caches the decoded images', async () => {
    const a = await h().runs.waitFor(h().runs.create(spec({})).id);
    expect(a.error ?? '').toBe('');
    expect(a.status).toBe('completed');
    runId = a.id;
    const logs = h()
      .store.logs(a.id, 200)
      .map((l) => l.message);
    expect(logs.some((m) => /decoded 60 at 16x16x3 \(stretch\)/.test(m))).toBe(true);
    expect(logs.some((m) => /its split: 36 train \(dog \d+, other \d+\), 12 validation, 12 test/.test(m))).toBe(true);
    expect(logs.some((m) => /the last dense layer had 7 units; the dataset has 2 classes/.test(m))).toBe(true);
    expect(logs.some((m) => /validation: 12 from the dataset's validation split/.test(m))).toBe(true);
    const conf = (await h().dispatch('runs.confusion', { id: a.id })) as ConfusionReport;
    expect(conf.labels).toEqual(['dog', 'other']);
    expect(conf.count).toBe(12);
    expect(conf.matrix.flat().reduce((s, v) => s + v, 0)).toBe(12);
    const wrong = 12 - conf.matrix[0]![0]! - conf.matrix[1]![1]!;
    expect(conf.mistakes).toHaveLength(wrong);
    for (const m of conf.mistakes ?? []) {
      expect(m.truth).not.toBe(m.predicted);
      expect(m.itemId).toBeGreaterThan(0);
    }
    expect(fs.readdirSync(path.join(dataDir, 'datasets', ds, 'inputs')).filter((f) => f.endsWith('.u8'))).toHaveLength(1);

    // Same dataset and shape: nothing decoded; another resize mode is another cache entry.
    const b = await h().runs.waitFor(h().runs.create(spec({ epochs: 1, seed: 2 })).id);
    expect(b.status).toBe('completed');
    expect(
      h()
        .store.logs(b.id, 200)
        .some((l) => /images: 60 at 16x16x3 \(stretch\) from the cache/.test(l.message)),
    ).toBe(true);
  }, 180_000);

  it('evaluates through runs.evalClassifier: the same accuracy as the run, per-class scores, confusion and mistakes', async () => {
    const run = h().runs.get(runId)!;
    const r = (await h().dispatch('runs.evalClassifier', { id: runId })) as ClassifierEvaluation;
    expect(r.dataset).toBe(ds);
    expect(r.count).toBe(12);
    expect(r.accuracy).toBeCloseTo(run.summary.test_accuracy as number, 6);
    expect(r.confusion.flat().reduce((s, v) => s + v, 0)).toBe(12);
    expect(r.per_class.map((c) => c.label)).toEqual(['dog', 'other']);
    for (const c of r.per_class) {
      expect(c.support).toBe(r.confusion[r.labels.indexOf(c.label)]!.reduce((s, v) => s + v, 0));
      expect(c.f1).toBeGreaterThanOrEqual(0);
      expect(c.f1).toBeLessThanOrEqual(1);
    }
    const all = (await h().dispatch('runs.evalClassifier', { id: runId, split: 'all' })) as ClassifierEvaluation;
    expect(all.count).toBe(60);
    expect(all.mistakes.length).toBe(60 - Math.round(all.accuracy * 60));
  }, 120_000);

  it('maps another dataset’s labels by name and leaves out classes the run does not know', async () => {
    classFolders(path.join(root, 'zoo'), 5, ['other', 'cat', 'dog']);
    const z = (await h().dispatch('datasets.import', { path: path.join(root, 'zoo'), allowDuplicate: true })) as ImportReport;
    const r = (await h().dispatch('runs.evalClassifier', { id: runId, datasetId: z.dataset.id, split: 'all' })) as ClassifierEvaluation;
    expect(r.labels).toEqual(['dog', 'other']);
    expect(r.count).toBe(10);
    expect(r.unmapped).toBe(5);
    expect(r.confusion[0]!.reduce((s, v) => s + v, 0)).toBe(5);
    await expect(h().dispatch('runs.evalClassifier', { id: runId, datasetId: 'no-such' })).rejects.toMatchObject({ code: 'not_found' });
  }, 120_000);

  it('predicts top-k with probabilities and a saliency map for files and dropped images; a bad file is named', async () => {
    const files = fs.readdirSync(path.join(root, 'pets', 'dog')).slice(0, 2);
    const paths = files.map((f) => path.join(root, 'pets', 'dog', f));
    const r = (await h().dispatch('runs.predict', { id: runId, files: [...paths, path.join(root, 'missing.jpg')], topK: 2 })) as ClassifierPredictions;
    expect(r.labels).toEqual(['dog', 'other']);
    expect(r.inputShape).toEqual([16, 16, 3]);
    expect(r.predictions).toHaveLength(3);
    for (const p of r.predictions.slice(0, 2)) {
      expect(p.top.map((t) => t.label).sort()).toEqual(['dog', 'other']);
      expect(p.top[0]!.probability).toBeGreaterThanOrEqual(p.top[1]!.probability);
      expect(p.top[0]!.probability + p.top[1]!.probability).toBeCloseTo(1, 5);
      expect(p.saliency?.values).toHaveLength(16 * 16);
      expect(Math.max(...p.saliency!.values)).toBe(1);
      expect(Math.min(...p.saliency!.values)).toBeGreaterThanOrEqual(0);
    }
    expect(r.predictions[2]?.error).toMatch(/cannot decode .*missing\.jpg/);
    const url = `data:image/jpeg;base64,${fs.readFileSync(paths[0]!).toString('base64')}`;
    const d = (await h().dispatch('runs.predict', { id: runId, images: [url], topK: 1, saliency: false })) as ClassifierPredictions;
    expect(d.predictions[0]?.top).toHaveLength(1);
    expect(d.predictions[0]?.top[0]).toEqual(r.predictions[0]?.top[0]);
    expect(d.predictions[0]?.saliency).toBeNull();
    await expect(h().dispatch('runs.predict', { id: runId, images: ['not a url'] })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(h().dispatch('runs.predict', { id: runId })).rejects.toMatchObject({ code: 'bad_request' });
  }, 120_000);

  it('trains a transfer head on the frozen MobileNetV2 features, extracted once and cached for the next run', async () => {
    const t = (over: Record<string, unknown>) =>
      RunSpec.parse({
        preset: 'transfer',
        params: { dataset: ds, backbone: path.resolve('../shared/models/mobilenet-v2-nsfwjs'), epochs: 5, patience: 0, ...over },
      });
    const a = await h().runs.waitFor(h().runs.create(t({})).id);
    expect(a.error ?? '').toBe('');
    expect(a.status).toBe('completed');
    const logs = h()
      .store.logs(a.id, 200)
      .map((l) => l.message);
    expect(logs.some((m) => /backbone features: extracted set .* \(60 x 1280;/.test(m))).toBe(true);
    expect(logs.some((m) => /transfer: .*flatten_1 \(1280 features, frozen\).*36 train, 12 validation, 12 test/.test(m))).toBe(true);
    const conf = (await h().dispatch('runs.confusion', { id: a.id })) as ConfusionReport;
    expect(conf.count).toBe(12);
    expect(conf.accuracy).toBeCloseTo(a.summary.test_accuracy as number, 10);
    expect(conf.mistakes?.length).toBe(12 - conf.matrix[0]![0]! - conf.matrix[1]![1]!);
    expect(h().store.metricPoints(a.id, 'val_accuracy')).toHaveLength(5);
    const b = await h().runs.waitFor(h().runs.create(t({ hidden: 8, seed: 3 })).id);
    expect(b.status).toBe('completed');
    expect(
      h()
        .store.logs(b.id, 200)
        .some((l) => /backbone features: cached set/.test(l.message)),
    ).toBe(true);
  }, 180_000);

  it('refuses a caption dataset, a missing dataset and an impossible input before training', async () => {
    await expect(h().dispatch('runs.create', { spec: { preset: 'convnet', params: { dataset: ds, input: '16x16x2' } } })).rejects.toThrow(
      /input 16x16x2: 2 channels/,
    );
    await expect(h().dispatch('runs.create', { spec: { preset: 'convnet', params: { dataset: 'mnist', input: '32x32x3' } } })).rejects.toThrow(
      /built-in mnist is 28x28x1/,
    );
    const missing = await h().runs.waitFor(h().runs.create(spec({ dataset: 'no-such-dataset' })).id);
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/no dataset with id no-such-dataset/);
  }, 60_000);
});
