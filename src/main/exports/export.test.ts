/**
 * Export formats (CSV quoting, JSONL, COCO ids, metrics long format) and the model export: a
 * language-model checkpoint rewritten as a TF.js layers model must load with tf.loadLayersModel
 * and give the same next-word probabilities as the engine's own model; a ConvNet checkpoint is
 * exported as it is and loads back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportFile, RunPhase, RunRecord } from '../../shared/api';
import { RunSpec } from '../../shared/run-spec';
import { Vocab } from '../../shared/vocabulary';
import { selectBackend } from '../../engine/backend';
import { groupByImage, readCaptionsCsv, splitByImage } from '../../engine/lm/data';
import { parseCsv } from '../../shared/csv';
import { saveCheckpoint } from '../../engine/lm/checkpoint';
import { LmModel, paramSpecs, type LmConfig } from '../../engine/lm/model';
import { seededRandom } from '../../shared/random';
import { fileSystemIO } from '../../engine/train/checkpoint';
import { captionsCoco, captionsCsv, captionsJsonl, cocoImageId, metricsCsv, metricsJson } from './export-formats';
import { layersModelFiles, lmModelFiles } from './export-model';
import { createHost, type Host } from '../host';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-export-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('caption formats', () => {
  const rows = [
    { image: '1000268201_693b08cb0e.jpg', caption: 'a dog runs , fast' },
    { image: 'dir/with,comma.jpg', caption: 'she said "hi"' },
    { image: '42.png', caption: 'line\nbreak' },
    { image: 'plain.jpg', caption: ' leading space' },
  ];

  it('quotes CSV fields only where needed, and the quoting round-trips through a CSV parser', () => {
    const text = captionsCsv(rows);
    // The bytes the hand-written writer gave before csv-stringify replaced it: quotes only around
    // a comma, a quote, a line break or an edge space.
    expect(text).toBe(
      'image,caption\n1000268201_693b08cb0e.jpg,"a dog runs , fast"\n"dir/with,comma.jpg","she said ""hi"""\n42.png,"line\nbreak"\nplain.jpg," leading space"\n',
    );
    expect(captionsCsv([{ image: 'cr\rhere.jpg', caption: 'tab at the end\t' }])).toBe('image,caption\n"cr\rhere.jpg","tab at the end\t"\n');
    const parsed = parseCsv(text).map((r) => r.fields);
    expect(parsed[0]).toEqual(['image', 'caption']);
    expect(parsed.slice(1)).toEqual(rows.map((r) => [r.image, r.caption]));
  });

  it('writes one JSON object per JSONL line', () => {
    const lines = captionsJsonl(rows).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual(rows);
    expect(captionsJsonl([])).toBe('');
  });

  it('makes COCO image ids from file names: numeric when numeric, COCO names to their number', () => {
    expect(cocoImageId('1000268201_693b08cb0e.jpg')).toBe('1000268201_693b08cb0e');
    expect(cocoImageId('42.png')).toBe(42);
    expect(cocoImageId('images/000123.jpg')).toBe(123);
    expect(cocoImageId('C:\\data\\7.jpeg')).toBe(7);
    expect(cocoImageId('COCO_val2014_000000391895.jpg')).toBe(391895);
    expect(cocoImageId('archive.tar.gz')).toBe('archive.tar');
    expect(cocoImageId('noext')).toBe('noext');
    expect(cocoImageId('.hidden')).toBe('.hidden');
    // Too large to be a safe integer: kept as the string.
    expect(cocoImageId('123456789012345678901.jpg')).toBe('123456789012345678901');
    const coco = JSON.parse(captionsCoco(rows)) as { image_id: string | number; caption: string }[];
    expect(coco).toEqual([
      { image_id: '1000268201_693b08cb0e', caption: 'a dog runs , fast' },
      { image_id: 'with,comma', caption: 'she said "hi"' },
      { image_id: 42, caption: 'line\nbreak' },
      { image_id: 'plain', caption: ' leading space' },
    ]);
  });
});

describe('metrics formats', () => {
  const series = [
    {
      key: 'loss',
      points: [
        { step: 0, epoch: 0.5, wallTime: 1.25, value: 2.5 },
        { step: 1, epoch: 1, wallTime: 2, value: Number.NaN },
      ],
    },
    { key: 'val,odd', points: [{ step: 1, epoch: 1, wallTime: 2.5, value: 1e-7 }] },
  ];

  it('writes the long CSV format, one row per point, NaN as an empty value', () => {
    const text = metricsCsv('run-1', series);
    expect(text).toBe('run_id,key,step,epoch,wall_time,value\nrun-1,loss,0,0.5,1.25,2.5\nrun-1,loss,1,1,2,\nrun-1,"val,odd",1,1,2.5,1e-7\n');
    const parsed = parseCsv(text).map((r) => r.fields);
    expect(parsed).toHaveLength(4);
    expect(Number(parsed[3]?.[5])).toBe(1e-7);
  });

  it('writes JSON with every point and null for a missing value', () => {
    const j = JSON.parse(metricsJson('run-1', series)) as { runId: string; metrics: { key: string; points: { step: number; value: number | null }[] }[] };
    expect(j.runId).toBe('run-1');
    expect(j.metrics.map((m) => m.key)).toEqual(['loss', 'val,odd']);
    expect(j.metrics[0]?.points.map((p) => p.value)).toEqual([2.5, null]);
  });
});

/** Writes exported files into a folder (base64 ones decoded), as the CLI does. */
function writeFiles(dir: string, files: ExportFile[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content);
}

