/**
 * Activation maps of every convolution layer of a checkpoint for one MNIST image: the model is
 * loaded from the checkpoint's model.json (TF.js layers format), re-wired to output each conv
 * layer's output and the prediction, and run once. Each map (one per filter) is normalised to
 * [0,1] on its own, like the filter snapshots; its raw range is kept beside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { normaliseMap, type ActivationsJob, type ActivationsResult } from '../../shared/convnet-spec';
import { mnistSet, writeImage, type ImageSet } from '../data/image-set';
// Registers the project's custom layers (ZeroPadding1D) before a model that uses them is loaded.
import '../models/convnet';
import { fileSystemIO } from '../train/checkpoint';

const CONV_CLASSES = new Set(['Conv2D', 'Conv1D']);

// A warm inspect process answers several requests: keep the splits and the last model loaded.
const sets = new Map<string, ImageSet>();
let loaded: { dir: string; mtimeMs: number; model: tf.LayersModel } | null = null;

function split(name: 'test' | 'train'): ImageSet {
  let s = sets.get(name);
  if (!s) {
    s = mnistSet(name === 'test' ? 't10k' : 'train');
    sets.set(name, s);
  }
  return s;
}

async function modelAt(dir: string): Promise<tf.LayersModel> {
  const mtimeMs = fs.statSync(path.join(dir, 'model.json')).mtimeMs;
  if (loaded && loaded.dir === dir && loaded.mtimeMs === mtimeMs) return loaded.model;
  loaded?.model.dispose();
  loaded = null;
  const model = await tf.loadLayersModel(fileSystemIO(dir));
  loaded = { dir, mtimeMs, model };
  return model;
}

export async function computeActivations(job: ActivationsJob): Promise<ActivationsResult> {
  const set = split(job.split);
  if (!Number.isInteger(job.imageIndex) || job.imageIndex < 0 || job.imageIndex >= set.count) {
    throw new Error(`imageIndex ${job.imageIndex} is outside the MNIST ${job.split} split (0..${set.count - 1})`);
  }
  const model = await modelAt(job.checkpointDir);
  const inShape = model.inputs[0]?.shape.slice(1) ?? [];
  if (JSON.stringify(inShape) !== JSON.stringify(set.shape)) {
    throw new Error(`the checkpoint's model takes [${inShape.join(', ')}] inputs, MNIST images are [${set.shape.join(', ')}]`);
  }
  const convs = model.layers.filter((l) => CONV_CLASSES.has(l.getClassName()));
  const output = model.outputs[0];
  if (!output) throw new Error('the checkpoint model has no output');
  const probe = tf.model({ inputs: model.inputs, outputs: [...convs.map((l) => l.output as tf.SymbolicTensor), output] });
  const px = set.shape[0] * set.shape[1] * set.shape[2];
  const x = new Float32Array(px);
  writeImage(set, job.imageIndex, x, 0);
  const last = model.layers[model.layers.length - 1];
  const softmaxed = (last?.getConfig() as { activation?: string } | undefined)?.activation === 'softmax';
  const outs = tf.tidy(() => {
    const res = probe.predict(tf.tensor4d(x, [1, ...set.shape])) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(res) ? res : [res];
    const logits = list[list.length - 1] as tf.Tensor;
    return [...list.slice(0, -1), softmaxed ? logits : tf.softmax(logits)];
  });
  const data = outs.map((t) => ({ shape: t.shape.slice(1), values: t.dataSync() }));
  tf.dispose(outs);
  const probabilities = Array.from(data[data.length - 1]?.values ?? []);
  const layers = convs.map((l, i) => {
    const d = data[i] as { shape: number[]; values: Float32Array | Int32Array | Uint8Array };
    const channels = d.shape[d.shape.length - 1] ?? 1;
    const positions = d.values.length / channels;
    const maps: number[][] = [];
    const ranges: [number, number][] = [];
    for (let c = 0; c < channels; c++) {
      const m = new Float32Array(positions);
      for (let k = 0; k < positions; k++) m[k] = d.values[k * channels + c] as number;
      const n = normaliseMap(m);
      maps.push(n.values);
      ranges.push([n.min, n.max]);
    }
    return { name: l.name, className: l.getClassName(), shape: d.shape, maps, ranges };
  });
  let prediction = 0;
  probabilities.forEach((p, k) => {
    if (p > (probabilities[prediction] ?? -Infinity)) prediction = k;
  });
  return {
    split: job.split,
    imageIndex: job.imageIndex,
    label: set.labels[job.imageIndex] as number,
    prediction,
    probabilities,
    image: { shape: [...set.shape], values: Array.from(x, (v) => Math.round(v * 1e4) / 1e4) },
    layers,
  };
}
