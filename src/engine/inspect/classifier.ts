/**
 * A trained classifier checkpoint, used after training: evaluation on a dataset's images (the
 * host wrote them as a ClassifierInputs file, labels already mapped onto the run's classes) and
 * prediction for image files or bytes, with a saliency map. Images are prepared as the run
 * prepared them (checkpoint state `input`: shape, resize mode, per-channel normalisation); a run
 * from before that existed (MNIST) takes 28x28 grey bytes / 255.
 *
 * Saliency is the input gradient: |d logit_top / d pixel|, the largest over the channels, scaled
 * to [0,1] (Simonyan et al. 2013), at the model's input size.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClassifierEvalJob, ClassifierEvalResult, ClassifierPredictJob } from '../../shared/engine-jobs';
import type { Mistake, Prediction } from '../../shared/classifier-metrics';
import { confusionMatrix, normaliseMap } from '../../shared/convnet-spec';
import type { ClassifierInputState } from '../../shared/image-input';
import { decodeDatasetImages, decodeToShape } from '../data/dataset-images';
import { normalise } from '../data/image-set';
import { readClassifierInputs } from '../train/convnet-dataset';
import { fileSystemIO, readCheckpointState } from '../train/checkpoint';
// Registers the project's custom layers before a model that uses them is loaded.
import '../models/convnet';

const CHUNK = 128;

let loaded: { dir: string; mtimeMs: number; model: tf.LayersModel; input: ClassifierInputState; softmaxed: boolean } | null = null;

/** The checkpoint's model and how its inputs are prepared (kept warm for the next request). */
async function classifierAt(dir: string): Promise<NonNullable<typeof loaded>> {
  const mtimeMs = fs.statSync(path.join(dir, 'model.json')).mtimeMs;
  if (loaded && loaded.dir === dir && loaded.mtimeMs === mtimeMs) return loaded;
  loaded?.model.dispose();
  loaded = null;
  const state = readCheckpointState(dir);
  const model = await tf.loadLayersModel(fileSystemIO(dir));
  const shape = (state.inputShape.length === 3 ? state.inputShape : [28, 28, 1]) as [number, number, number];
  const input: ClassifierInputState = state.input ?? {
    shape,
    resize: 'stretch',
    mean: new Array<number>(shape[2]).fill(0),
    std: new Array<number>(shape[2]).fill(1),
    labels: Array.from({ length: (model.outputs[0]?.shape.at(-1) as number | undefined) ?? 10 }, (_, i) => String(i)),
    dataset: 'mnist',
  };
  const last = model.layers[model.layers.length - 1];
  const softmaxed = (last?.getConfig() as { activation?: string } | undefined)?.activation === 'softmax';
  loaded = { dir, mtimeMs, model, input, softmaxed };
  return loaded;
}

const shapeOf = (i: ClassifierInputState) => ({ height: i.shape[0], width: i.shape[1], channels: i.shape[2] as 1 | 3 });

/** Probabilities [n, classes] for n prepared images (bytes, HWC). */
function probabilities(c: NonNullable<typeof loaded>, bytes: Uint8Array, n: number): Float32Array {
  const [h, w, ch] = c.input.shape;
  const x = Float32Array.from(bytes, (v) => v / 255);
  normalise(x, ch, c.input);
  return tf.tidy(() => {
    const out = c.model.predict(tf.tensor4d(x, [n, h, w, ch])) as tf.Tensor;
    return (c.softmaxed ? out : tf.softmax(out)).dataSync() as Float32Array;
  });
}

