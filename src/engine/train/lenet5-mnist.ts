import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FilterSnapshot } from '../../shared/api';
import type { EngineToHost } from '../../shared/engine-protocol';
import { LENET5 } from '../../shared/layer-spec';
import type { LeNet5MnistParams } from '../../shared/run-spec';
import { loadMnist, type MnistSplit } from '../data/mnist';
import { buildConvNet, firstConvLayerName } from '../models/convnet';
import { seededRandom, shuffledIndices } from '../random';
import { injectedFault } from '../faults';

export interface TrainContext {
  emit(msg: EngineToHost): void;
  /** True once the host asked the run to stop; checked between batches. */
  stopRequested(): boolean;
  runDir: string;
}

const METRIC_FLUSH_MS = 250;

/** Real LeNet-5 training on MNIST idx files from disk; emits loss per step, accuracy per epoch, filters per epoch. */
export async function trainLenet5Mnist(p: LeNet5MnistParams, ctx: TrainContext): Promise<{ outcome: 'completed' | 'stopped'; summary: Record<string, number> }> {
  const t0 = performance.now();
  const train = loadMnist('train', p.trainLimit);
  const val = loadMnist('t10k', p.validationLimit);
  ctx.emit({ type: 'log', level: 'info', message: `MNIST: ${train.count} training images, ${val.count} validation images (test set)` });

  const model = buildConvNet([train.rows, train.cols, 1], LENET5, p.seed);
  const optimizer = p.optimizer === 'adam' ? tf.train.adam(p.learningRate) : tf.train.momentum(p.learningRate, 0.9);
  const rand = seededRandom(p.seed);
  const stepsPerEpoch = Math.ceil(train.count / p.batchSize);
  const fault = injectedFault();

  let pending: (EngineToHost & { type: 'metrics' })['points'] = [];
  let lastFlush = performance.now();
  const flush = (): void => {
    if (pending.length) ctx.emit({ type: 'metrics', points: pending });
    pending = [];
    lastFlush = performance.now();
  };
  const wall = (): number => (performance.now() - t0) / 1000;

  snapshotFilters(model, 0, 0, ctx);
  let step = 0;
  let outcome: 'completed' | 'stopped' = 'completed';
  const summary: Record<string, number> = {};
  let imagesSeen = 0;
  const trainStart = performance.now();

  for (let epoch = 1; epoch <= p.epochs && outcome === 'completed'; epoch++) {
    const order = shuffledIndices(train.count, rand);
    let epochLoss = 0;
    let epochBatches = 0;
    const epochStart = performance.now();
    let epochImages = 0;
    for (let b = 0; b < stepsPerEpoch; b++) {
      if (fault?.step === step) fault.fire();
      if (ctx.stopRequested()) { outcome = 'stopped'; break; }
      const idx = order.subarray(b * p.batchSize, Math.min(train.count, (b + 1) * p.batchSize));
      const { xs, ys } = batchTensors(train, idx);
      const lossT = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true);
      const loss = (await (lossT as tf.Scalar).data())[0] as number;
      tf.dispose([xs, ys, lossT as tf.Scalar]);
      epochLoss += loss;
      epochBatches++;
      epochImages += idx.length;
      imagesSeen += idx.length;
      pending.push({ key: 'loss', step, epoch: epoch - 1 + (b + 1) / stepsPerEpoch, wallTime: wall(), value: loss });
      step++;
      if (performance.now() - lastFlush > METRIC_FLUSH_MS) {
        flush();
        ctx.emit({ type: 'progress', epoch, epochs: p.epochs, step: b + 1, stepsPerEpoch });
      }
      // Let the stop message (a macrotask) through between batches.
      await new Promise((r) => setImmediate(r));
    }
    // A stop should end the run promptly: skip the partial epoch's evaluation.
    if (outcome === 'stopped') {
      if (epochBatches) summary.loss = epochLoss / epochBatches;
      summary.steps = step;
      break;
    }
    const ips = epochImages / ((performance.now() - epochStart) / 1000);
    const valAcc = accuracy(model, val);
    const trainAcc = accuracy(model, train, Math.min(train.count, 2000));
    const e = epoch;
    pending.push(
      { key: 'val_accuracy', step: step - 1, epoch: e, wallTime: wall(), value: valAcc },
      { key: 'train_accuracy', step: step - 1, epoch: e, wallTime: wall(), value: trainAcc },
      { key: 'epoch_loss', step: step - 1, epoch: e, wallTime: wall(), value: epochLoss / Math.max(1, epochBatches) },
      { key: 'images_per_s', step: step - 1, epoch: e, wallTime: wall(), value: ips },
      { key: 'learning_rate', step: step - 1, epoch: e, wallTime: wall(), value: p.learningRate },
    );
    flush();
    Object.assign(summary, { val_accuracy: valAcc, train_accuracy: trainAcc, loss: epochLoss / Math.max(1, epochBatches), images_per_s: ips, epochs: e, steps: step });
    ctx.emit({ type: 'log', level: 'info', message: `epoch ${epoch}/${p.epochs}: loss ${summary.loss?.toFixed(4)}, validation accuracy ${(valAcc * 100).toFixed(2)}%, ${ips.toFixed(0)} images/s` });
    snapshotFilters(model, epoch, step - 1, ctx);
  }
  flush();
  summary.images_per_s_overall = imagesSeen / ((performance.now() - trainStart) / 1000);
  summary.seconds = (performance.now() - t0) / 1000;
  model.dispose();
  optimizer.dispose();
  return { outcome, summary };
}