describe('model export in the TF.js layers format', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  const words = ['a', 'dog', 'runs', 'on', 'the', 'grass', 'cat', 'sits', 'mat', 'red'];
  const vocab = Vocab.build([words], 1);
  const cases: [string, Partial<LmConfig>][] = [
    ['lbl', { model: 'lbl', D: 0 }],
    ['mlbl-b', { model: 'mlbl-b' }],
    ['mlbl-b with h = 0', { model: 'mlbl-b', h: 0 }],
    ['mlbl-f with dropout', { model: 'mlbl-f', dropout: 0.25 }],
  ];

  for (const [label, over] of cases) {
    it(`${label}: loads with tf.loadLayersModel and matches the engine's probabilities`, async () => {
      const config: LmConfig = { model: 'lbl', V: vocab.size, K: 6, n: 3, D: 5, h: 4, F: 3, dropout: 0, ...over };
      const rand = seededRandom(label.length * 7 + 1);
      const values = new Map<string, Float32Array>();
      for (const s of paramSpecs(config))
        values.set(
          s.name,
          Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * 0.9),
        );
      const model = new LmModel(config, values);
      const ckDir = path.join(tmp, `ck-${label.replace(/\W+/g, '_')}`);
      saveCheckpoint(ckDir, model, vocab, { features: null, meanImage: null, epoch: 3, step: 120, metrics: { val_perplexity: 9 }, params: {} });

      const files = lmModelFiles(ckDir);
      expect(files.map((f) => f.name)).toEqual(['model.json', 'weights.bin', 'vocabulary.json']);
      const outDir = path.join(ckDir, 'exported');
      writeFiles(outDir, files);
      const loaded = await tf.loadLayersModel(fileSystemIO(outDir));
      const vj = JSON.parse(fs.readFileSync(path.join(outDir, 'vocabulary.json'), 'utf8')) as { words: string[]; start: number };
      expect(vj.words).toEqual([...vocab.words]);
      expect(vj.words[vj.start]).toBe('<start>');

      const B = 4;
      const ctx = Int32Array.from({ length: B * config.n }, () => Math.floor(rand() * config.V));
      ctx.fill(vocab.start, 0, config.n);
      const contexts = tf.tensor2d(ctx, [B, config.n], 'int32');
      const images =
        config.model === 'lbl'
          ? undefined
          : tf.tensor2d(
              Float32Array.from({ length: B * config.D }, () => rand() * 1.5),
              [B, config.D],
            );
      const expected = tf.softmax(model.logits(contexts, images)).arraySync() as number[][];
      const got = (loaded.predict(images ? [contexts, images] : contexts) as tf.Tensor).arraySync() as number[][];
      expect(got).toHaveLength(B);
      for (let i = 0; i < B; i++) {
        expect((got[i] as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        for (let v = 0; v < config.V; v++) expect((got[i] as number[])[v]).toBeCloseTo((expected[i] as number[])[v] as number, 5);
      }
      // The probabilities depend on the image for the multimodal models.
      if (images) {
        const other = tf.add(images, 1);
        const moved = (loaded.predict([contexts, other]) as tf.Tensor).arraySync() as number[][];
        expect(Math.abs(((moved[0] as number[])[3] as number) - ((got[0] as number[])[3] as number))).toBeGreaterThan(1e-6);
      }
      loaded.dispose();
      model.dispose();
    });
  }

  it('refuses a folder that is not a language-model checkpoint, naming the file', () => {
    const dir = path.join(tmp, 'not-lm');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model' }));
    expect(() => lmModelFiles(dir)).toThrow(/model\.json is not a language-model checkpoint/);
  });

  it('exports a ConvNet (layers) checkpoint as it is: model.json and the weights its manifest names', async () => {
    const net = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })],
    });
    const dir = path.join(tmp, 'convnet-ck');
    await net.save(fileSystemIO(dir));
    const files = layersModelFiles(dir);
    expect(files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
    expect(files[1]?.encoding).toBe('base64');
    const out = path.join(tmp, 'convnet-out');
    writeFiles(out, files);
    const back = await tf.loadLayersModel(fileSystemIO(out));
    const x = tf.tensor2d([[0.1, -0.4, 2]]);
    expect((back.predict(x) as tf.Tensor).arraySync()).toEqual((net.predict(x) as tf.Tensor).arraySync());
  });
});

