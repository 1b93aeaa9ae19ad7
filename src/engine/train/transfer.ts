/**
 * The transfer preset: a new classification head on a frozen pretrained backbone. The host
 * extracted the backbone's features of every image of the dataset once (a cached feature set)
 * and wrote which file holds them; here they are standardised with the training split's mean and
 * std and a head (softmax regression, or one hidden ReLU layer) is trained with Adam and an L2
 * penalty on the dataset's own split, by the shared TrainingLoop (stop, progress, divergence,
 * patience). The best epoch by validation loss is kept; the test split gets a confusion report
 * with the mistakes, as a ConvNet run's.
 *
 * Not here yet: fine-tuning the backbone's last blocks (the backbone stays frozen), and a head
 * checkpoint for eval/predict after the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Mistake } from '../../shared/classifier-metrics';
import { confusionMatrix, perClassAccuracy, type ConfusionReport } from '../../shared/convnet-spec';
import { CLASSIFIER_INPUTS_FILE } from '../../shared/image-input';
import { Rng, streamSeed } from '../../shared/random';
import type { TransferParams } from '../../shared/run-spec';
import { readFeatures } from '../features/feature-file';
import { writeRunFile } from './checkpoint';
import { readClassifierInputs } from './convnet-dataset';
import type { TrainResult } from './convnet-trainer';
import { TrainingLoop, type TrainContext } from './loop-harness';

interface Split {
  x: Float32Array;
  y: Int32Array;
  /** Item index of each row. */
  item: Int32Array;
  count: number;
}

