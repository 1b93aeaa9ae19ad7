import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend';
import { decodeImage, defaultFeatureLayer, extractFeatures, featuresOf, loadExtractor, prepareImage, type FeatureExtractor } from './extract';
import { readFeatures, readHeader } from './feature-file';
import { loadLayersModelFromDisk } from './model-io';

const MODEL = path.resolve('../shared/models/mobilenet-v2-nsfwjs');
const IMAGES = path.resolve('../shared/datasets/flickr8k-mini/images');
const names = fs
  .readdirSync(IMAGES)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .slice(0, 6);
let tmp = '';
let ex: FeatureExtractor;

beforeAll(async () => {
  await selectBackend('auto');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-features-'));
  ex = await loadExtractor(MODEL);
});
afterAll(() => {
  ex?.dispose();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('TF.js layers model from disk (no tfjs-node)', () => {
  it('loads mobilenet-v2-nsfwjs with its quantized weights and classifies a real photo', async () => {
    const model = await loadLayersModelFromDisk(MODEL);
    expect(model.inputs[0]?.shape).toEqual([null, 224, 224, 3]);
    expect(defaultFeatureLayer(model)).toBe('flatten_1');
    const x = prepareImage(ex, await decodeImage(path.join(IMAGES, names[0] as string)));
    const probs = (model.predict(x) as tf.Tensor).dataSync();
    expect(probs.length).toBe(5);
    expect(Array.from(probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    // A Flickr8k photo is "Neutral" (index 2 of Drawing, Hentai, Neutral, Porn, Sexy) for this classifier.
    expect(Array.from(probs).indexOf(Math.max(...probs))).toBe(2);
    x.dispose();
    model.dispose();
  });

  it("gives the same flatten_1 features as the README's tf.io.fromMemory recipe", async () => {
    const json = JSON.parse(fs.readFileSync(path.join(MODEL, 'model.json'), 'utf8'));
    const bin = fs.readFileSync(path.join(MODEL, 'group1-shard1of1.bin'));
    const ref = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const refFeatures = tf.model({ inputs: ref.inputs, outputs: ref.getLayer('flatten_1').output });
    const img = await decodeImage(path.join(IMAGES, names[1] as string));
    const ours = featuresOf(ex, [img]);
    const theirs = tf.tidy(() => {
      const x = tf.image.resizeBilinear(
        tf.div(tf.cast(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'), 'float32'), 255) as tf.Tensor3D,
        [224, 224],
        true,
      );
      return (refFeatures.predict(tf.expandDims(x, 0)) as tf.Tensor).dataSync();
    });
    expect(ours.length).toBe(1280);
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs((ours[i] as number) - (theirs[i] as number)));
    expect(maxDiff).toBeLessThan(1e-5);
    ref.dispose();
  });
});

describe('feature extraction', () => {
  it('writes a feature file, reports progress, and resumes without recomputing', async () => {
    const out = path.join(tmp, 'a', 'feat.json');
    const progress: number[] = [];
    let calls = 0;
    const first = await extractFeatures({
      model: MODEL,
      extractor: ex,
      imagesDir: IMAGES,
      images: names.slice(0, 4),
      out,
      batchSize: 2,
      onProgress: (p) => progress.push(p.done),
      // Stop after the first batch: a resumable, incomplete file.
      shouldStop: () => calls++ >= 1,
    });
    expect(first.stopped).toBe(true);
    expect(first.computed).toBe(2);
    expect(readHeader(out).complete).toBe(false);
    expect(progress).toEqual([0, 2]);
    // A crash after appending rows but before recording them leaves extra bytes: they are cut off.
    fs.appendFileSync(path.join(tmp, 'a', 'feat.f32'), Buffer.alloc(1280 * 4, 7));

    const second = await extractFeatures({ model: MODEL, extractor: ex, imagesDir: IMAGES, images: names, out, batchSize: 2 });
    expect(second.stopped).toBe(false);
    expect(second.computed).toBe(4);
    const m = readFeatures(out);
    expect(m.header).toMatchObject({ layer: 'flatten_1', dim: 1280, pool: 'none', complete: true, images: names });
    expect(fs.statSync(path.join(tmp, 'a', 'feat.f32')).size).toBe(6 * 1280 * 4);
    // Rows equal a fresh extraction of the same images, in the header's order.
    const fresh = featuresOf(ex, await Promise.all(names.map((n) => decodeImage(path.join(IMAGES, n)))));
    let maxDiff = 0;
    for (let i = 0; i < fresh.length; i++) maxDiff = Math.max(maxDiff, Math.abs((fresh[i] as number) - (m.data[i] as number)));
    expect(maxDiff).toBeLessThan(1e-5);
    // README: non-negative pooled ReLU6 values, about half of them zero, L2 norm about 10.
    const zeros = m.data.filter((v) => v === 0).length / m.data.length;
    expect(Math.min(...m.data)).toBeGreaterThanOrEqual(0);
    expect(zeros).toBeGreaterThan(0.3);
    expect(zeros).toBeLessThan(0.8);
    const norm = Math.sqrt(m.data.subarray(0, 1280).reduce((s, v) => s + v * v, 0));
    expect(norm).toBeGreaterThan(4);
    expect(norm).toBeLessThan(20);

    const third = await extractFeatures({ model: MODEL, extractor: ex, imagesDir: IMAGES, images: names, out });
    expect(third.computed).toBe(0);
  });

  it('records undecodable images as failed, and refuses to mix extractors in one file', async () => {
    const dir = path.join(tmp, 'imgs');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(IMAGES, names[0] as string), path.join(dir, 'ok.jpg'));
    fs.writeFileSync(path.join(dir, 'broken.jpg'), 'not a jpeg');
    const out = path.join(tmp, 'b', 'feat.json');
    const r = await extractFeatures({ model: MODEL, extractor: ex, imagesDir: dir, images: ['ok.jpg', 'broken.jpg'], out });
    expect(r.header.images).toEqual(['ok.jpg']);
    expect(Object.keys(r.header.failed)).toEqual(['broken.jpg']);
    expect(r.header.complete).toBe(false);
    const gap = await loadExtractor(MODEL, { layer: 'out_relu' });
    try {
      expect(gap.pool).toBe('avg');
      expect(gap.dim).toBe(1280);
      await expect(extractFeatures({ model: MODEL, extractor: gap, imagesDir: dir, images: ['ok.jpg'], out })).rejects.toThrow(/layer flatten_1/);
      // out_relu (7x7x1280), average-pooled over all 49 positions, equals flatten_1 (a 7x7 average pool, flattened).
      const img = await decodeImage(path.join(dir, 'ok.jpg'));
      const a = featuresOf(gap, [img]);
      const b = featuresOf(ex, [img]);
      for (let i = 0; i < 1280; i += 97) expect(a[i]).toBeCloseTo(b[i] as number, 4);
    } finally {
      gap.dispose();
    }
    await expect(loadExtractor(MODEL, { layer: 'nope' })).rejects.toThrow(/no layer named nope/);
  });
});