describe('runs.export through the API, on a real language-model run', () => {
  const CAPTIONS = '/work/shared/datasets/flickr8k-mini/captions.csv';
  let host: Host | null = null;
  let runId = '';
  const dataDir = path.join(tmp, 'host');
  afterAll(async () => {
    await host?.close();
  });

  beforeAll(async () => {
    host = createHost({ dataDir, transport: 'websocket' });
    const spec = RunSpec.parse({
      preset: 'lbl',
      name: 'export-lbl',
      params: { captions: CAPTIONS, trainLimit: 40, epochs: 1, K: 16, evalImages: 4, evalEvery: 0, sampleEvery: 0, testAtEnd: false, backend: 'cpu' },
    });
    const run = await host.runs.waitFor(host.runs.create(spec).id);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    runId = run.id;
  }, 120_000);

  /** The run's test images, drawn independently with the engine's own split (same seed and fractions). */
  const testImages = (): string[] => splitByImage(groupByImage(readCaptionsCsv(CAPTIONS)), 1, 0.1, 0.1).test.map((im) => im.image);
  const only = (r: { files: ExportFile[] }): ExportFile => {
    expect(r.files).toHaveLength(1);
    return r.files[0] as ExportFile;
  };

  it('exports one caption per test image as CSV, JSONL and COCO results', async () => {
    const h = host as Host;
    const want = testImages().sort();
    expect(want.length).toBe(80);
    const csv = only((await h.dispatch('runs.export', { what: 'captions', id: runId, format: 'csv' })) as { files: ExportFile[] });
    expect(csv.name).toBe(`${runId}-captions-test.csv`);
    const rows = parseCsv(csv.content).map((r) => r.fields);
    expect(rows[0]).toEqual(['image', 'caption']);
    expect(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(want);
    for (const r of rows.slice(1)) expect((r[1] ?? '').length).toBeGreaterThan(0);

    const jsonl = only((await h.dispatch('runs.export', { what: 'captions', id: runId, format: 'jsonl' })) as { files: ExportFile[] });
    const lines = jsonl.content
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { image: string; caption: string });
    expect(lines.map((l) => l.image).sort()).toEqual(want);
    // The same decoder, the same captions.
    expect(lines.map((l) => [l.image, l.caption]).sort()).toEqual(
      rows
        .slice(1)
        .map((r) => [r[0], r[1]])
        .sort(),
    );

    const coco = only((await h.dispatch('runs.export', { what: 'captions', id: runId, format: 'coco' })) as { files: ExportFile[] });
    const results = JSON.parse(coco.content) as { image_id: string | number; caption: string }[];
    expect(results.map((r) => r.image_id).sort()).toEqual(want.map((w) => w.replace(/\.jpg$/, '')).sort());
  }, 120_000);

  /** The run's `export` phase as each run.status event of `runId` carried it (null once it is gone). */
  function recordPhases(h: Host): { phases: (RunPhase | null)[]; stop: () => void } {
    const phases: (RunPhase | null)[] = [];
    const stop = h.subscribe((event, payload) => {
      if (event !== 'run.status') return;
      const r = payload as RunRecord;
      if (r.id === runId) phases.push(r.phase ?? null);
    });
    return { phases, stop };
  }

  it("reports the captioning as the run's export phase: images captioned of the split, time left, gone when done", async () => {
    const h = host as Host;
    const want = splitByImage(groupByImage(readCaptionsCsv(CAPTIONS)), 1, 0.1, 0.1).validation.length;
    expect(want).toBeGreaterThan(0);
    const rec = recordPhases(h);
    // The validation split with beam 2: nothing the other tests exported, so it is decoded here.
    const r = only((await h.dispatch('runs.export', { what: 'captions', id: runId, format: 'csv', split: 'validation', beam: 2 })) as { files: ExportFile[] });
    rec.stop();
    expect(parseCsv(r.content)).toHaveLength(want + 1);
    const live = rec.phases.filter((p): p is RunPhase => p !== null);
    expect(live.length).toBeGreaterThanOrEqual(2);
    for (const p of live) expect(p).toMatchObject({ name: 'export', unit: 'images', total: want });
    expect(live[0]?.done).toBe(0);
    expect(live.at(-1)?.done).toBe(want);
    expect(live.at(-1)?.secondsLeft).toBe(0);
    for (let i = 1; i < live.length; i++) expect((live[i] as RunPhase).done).toBeGreaterThanOrEqual((live[i - 1] as RunPhase).done);
    // Cleared at the end: the last event has no phase, and neither has the run's record.
    expect(rec.phases.at(-1)).toBeNull();
    expect(h.runs.get(runId)?.phase ?? null).toBeNull();
  }, 120_000);

  it('clears the export phase when the captioning fails part way', async () => {
    const h = host as Host;
    const rec = recordPhases(h);
    let killed = false;
    const kill = h.subscribe((event, payload) => {
      // The engine ends under the export as soon as its phase shows: the export fails mid-way.
      if (event === 'run.status' && (payload as RunRecord).phase?.name === 'export' && !killed) {
        killed = true;
        h.lm.close();
      }
    });
    try {
      // Every image with a wide beam: far more work than the kill leaves time for.
      await expect(h.dispatch('runs.export', { what: 'captions', id: runId, format: 'csv', split: 'all', beam: 8 })).rejects.toThrow(/engine ended/);
    } finally {
      kill();
      rec.stop();
    }
    expect(killed).toBe(true);
    expect(rec.phases.some((p) => p?.name === 'export')).toBe(true);
    expect(rec.phases.at(-1)).toBeNull();
    expect(h.runs.get(runId)?.phase ?? null).toBeNull();
  }, 120_000);

  it('exports every stored metric point in the long CSV format and as JSON', async () => {
    const h = host as Host;
    const keys = h.store.metricKeys(runId);
    const total = keys.reduce((n, k) => n + h.store.metricPoints(runId, k).length, 0);
    expect(total).toBeGreaterThan(10);
    const csv = only((await h.dispatch('runs.export', { what: 'metrics', id: runId, format: 'csv' })) as { files: ExportFile[] });
    const rows = parseCsv(csv.content).map((r) => r.fields);
    expect(rows[0]).toEqual(['run_id', 'key', 'step', 'epoch', 'wall_time', 'value']);
    expect(rows).toHaveLength(total + 1);
    const loss = h.store.metricPoints(runId, 'loss');
    const lossRows = rows.filter((r) => r[1] === 'loss');
    expect(lossRows.map((r) => Number(r[5]))).toEqual(loss.map((p) => p.value));
    const json = JSON.parse(only((await h.dispatch('runs.export', { what: 'metrics', id: runId, format: 'json' })) as { files: ExportFile[] }).content) as {
      metrics: { key: string; points: unknown[] }[];
    };
    expect(json.metrics.map((m) => m.key)).toEqual(keys);
    await expect(h.dispatch('runs.export', { what: 'metrics', id: runId, format: 'csv', keys: ['nope'] })).rejects.toThrow(/has no metric "nope"/);
  });

  it('exports the best checkpoint as a loadable layers model and refuses unknown checkpoints', async () => {
    const h = host as Host;
    const r = (await h.dispatch('runs.export', { what: 'model', id: runId })) as { files: ExportFile[] };
    expect(r.files.map((f) => f.name)).toEqual(['model.json', 'weights.bin', 'vocabulary.json']);
    const out = path.join(tmp, 'lbl-model');
    writeFiles(out, r.files);
    const m = await tf.loadLayersModel(fileSystemIO(out));
    const vocab = JSON.parse(fs.readFileSync(path.join(out, 'vocabulary.json'), 'utf8')) as { words: string[]; start: number; contextSize: number };
    const p = (m.predict(tf.tensor2d([Array(vocab.contextSize).fill(vocab.start)], [1, vocab.contextSize], 'int32')) as tf.Tensor).dataSync();
    expect(p.length).toBe(vocab.words.length);
    expect(Array.from(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    await expect(h.dispatch('runs.export', { what: 'model', id: runId, checkpoint: 'epoch-99' })).rejects.toThrow(/has no checkpoint "epoch-99"/);
    await expect(h.dispatch('runs.export', { what: 'captions', id: 'no-such-run', format: 'csv' })).rejects.toThrow(/no run with id no-such-run/);
  });
});