export async function trainTransfer(p: TransferParams, ctx: TrainContext): Promise<TrainResult> {
  const t0 = performance.now();
  const inputs = readClassifierInputs(path.join(ctx.runDir, CLASSIFIER_INPUTS_FILE));
  const t = JSON.parse(fs.readFileSync(path.join(ctx.runDir, 'transfer-inputs.json'), 'utf8')) as { features: string; layer: string; model: string };
  const fm = readFeatures(t.features);
  const dim = fm.header.dim;
  const k = inputs.labels.length;
  const rows: Record<'train' | 'validation' | 'test', number[]> = { train: [], validation: [], test: [] };
  let missing = 0;
  inputs.items.forEach((it, i) => {
    if (fm.rowOf.has(it.path)) rows[it.split].push(i);
    else missing++;
  });
  if (missing) ctx.emit({ type: 'log', level: 'warn', message: `${missing} images have no backbone features (not decodable); they are left out` });
  if (rows.train.length === 0 || rows.validation.length === 0)
    throw new Error(
      `dataset ${inputs.dataset.id} needs training and validation images with features (train ${rows.train.length}, validation ${rows.validation.length})`,
    );
  // Standardise every feature with the training split's mean and std.
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (const i of rows.train) {
    const r = fm.rowOf.get((inputs.items[i] as { path: string }).path) as number;
    for (let d = 0; d < dim; d++) {
      const v = fm.data[r * dim + d] as number;
      mean[d] = (mean[d] as number) + v;
      sq[d] = (sq[d] as number) + v * v;
    }
  }
  const n = rows.train.length;
  const std = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    mean[d] = (mean[d] as number) / n;
    const v = (sq[d] as number) / n - (mean[d] as number) ** 2;
    std[d] = v > 1e-12 ? Math.sqrt(v) : 1;
  }
  const split = (idx: number[]): Split => {
    const x = new Float32Array(idx.length * dim);
    idx.forEach((i, j) => {
      const r = fm.rowOf.get((inputs.items[i] as { path: string }).path) as number;
      for (let d = 0; d < dim; d++) x[j * dim + d] = ((fm.data[r * dim + d] as number) - (mean[d] as number)) / (std[d] as number);
    });
    return { x, y: Int32Array.from(idx, (i) => (inputs.items[i] as { label: number }).label), item: Int32Array.from(idx), count: idx.length };
  };
  const train = split(rows.train);
  const val = split(rows.validation);
  const test = split(rows.test);
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `transfer: ${t.model} layer ${t.layer} (${dim} features, frozen); dataset ${inputs.dataset.id}: ${train.count} train, ${val.count} validation, ${test.count} test; head ${p.hidden ? `${p.hidden} hidden units` : 'softmax regression'}`,
  });

  // Seeded initialisers: the same seed gives the same run.
  const layers: tf.layers.Layer[] = [];
  if (p.dropout > 0) layers.push(tf.layers.dropout({ rate: p.dropout, inputShape: [dim], seed: p.seed }));
  if (p.hidden > 0)
    layers.push(
      tf.layers.dense({
        units: p.hidden,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: p.seed }),
        ...(layers.length ? {} : { inputShape: [dim] }),
      }),
    );
  layers.push(
    tf.layers.dense({ units: k, kernelInitializer: tf.initializers.glorotUniform({ seed: p.seed + 1 }), ...(layers.length ? {} : { inputShape: [dim] }) }),
  );
  const model = tf.sequential({ layers });
  const optimizer = tf.train.adam(p.learningRate);
  const kernels = model.trainableWeights.filter((w) => /kernel/.test(w.originalName)).map((w) => w.read() as tf.Variable);
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const shuffle = new Rng(streamSeed(p.seed, 5));
  const stepsPerEpoch = Math.ceil(train.count / p.batchSize);
  let order: Int32Array = Int32Array.from({ length: train.count }, (_, i) => i);
  let best: tf.Tensor[] | null = null;
  let lastVal = { loss: NaN, accuracy: NaN };
  const summary: Record<string, number> = {};

  const batch = (s: Split, idx: ArrayLike<number>): { xs: tf.Tensor2D; ys: tf.Tensor2D } => {
    const x = new Float32Array(idx.length * dim);
    const y = new Float32Array(idx.length * k);
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i] as number;
      x.set(s.x.subarray(j * dim, (j + 1) * dim), i * dim);
      y[i * k + (s.y[j] as number)] = 1;
    }
    return { xs: tf.tensor2d(x, [idx.length, dim]), ys: tf.tensor2d(y, [idx.length, k]) };
  };
  const predict = (s: Split): { probs: Float32Array; loss: number; accuracy: number } => {
    if (s.count === 0) return { probs: new Float32Array(0), loss: NaN, accuracy: NaN };
    const { xs, ys } = batch(
      s,
      Int32Array.from({ length: s.count }, (_, i) => i),
    );
    const [probs, loss] = tf.tidy(() => {
      const out = model.predict(xs) as tf.Tensor;
      return [tf.softmax(out).dataSync() as Float32Array, tf.losses.softmaxCrossEntropy(ys, out).dataSync()[0] as number];
    });
    tf.dispose([xs, ys]);
    let correct = 0;
    for (let i = 0; i < s.count; i++) {
      let b = 0;
      for (let q = 1; q < k; q++) if ((probs[i * k + q] as number) > (probs[i * k + b] as number)) b = q;
      if (b === s.y[i]) correct++;
    }
    return { probs, loss, accuracy: correct / s.count };
  };

  const loop: TrainingLoop = new TrainingLoop(
    { ctx, epochs: p.epochs, stepsPerEpoch, patience: p.patience, startedAt: t0, better: (v, than) => v < than },
    {
      beginEpoch() {
        order = shuffle.shuffle(order);
      },
      async trainBatch(_e, b) {
        const idx = order.subarray(b * p.batchSize, Math.min(order.length, (b + 1) * p.batchSize));
        const { xs, ys } = batch(train, idx);
        const lossT = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const ce = tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar;
              return p.l2 > 0 ? (tf.add(ce, tf.mul(p.l2 / 2, tf.addN(kernels.map((w) => tf.sum(tf.square(w)))))) as tf.Scalar) : ce;
            }),
          true,
          varList,
        ) as tf.Scalar;
        const loss = (await lossT.data())[0] as number;
        tf.dispose([xs, ys, lossT]);
        return { loss, items: idx.length, weight: 1 };
      },
      evaluate(epoch, stats) {
        const v = predict(val);
        const tr = predict(train);
        lastVal = { loss: v.loss, accuracy: v.accuracy };
        const at = loop.step - 1;
        const meanLoss = stats.lossSum / Math.max(1, stats.batches);
        for (const [key, value] of [
          ['val_accuracy', v.accuracy],
          ['val_loss', v.loss],
          ['train_accuracy', tr.accuracy],
          ['epoch_loss', meanLoss],
        ] as const)
          loop.point(key, at, epoch, value);
        Object.assign(summary, { val_accuracy: v.accuracy, val_loss: v.loss, train_accuracy: tr.accuracy, loss: meanLoss, epochs: epoch });
        return v.loss;
      },
      epochDone(epoch, improved) {
        if (improved) {
          tf.dispose(best ?? []);
          best = varList.map((w) => tf.clone(w));
        }
        if (improved || epoch % 10 === 0 || epoch === p.epochs)
          ctx.emit({
            type: 'log',
            level: 'info',
            message: `epoch ${epoch}/${p.epochs}: loss ${(summary.loss as number).toFixed(4)}, validation accuracy ${(lastVal.accuracy * 100).toFixed(2)}% (loss ${lastVal.loss.toFixed(4)})${improved ? ' (best so far)' : ''}`,
          });
      },
      wantsCheckpoint: () => false,
      writeCheckpoint: () => false,
      divergedMessage: ({ step, loss }) => `training diverged at step ${step}: the loss is ${loss}`,
      earlyStop(epoch, b) {
        summary.stopped_early = 1;
        ctx.emit({
          type: 'log',
          level: 'info',
          message: `early stopping after epoch ${epoch}: validation loss has not improved for ${p.patience} epochs (best: epoch ${b?.epoch})`,
        });
      },
    },
  );

  try {
    const r = await loop.run();
    const outcome: TrainResult['outcome'] = r.stopped || r.divergedAt !== null ? 'stopped' : 'completed';
    const b = loop.best;
    if (best && b) {
      // The best epoch's head, for the test report.
      const saved: tf.Tensor[] = best;
      varList.forEach((w, i) => w.assign(saved[i] as tf.Tensor));
      Object.assign(summary, { best_epoch: b.epoch, best_val_loss: b.value });
    }
    if (outcome === 'completed' && test.count > 0) {
      const res = predict(test);
      const predicted = Array.from({ length: test.count }, (_, i) => {
        let q0 = 0;
        for (let q = 1; q < k; q++) if ((res.probs[i * k + q] as number) > (res.probs[i * k + q0] as number)) q0 = q;
        return q0;
      });
      const matrix = confusionMatrix(test.y, predicted, k);
      const mistakes: Mistake[] = [];
      predicted.forEach((q, i) => {
        const truth = test.y[i] as number;
        if (q === truth) return;
        const it = inputs.items[test.item[i] as number];
        mistakes.push({
          index: i,
          itemId: it?.id ?? null,
          path: it?.path ?? '',
          truth: inputs.labels[truth] ?? '',
          predicted: inputs.labels[q] ?? '',
          confidence: res.probs[i * k + q] as number,
        });
      });
      mistakes.sort((a, c) => c.confidence - a.confidence);
      const step = Math.max(0, loop.step - 1);
      const report: ConfusionReport = {
        split: 'test',
        count: test.count,
        accuracy: res.accuracy,
        loss: res.loss,
        labels: inputs.labels,
        matrix,
        perClass: perClassAccuracy(matrix, inputs.labels),
        epoch: r.lastEpochDone,
        step,
        mistakes: mistakes.slice(0, 200),
      };
      writeRunFile(path.join(ctx.runDir, 'confusion.json'), JSON.stringify(report));
      ctx.emit({
        type: 'artefact',
        kind: 'confusion',
        file: 'confusion.json',
        step,
        epoch: report.epoch,
        meta: { split: 'test', count: report.count, accuracy: report.accuracy, loss: report.loss },
      });
      loop.point('test_accuracy', step, report.epoch, report.accuracy);
      loop.point('test_loss', step, report.epoch, report.loss);
      loop.flush();
      Object.assign(summary, { test_accuracy: report.accuracy, test_loss: report.loss, test_images: report.count });
      ctx.emit({
        type: 'log',
        level: 'info',
        message: `test: accuracy ${(report.accuracy * 100).toFixed(2)}% on ${report.count} images; per class ${report.perClass.map((c) => `${c.label}: ${(c.accuracy * 100).toFixed(1)}%`).join(', ')}`,
      });
    }
    summary.steps = loop.step;
    summary.seconds = (performance.now() - t0) / 1000;
    return { outcome, summary };
  } finally {
    loop.flush();
    tf.dispose(best ?? []);
    model.dispose();
    optimizer.dispose();
  }
}