export async function runClassifierEvalJob(job: ClassifierEvalJob, progress: (p: unknown) => void): Promise<ClassifierEvalResult> {
  const c = await classifierAt(job.checkpointDir);
  const inputs = readClassifierInputs(job.inputsFile);
  const k = c.input.labels.length;
  const decoded = await decodeDatasetImages(inputs, shapeOf(c.input), c.input.resize, (done, total) => progress({ phase: 'decoding', done, total }));
  const px = c.input.shape[0] * c.input.shape[1] * c.input.shape[2];
  const idx: number[] = [];
  for (let i = 0; i < decoded.count; i++) if (decoded.ok[i]) idx.push(i);
  const truth: number[] = [];
  const predicted: number[] = [];
  const mistakes: Mistake[] = [];
  let lossSum = 0;
  for (let s = 0; s < idx.length; s += CHUNK) {
    const part = idx.slice(s, s + CHUNK);
    const bytes = new Uint8Array(part.length * px);
    part.forEach((j, i) => bytes.set(decoded.pixels.subarray(j * px, (j + 1) * px), i * px));
    const probs = probabilities(c, bytes, part.length);
    part.forEach((j, i) => {
      const it = inputs.items[j];
      if (!it) return;
      let best = 0;
      for (let q = 1; q < k; q++) if ((probs[i * k + q] as number) > (probs[i * k + best] as number)) best = q;
      truth.push(it.label);
      predicted.push(best);
      lossSum -= Math.log(Math.max(1e-7, probs[i * k + it.label] as number));
      if (best !== it.label)
        mistakes.push({
          index: truth.length - 1,
          itemId: it.id,
          path: it.path + (it.frame !== null ? `#${it.frame}` : ''),
          truth: c.input.labels[it.label] ?? String(it.label),
          predicted: c.input.labels[best] ?? String(best),
          confidence: probs[i * k + best] as number,
        });
    });
    progress({ phase: 'evaluating', done: Math.min(idx.length, s + CHUNK), total: idx.length });
  }
  const confusion = confusionMatrix(truth, predicted, k);
  const correct = truth.reduce((n, t, i) => n + (t === predicted[i] ? 1 : 0), 0);
  mistakes.sort((a, b) => b.confidence - a.confidence);
  return {
    count: truth.length,
    accuracy: truth.length ? correct / truth.length : 0,
    loss: truth.length ? lossSum / truth.length : 0,
    labels: c.input.labels,
    confusion,
    failed: decoded.count - idx.length,
    mistakes: mistakes.slice(0, 200),
  };
}

export async function runClassifierPredictJob(job: ClassifierPredictJob): Promise<{ labels: string[]; inputShape: number[]; predictions: Prediction[] }> {
  const c = await classifierAt(job.checkpointDir);
  const [h, w, ch] = c.input.shape;
  const predictions: Prediction[] = [];
  for (const img of job.images) {
    let bytes: Uint8Array;
    try {
      const source = img.file ?? (img.base64 !== undefined ? Buffer.from(img.base64, 'base64') : null);
      if (source === null) throw new Error('holds no bytes');
      bytes = await decodeToShape(source, shapeOf(c.input), c.input.resize);
    } catch (e) {
      predictions.push({ file: img.name, top: [], saliency: null, error: `cannot decode ${img.name}: ${(e as Error).message}` });
      continue;
    }
    const probs = probabilities(c, bytes, 1);
    const order = Array.from(probs.keys()).sort((a, b) => (probs[b] as number) - (probs[a] as number));
    const top = order.slice(0, Math.max(1, job.topK)).map((q) => ({ label: c.input.labels[q] ?? String(q), probability: probs[q] as number }));
    let saliency: Prediction['saliency'] = null;
    if (job.saliency) {
      const x = Float32Array.from(bytes, (v) => v / 255);
      normalise(x, ch, c.input);
      const cls = order[0] as number;
      const grad = tf.tidy(() => {
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.slice(c.model.apply(t) as tf.Tensor, [0, cls], [1, 1])))(tf.tensor4d(x, [1, h, w, ch]));
        return tf.max(tf.abs(g), -1).dataSync() as Float32Array;
      });
      saliency = { height: h, width: w, values: normaliseMap(grad, 3).values };
    }
    predictions.push({ file: img.name, top, saliency });
  }
  return { labels: c.input.labels, inputShape: [h, w, ch], predictions };
}
