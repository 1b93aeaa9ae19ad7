/**
 * The convnet preset on an imported classification dataset (`dataset=ID`): the host resolved the
 * dataset's labelled items, classes and split into `<runDir>/classifier-inputs.json`
 * (src/main/classifier/classifier-inputs.ts); here they are decoded at the run's input shape
 * (cached per dataset and shape, dataset-images.ts), normalised per channel with statistics of the
 * training split, and trained by the general ConvNet trainer on the dataset's own split.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultInputFor } from '../../shared/convnet-spec';
import {
  CLASSIFIER_INPUTS_FILE,
  channelStats,
  inputShapeToString,
  parseInputShape,
  type ClassifierInputs,
  type ClassifierInputState,
  type InputShape,
  type ResizeMode,
} from '../../shared/image-input';
import type { LayerStack } from '../../shared/layer-spec';
import type { ConvNetParams } from '../../shared/run-spec';
import { decodeDatasetImages, type DecodedImages } from '../data/dataset-images';
import { subset, type ImageSet } from '../data/image-set';
import { trainConvNet, type TrainContext, type TrainResult } from './convnet-trainer';

export function readClassifierInputs(file: string): ClassifierInputs {
  let j: ClassifierInputs;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8')) as ClassifierInputs;
  } catch (e) {
    throw new Error(`cannot read the run's dataset inputs ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(j.items) || !Array.isArray(j.labels) || typeof j.root !== 'string') throw new Error(`${file}: not a classifier inputs file`);
  return j;
}

/** The whole dataset as one ImageSet (labels by item), from decoded images. */
export function datasetImageSet(inputs: ClassifierInputs, decoded: DecodedImages): ImageSet {
  if (inputs.labels.length > 256) throw new Error(`dataset ${inputs.dataset.id} has ${inputs.labels.length} classes; at most 256 are supported`);
  return {
    pixels: decoded.pixels,
    labels: Uint8Array.from(inputs.items, (it) => it.label),
    count: decoded.count,
    shape: decoded.shape,
    classes: inputs.labels.length,
    labelNames: inputs.labels,
  };
}

/** Indices of the decoded items of each split, in dataset order. */
export function splitIndices(inputs: ClassifierInputs, ok: Uint8Array): Record<'train' | 'validation' | 'test', number[]> {
  const out: Record<'train' | 'validation' | 'test', number[]> = { train: [], validation: [], test: [] };
  inputs.items.forEach((it, i) => {
    if (ok[i]) out[it.split].push(i);
  });
  return out;
}

/** The stack with its last dense layer sized to `classes` (and whether it changed). */
export function fitHead(stack: LayerStack, classes: number): { stack: LayerStack; changedFrom: number | null } {
  const last = stack[stack.length - 1];
  if (!last || last.type !== 'dense') throw new Error('the stack must end in a dense layer (one unit per class)');
  if (last.units === classes) return { stack, changedFrom: null };
  return { stack: [...stack.slice(0, -1), { ...last, units: classes }], changedFrom: last.units };
}

/** Decodes (or reads from the cache) a dataset's images, reporting progress as the run's 'decoding' phase. */
export async function decodeForRun(inputs: ClassifierInputs, shape: InputShape, resize: ResizeMode, ctx: Pick<TrainContext, 'emit'>): Promise<DecodedImages> {
  const decoded = await decodeDatasetImages(inputs, shape, resize, (done, total) =>
    ctx.emit({ type: 'phase', name: 'decoding', label: 'Decoding and resizing images', unit: 'images', done, total }),
  );
  const rate = decoded.count / Math.max(1e-9, decoded.seconds);
  ctx.emit({
    type: 'log',
    level: 'info',
    message: decoded.cached
      ? `images: ${decoded.count} at ${inputShapeToString(shape)} (${resize}) from the cache ${path.basename(decoded.cacheFile)} in ${decoded.seconds.toFixed(2)} s`
      : `images: decoded ${decoded.count} at ${inputShapeToString(shape)} (${resize}) in ${decoded.seconds.toFixed(1)} s (${rate.toFixed(0)} images/s), cached for the next run`,
  });
  if (decoded.failures.length)
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `images: ${decoded.ok.length - decoded.ok.reduce((a, b) => a + b, 0)} could not be decoded and are left out (first: ${decoded.failures[0]?.path}: ${decoded.failures[0]?.message})`,
    });
  return decoded;
}

export async function trainConvNetDataset(p: ConvNetParams, ctx: TrainContext): Promise<TrainResult> {
  const inputs = readClassifierInputs(path.join(ctx.runDir, CLASSIFIER_INPUTS_FILE));
  const shape = parseInputShape(p.input ?? defaultInputFor(p.dataset));
  const decoded = await decodeForRun(inputs, shape, p.resize, ctx);
  const all = datasetImageSet(inputs, decoded);
  const split = splitIndices(inputs, decoded.ok);
  let trainIdx = split.train;
  if (p.trainLimit > 0 && trainIdx.length > p.trainLimit) trainIdx = trainIdx.slice(0, p.trainLimit);
  if (trainIdx.length === 0) throw new Error(`dataset ${inputs.dataset.id} has no decodable training images in its split`);
  const px = shape.height * shape.width * shape.channels;
  const norm = p.normalize
    ? channelStats(decoded.pixels, px, shape.channels, trainIdx)
    : { mean: new Array<number>(shape.channels).fill(0), std: new Array<number>(shape.channels).fill(1) };
  const withNorm = (s: ImageSet): ImageSet => ({ ...s, norm });
  const train = withNorm(subset(all, trainIdx));
  const validation = withNorm(subset(all, split.validation));
  const test = withNorm(subset(all, split.test));
  const counts = (s: ImageSet): string => inputs.labels.map((l, k) => `${l} ${s.labels.reduce((n, v) => n + (v === k ? 1 : 0), 0)}`).join(', ');
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `dataset ${inputs.dataset.id} (${inputs.dataset.name}): ${inputs.labels.length} classes; its split: ${train.count} train (${counts(train)}), ${validation.count} validation, ${test.count} test; normalisation ${p.normalize ? `mean [${norm.mean.map((v) => v.toFixed(3)).join(', ')}], std [${norm.std.map((v) => v.toFixed(3)).join(', ')}] from the training split` : 'off'}`,
  });
  if (test.count === 0) ctx.emit({ type: 'log', level: 'warn', message: `dataset ${inputs.dataset.id} has no test images: no test accuracy at the end` });
  const head = fitHead(p.stack, inputs.labels.length);
  if (head.changedFrom !== null)
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `the last dense layer had ${head.changedFrom} units; the dataset has ${inputs.labels.length} classes, so it has ${inputs.labels.length}`,
    });
  const input: ClassifierInputState = {
    shape: [shape.height, shape.width, shape.channels],
    resize: p.resize,
    mean: norm.mean,
    std: norm.std,
    labels: inputs.labels,
    dataset: inputs.dataset.id,
  };
  return trainConvNet(
    {
      preset: 'convnet',
      params: p,
      stack: head.stack,
      train,
      validation: validation.count > 0 ? validation : undefined,
      test,
      digits: inputs.dataset.format === 'mnist',
      input,
      itemPaths: inputs.items.map((it) => ({ id: it.id, path: it.path + (it.frame !== null ? `#${it.frame}` : '') })),
    },
    ctx,
  );
}