function batchTensors(d: MnistSplit, idx: Int32Array): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const px = d.rows * d.cols;
  const x = new Float32Array(idx.length * px);
  const y = new Float32Array(idx.length * 10);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i] as number;
    const src = d.images.subarray(j * px, (j + 1) * px);
    for (let k = 0; k < px; k++) x[i * px + k] = (src[k] as number) / 255;
    y[i * 10 + (d.labels[j] as number)] = 1;
  }
  return { xs: tf.tensor4d(x, [idx.length, d.rows, d.cols, 1]), ys: tf.tensor2d(y, [idx.length, 10]) };
}

function accuracy(model: tf.LayersModel, d: MnistSplit, limit = d.count): number {
  let correct = 0;
  const chunk = 500;
  for (let s = 0; s < limit; s += chunk) {
    const idx = new Int32Array(Math.min(chunk, limit - s)).map((_, i) => s + i);
    const { xs, ys } = batchTensors(d, idx);
    const hits = tf.tidy(() => tf.equal(tf.argMax(model.predict(xs) as tf.Tensor, 1), tf.argMax(ys, 1)).sum().dataSync()[0] as number);
    tf.dispose([xs, ys]);
    correct += hits;
  }
  return correct / Math.max(1, limit);
}

/** First conv layer's kernels, each normalised to [0,1] on its own, written as a JSON artefact. */
function snapshotFilters(model: tf.LayersModel, epoch: number, step: number, ctx: TrainContext): void {
  const layer = model.getLayer(firstConvLayerName(model));
  const kernel = layer.getWeights()[0];
  if (!kernel) return;
  const [kh = 0, kw = 0, cin = 0, cout = 0] = kernel.shape;
  const w = kernel.dataSync();
  const filters: number[][] = [];
  for (let f = 0; f < cout; f++) {
    const vals: number[] = [];
    for (let i = 0; i < kh * kw * cin; i++) vals.push(w[i * cout + f] as number);
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    filters.push(vals.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0.5)));
  }
  const snap: FilterSnapshot = { epoch, kernel: [kh, kw], channels: cin, count: cout, filters };
  const rel = path.join('filters', `epoch-${epoch}.json`);
  fs.mkdirSync(path.join(ctx.runDir, 'filters'), { recursive: true });
  fs.writeFileSync(path.join(ctx.runDir, rel), JSON.stringify(snap));
  ctx.emit({ type: 'artefact', kind: 'filters', file: rel, step, epoch, meta: { layer: layer.name, count: cout, kernel: [kh, kw], channels: cin } });
}
