/**
 * The ConvNet trainer behind the lenet5-mnist and convnet presets: a layer stack built by
 * buildConvNet, trained with Adam or SGD with momentum, a per-epoch learning-rate schedule,
 * decoupled weight decay, seeded shuffling and augmentation, a validation split, early stopping,
 * checkpoints (every N epochs, the best one, and one at a stop) and resume. The loop itself
 * (stop/pause, divergence, patience, checkpoint order, metric flushing) is the shared
 * TrainingLoop of loop-harness.ts; this file holds the ConvNet's hooks.
 *
 * Emits: loss per step; per epoch val_loss, val_accuracy, train_accuracy, epoch_loss,
 * learning_rate, images_per_s; the first conv layer's filters per epoch ('filters' artefacts);
 * checkpoints ('checkpoint' artefacts, CheckpointMeta); at the end test_loss, test_accuracy and a
 * confusion matrix with per-class accuracy on the MNIST test split ('confusion' artefact).
 *
 * Reproducibility: with the same seed and backend the loss curve repeats exactly. Weights start
 * from seeded initialisers; the shuffle, augmentation and dropout streams are seeded PRNGs whose
 * states go into every checkpoint, so a resumed run draws what the uninterrupted run would have.
 * tfjs dropout seeds itself from Math.random, so Math.random is replaced by the dropout stream
 * while training (this process runs one run) and restored afterwards.
 *
 * Crash safety (the harness's): the metrics measured before a checkpoint are sent before its
 * artefact message (the host trusts a checkpoint only once it recorded that message;
 * src/main/runs/resume.ts); a pause always writes a checkpoint; a NaN or infinite loss, or
 * non-finite weights at checkpoint time, end the run with a 'diverged' message and no checkpoint
 * of those weights.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FilterSnapshot } from '../../shared/api';
import {
  confusionMatrix,
  learningRateAt,
  perClassAccuracy,
  resolveTrainingOptions,
  type CheckpointMeta,
  type CheckpointState,
  type ConfusionReport,
  type MonitorName,
  type TrainingOptions,
} from '../../shared/convnet-spec';
import type { LayerStack } from '../../shared/layer-spec';
import type { ClassifierInputState } from '../../shared/image-input';
import type { Mistake } from '../../shared/classifier-metrics';
import type { ConvNetTrainingParams } from '../../shared/run-spec';
import { batchTensors, range, type ImageSet } from '../data/image-set';
import { buildConvNet, findFirstConvLayerName } from '../models/convnet';
import {
  checkpointOptimizerName,
  loadModelWeights,
  loadOptimizerState,
  readCheckpointState,
  resolveCheckpointDir,
  saveCheckpoint,
  writeRunFile,
} from './checkpoint';
import { FusedAdamOptimizer } from './fused-adam';
import { Rng, streamSeed } from '../../shared/random';
import { TrainingLoop, type LoopOptions, type TrainContext } from './loop-harness';

export type { TrainContext } from './loop-harness';

export interface TrainResult {
  outcome: 'completed' | 'stopped';
  summary: Record<string, number>;
}

export interface ConvNetJob {
  /** The run preset, recorded in checkpoints. */
  preset: string;
  params: ConvNetTrainingParams;
  stack: LayerStack;
  /** Training images (already limited to trainLimit). */
  train: ImageSet;
  /** The test split: validation images when validationSplit is 0, and the final confusion matrix. */
  test: ImageSet;
  /** Digits: flips change the class, so augmentFlip gets a warning. */
  digits: boolean;
  /** The dataset's own validation split (dataset runs): validates each epoch unless validationSplit holds some training images out. */
  validation?: ImageSet;
  /** How the images were prepared (dataset runs), kept in checkpoints for eval and predict. */
  input?: ClassifierInputState;
  /** Dataset item paths by item index (dataset runs), for the mistakes list. */
  itemPaths?: { id: number; path: string }[];
}

const EVAL_CHUNK = 500;
const TRAIN_ACCURACY_IMAGES = 2000;

export async function trainConvNet(job: ConvNetJob, ctx: TrainContext): Promise<TrainResult> {
  const t0 = performance.now();
  const p = job.params;
  const o = resolveTrainingOptions(p);
  const { train, test } = job;
  const inputShape = [...train.shape];

  // ---- data: training / validation indices --------------------------------------------------
  let trainIdx: Int32Array;
  let val: { set: ImageSet; idx: Int32Array; what: string };
  if (o.validationSplit > 0) {
    const perm = new Rng(streamSeed(p.seed, 3)).shuffle(range(train.count));
    const nVal = Math.min(train.count - 1, Math.max(1, Math.round(train.count * o.validationSplit)));
    const valIdx = perm.slice(0, nVal).sort();
    trainIdx = perm.slice(nVal).sort();
    val = { set: train, idx: valIdx, what: `${nVal} held out from the training images (validationSplit ${o.validationSplit})` };
  } else if (job.validation) {
    trainIdx = range(train.count);
    const n = Math.min(p.validationLimit, job.validation.count);
    val = { set: job.validation, idx: range(n), what: `${n} from the dataset's validation split` };
  } else {
    trainIdx = range(train.count);
    const n = Math.min(p.validationLimit, test.count);
    val = { set: test, idx: range(n), what: `${n} from the test split` };
  }
  if (val.idx.length === 0) throw new Error('no validation images: the dataset has no validation split (re-split it) and validationSplit is 0');
  if (trainIdx.length === 0) throw new Error('no training images left');
  ctx.emit({ type: 'log', level: 'info', message: `data: ${trainIdx.length} training images, validation: ${val.what}` });
  if (o.augmentFlip && job.digits)
    ctx.emit({ type: 'log', level: 'warn', message: 'augmentFlip on digits: a mirrored digit is another symbol; flips are meant for non-digit data' });
  const augment =
    o.augmentShift > 0 || o.augmentFlip || o.augmentCrop > 0 || o.augmentBrightness > 0 || o.augmentContrast > 0
      ? { shift: o.augmentShift, flip: o.augmentFlip, crop: o.augmentCrop, brightness: o.augmentBrightness, contrast: o.augmentContrast }
      : null;

  // ---- model, optimizer, random streams -------------------------------------------------------
  const model = buildConvNet(inputShape, job.stack, p.seed);
  const lastActivation = finalActivation(job.stack);
  const optimizer: tf.Optimizer = p.optimizer === 'adam' ? new FusedAdamOptimizer(p.learningRate) : tf.train.momentum(p.learningRate, o.momentum);
  const shuffleRng = new Rng(p.seed);
  const augmentRng = new Rng(streamSeed(p.seed, 1));
  const dropoutRng = new Rng(streamSeed(p.seed, 2));
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = model.trainableWeights.filter((w) => /\/kernel$/.test(w.originalName)).map((w) => w.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(trainIdx.length / p.batchSize);

  // In place (the host resumes this very run): its own checkpoint; otherwise the spec's resumeFrom.
  const resumeFrom = ctx.resumeFrom || o.resumeFrom;
  const inPlace = !!ctx.resumeFrom;
  let resume: LoopOptions['resume'];
  if (resumeFrom) {
    const dir = resolveCheckpointDir(resumeFrom, ctx.runDir);
    const st = readCheckpointState(dir);
    if (JSON.stringify(st.inputShape) !== JSON.stringify(inputShape) || JSON.stringify(st.stack) !== JSON.stringify(job.stack)) {
      throw new Error(`resumeFrom: checkpoint ${dir} was trained with another layer stack or input shape`);
    }
    await loadModelWeights(dir, model);
    const restored = await loadOptimizerState(dir, optimizer);
    if (!restored)
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `resume: the checkpoint's optimizer is ${st.optimizer}, this run uses ${p.optimizer}; starting the optimizer state afresh`,
      });
    let skipBatches = st.batchInEpoch;
    if (skipBatches > 0 && st.stepsPerEpoch !== stepsPerEpoch) {
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `resume: the checkpoint stopped after batch ${skipBatches} of ${st.stepsPerEpoch}, but this run has ${stepsPerEpoch} batches per epoch (batch size or training images changed); epoch ${st.epoch + 1} starts over`,
      });
      skipBatches = 0;
    }
    shuffleRng.state = st.rng.shuffle;
    augmentRng.state = st.rng.augment;
    dropoutRng.state = st.rng.dropout;
    // A stop writes a checkpoint unless this run already has one at this step.
    resume = {
      step: st.steps,
      epochsDone: st.epoch,
      batchInEpoch: skipBatches,
      best: st.best,
      sinceBest: st.epochsWithoutImprovement,
      lastCheckpointStep: inPlace ? st.steps : -1,
    };
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `resumed from ${dir}: ${st.epoch} epochs${st.batchInEpoch ? ` and ${st.batchInEpoch} batches` : ''} done, next step ${st.steps}${restored ? `, ${st.optimizer} state restored` : ''}`,
    });
  }

  const savedRandom = Math.random;
  Math.random = () => dropoutRng.next();
  const summary: Record<string, number> = {};
  let lr = p.learningRate;
  let order = trainIdx;
  let shuffleAtEpochStart = shuffleRng.state;
  let validation: { loss: number; accuracy: number } = { loss: Number.NaN, accuracy: Number.NaN };

  const checkpointState = (epoch: number, batchInEpoch: number, shuffle: number): CheckpointState => ({
    version: 1,
    preset: job.preset,
    inputShape,
    stack: job.stack,
    optimizer: p.optimizer,
    steps: loop.step,
    epoch,
    batchInEpoch,
    stepsPerEpoch,
    rng: { shuffle, augment: augmentRng.state, dropout: dropoutRng.state },
    best: loop.best,
    epochsWithoutImprovement: loop.sinceBest,
    learningRate: lr,
    params: { ...p },
    writtenAt: Date.now(),
    ...(job.input ? { input: job.input } : {}),
  });

  const loop: TrainingLoop = new TrainingLoop(
    {
      ctx,
      epochs: p.epochs,
      stepsPerEpoch,
      patience: o.patience,
      startedAt: t0,
      resume,
      better: (value, than) => better(o.monitor, value, than),
    },
    {
      beginEpoch(epoch) {
        lr = learningRateAt(p.learningRate, o, epoch, p.epochs);
        setLearningRate(optimizer, lr);
        shuffleAtEpochStart = shuffleRng.state;
        order = shuffleRng.shuffle(trainIdx);
      },
      async trainBatch(_epoch, b) {
        const idx = order.subarray(b * p.batchSize, Math.min(order.length, (b + 1) * p.batchSize));
        const { xs, ys } = batchTensors(train, idx, augment ? { options: augment, rand: augmentRng } : undefined);
        const lossT = optimizer.minimize(() => lossOf(ys, model.apply(xs, { training: true }) as tf.Tensor, lastActivation), true, varList) as tf.Scalar;
        if (o.weightDecay > 0) {
          const keep = 1 - lr * o.weightDecay;
          tf.tidy(() => {
            for (const k of kernels) k.assign(tf.mul(k, keep));
          });
        }
        const loss = (await lossT.data())[0] as number;
        tf.dispose([xs, ys, lossT]);
        // epoch_loss is the mean over batches (weight 1), not over images.
        return { loss, items: idx.length, weight: 1 };
      },
      evaluate(epoch, stats) {
        const ips = stats.items / Math.max(1e-9, stats.ms / 1000);
        const v = evaluate(model, val.set, val.idx, lastActivation);
        const trainAcc = evaluate(model, train, trainIdx.subarray(0, Math.min(trainIdx.length, TRAIN_ACCURACY_IMAGES)), lastActivation).accuracy;
        const meanLoss = stats.lossSum / Math.max(1, stats.batches);
        const at = loop.step - 1;
        for (const [key, value] of [
          ['val_accuracy', v.accuracy],
          ['val_loss', v.loss],
          ['train_accuracy', trainAcc],
          ['epoch_loss', meanLoss],
          ['images_per_s', ips],
          ['learning_rate', lr],
        ] as const)
          loop.point(key, at, epoch, value);
        Object.assign(summary, {
          val_accuracy: v.accuracy,
          val_loss: v.loss,
          train_accuracy: trainAcc,
          loss: meanLoss,
          images_per_s: ips,
          learning_rate: lr,
          epochs: epoch,
        });
        validation = v;
        return o.monitor === 'val_loss' ? v.loss : v.accuracy;
      },
      epochDone(epoch, improved) {
        ctx.emit({
          type: 'log',
          level: 'info',
          message: `epoch ${epoch}/${p.epochs}: loss ${(summary.loss as number).toFixed(4)}, validation accuracy ${(validation.accuracy * 100).toFixed(2)}% (loss ${validation.loss.toFixed(4)}), lr ${formatLr(lr)}, ${(summary.images_per_s as number).toFixed(0)} images/s${improved ? ' (best so far)' : ''}`,
        });
        // The filter snapshot goes before the checkpoint: a run resumed from this checkpoint has it.
        snapshotFilters(model, epoch, loop.step - 1, ctx);
      },
      epochCut(_epoch, stats) {
        if (stats.batches) summary.loss = stats.lossSum / stats.batches;
      },
      wantsCheckpoint: (at) =>
        at.reason === 'stop'
          ? o.checkpointEvery > 0 || at.pausing
          : o.checkpointEvery > 0 && (at.improved || at.epochsDone % o.checkpointEvery === 0 || at.epochsDone === p.epochs),
      async writeCheckpoint(at) {
        if (!weightsFinite(varList)) return false;
        const stop = at.reason === 'stop';
        const state = checkpointState(at.epochsDone, at.batchInEpoch, stop ? shuffleAtEpochStart : shuffleRng.state);
        const name = stop ? `step-${String(loop.step).padStart(7, '0')}` : `epoch-${String(at.epochsDone).padStart(4, '0')}`;
        const meta = stop
          ? { reason: 'stop' as const, best: false }
          : { reason: 'epoch' as const, best: at.improved, val_loss: validation.loss, val_accuracy: validation.accuracy };
        const rel = path.join('checkpoints', name);
        await saveCheckpoint({ dir: path.join(ctx.runDir, rel), model, optimizer, state });
        const full: CheckpointMeta = {
          epoch: state.epoch,
          steps: state.steps,
          monitor: o.monitor,
          optimizer: checkpointOptimizerName(optimizer),
          dir: rel,
          ...meta,
        };
        if (meta.best) writeRunFile(path.join(ctx.runDir, 'checkpoints', 'best.json'), JSON.stringify(full));
        ctx.emit({
          type: 'artefact',
          kind: 'checkpoint',
          file: path.join(rel, 'model.json'),
          step: Math.max(0, loop.step - 1),
          epoch: state.epoch,
          meta: { ...full },
        });
        return true;
      },
      divergedMessage: ({ step, loss, cause, lastCheckpointStep }) =>
        `training diverged at step ${step}: ${cause === 'loss' ? `the loss is ${loss}` : 'the weights are no longer finite (NaN or infinity)'}; stopped, the last good checkpoint is kept${lastCheckpointStep >= 0 ? ` (step ${lastCheckpointStep})` : ' (none was written)'}`,
      earlyStop(epoch, best) {
        summary.stopped_early = 1;
        ctx.emit({
          type: 'log',
          level: 'info',
          message: `early stopping after epoch ${epoch}: ${o.monitor} has not improved for ${o.patience} epochs (best: epoch ${best?.epoch})`,
        });
      },
      poison: () => {
        tf.tidy(() => {
          for (const v of varList) v.assign(tf.fill(v.shape, Number.NaN));
        });
      },
    },
  );

  try {
    const startEpoch = loop.startEpoch;
    // Resumed in place, the run already has the snapshot of the epoch it resumes from.
    if (!inPlace) snapshotFilters(model, startEpoch - 1, Math.max(0, loop.step - 1), ctx);
    if (startEpoch > p.epochs)
      ctx.emit({ type: 'log', level: 'info', message: `nothing to train: the checkpoint has ${startEpoch - 1} epochs, epochs is ${p.epochs}` });

    const r = await loop.run();
    const outcome: TrainResult['outcome'] = r.stopped || r.divergedAt !== null ? 'stopped' : 'completed';
    if (r.divergedAt !== null) summary.diverged_at_step = r.divergedAt;
    const best = loop.best;
    if (best) Object.assign(summary, { best_epoch: best.epoch, [`best_${o.monitor}`]: best.value });
    if (outcome === 'completed' && o.testLimit > 0 && test.count > 0) {
      const step = loop.step;
      const report = testReport(model, test, o.testLimit, lastActivation, r.lastEpochDone, Math.max(0, step - 1), job.itemPaths);
      const rel = 'confusion.json';
      writeRunFile(path.join(ctx.runDir, rel), JSON.stringify(report));
      ctx.emit({
        type: 'artefact',
        kind: 'confusion',
        file: rel,
        step: report.step,
        epoch: report.epoch,
        meta: { split: 'test', count: report.count, accuracy: report.accuracy, loss: report.loss },
      });
      loop.point('test_accuracy', report.step, report.epoch, report.accuracy);
      loop.point('test_loss', report.step, report.epoch, report.loss);
      loop.flush();
      summary.test_accuracy = report.accuracy;
      summary.test_loss = report.loss;
      summary.test_images = report.count;
      let worst = report.perClass[0];
      for (const c of report.perClass) if (worst && c.count > 0 && c.accuracy < worst.accuracy) worst = c;
      if (worst) summary.test_worst_class_accuracy = worst.accuracy;
      ctx.emit({
        type: 'log',
        level: 'info',
        message: `test: accuracy ${(report.accuracy * 100).toFixed(2)}% on ${report.count} images; per class ${report.perClass.map((c) => `${c.label}: ${(c.accuracy * 100).toFixed(1)}%`).join(', ')}`,
      });
    }
    summary.steps = loop.step;
    summary.images_per_s_overall = loop.totals.items / Math.max(1e-9, loop.totals.ms / 1000);
    summary.seconds = (performance.now() - t0) / 1000;
    return { outcome, summary };
  } finally {
    // Whatever ended the run (an error included), the points measured so far reach the host.
    loop.flush();
    Math.random = savedRandom;
    model.dispose();
    optimizer.dispose();
  }
}

/** True when every weight is a finite number (read back at checkpoint time only; every backend can do this). */
export function weightsFinite(vars: readonly tf.Variable[]): boolean {
  return vars.every((v) => {
    const d = v.dataSync();
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i] as number)) return false;
    return true;
  });
}

function better(monitor: MonitorName, value: number, than: number): boolean {
  return monitor === 'val_loss' ? value < than : value > than;
}

function formatLr(lr: number): string {
  return lr >= 0.001 ? String(Number(lr.toPrecision(4))) : lr.toExponential(2);
}

/** The activation of the stack's last layer that has one (dense or conv). */
function finalActivation(stack: LayerStack): string {
  for (let i = stack.length - 1; i >= 0; i--) {
    const l = stack[i];
    if (l && 'activation' in l) return l.activation;
  }
  return 'linear';
}

/** Mean cross-entropy: on logits (the usual linear last layer) or on a softmax layer's probabilities. */
function lossOf(ys: tf.Tensor, out: tf.Tensor, lastActivation: string): tf.Scalar {
  if (lastActivation === 'softmax') {
    return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(out, 1e-7, 1))), -1))) as tf.Scalar);
  }
  return tf.losses.softmaxCrossEntropy(ys, out) as tf.Scalar;
}

/** Accuracy, mean loss and the predicted classes of the images at `idx`, in chunks. */
export function evaluate(
  model: tf.LayersModel,
  set: ImageSet,
  idx: Int32Array,
  lastActivation: string,
): { accuracy: number; loss: number; predicted: Int32Array; confidence: Float32Array } {
  const predicted = new Int32Array(idx.length);
  const confidence = new Float32Array(idx.length);
  let correct = 0;
  let lossSum = 0;
  for (let s = 0; s < idx.length; s += EVAL_CHUNK) {
    const part = idx.subarray(s, Math.min(idx.length, s + EVAL_CHUNK));
    const { xs, ys } = batchTensors(set, part);
    const [pred, conf, hits, loss] = tf.tidy(() => {
      const out = model.predict(xs) as tf.Tensor;
      const p = tf.argMax(out, 1);
      const probs = lastActivation === 'softmax' ? out : tf.softmax(out);
      return [
        p.dataSync(),
        tf.max(probs, 1).dataSync(),
        tf.equal(p, tf.argMax(ys, 1)).sum().dataSync()[0] as number,
        (lossOf(ys, out, lastActivation).dataSync()[0] as number) * part.length,
      ];
    });
    tf.dispose([xs, ys]);
    predicted.set(pred as Int32Array, s);
    confidence.set(conf as Float32Array, s);
    correct += hits;
    lossSum += loss;
  }
  return { accuracy: correct / Math.max(1, idx.length), loss: lossSum / Math.max(1, idx.length), predicted, confidence };
}

function testReport(
  model: tf.LayersModel,
  test: ImageSet,
  limit: number,
  lastActivation: string,
  epoch: number,
  step: number,
  itemPaths?: { id: number; path: string }[],
): ConfusionReport {
  const idx = range(Math.min(limit, test.count));
  const r = evaluate(model, test, idx, lastActivation);
  const truth = Array.from(idx, (j) => test.labels[j] as number);
  const matrix = confusionMatrix(truth, r.predicted, test.classes);
  let mistakes: Mistake[] | undefined;
  if (itemPaths) {
    mistakes = [];
    for (let i = 0; i < idx.length; i++) {
      if (r.predicted[i] === truth[i]) continue;
      const src = itemPaths[test.source ? (test.source[i] as number) : i];
      mistakes.push({
        index: i,
        itemId: src?.id ?? null,
        path: src?.path ?? '',
        truth: test.labelNames[truth[i] as number] ?? '',
        predicted: test.labelNames[r.predicted[i] as number] ?? '',
        confidence: r.confidence[i] as number,
      });
    }
    mistakes.sort((a, b) => b.confidence - a.confidence);
    mistakes = mistakes.slice(0, 200);
  }
  return {
    ...(mistakes ? { mistakes } : {}),
    split: 'test',
    count: idx.length,
    accuracy: r.accuracy,
    loss: r.loss,
    labels: test.labelNames,
    matrix,
    perClass: perClassAccuracy(matrix, test.labelNames),
    epoch,
    step,
  };
}

/** tfjs optimizers keep the rate in different places: SGD/momentum have setLearningRate, Adam reads a field each step. */
export function setLearningRate(o: tf.Optimizer, lr: number): void {
  const withSetter = o as unknown as { setLearningRate?: (lr: number) => void };
  if (typeof withSetter.setLearningRate === 'function') withSetter.setLearningRate(lr);
  else (o as unknown as { learningRate: number }).learningRate = lr;
}

/** First conv layer's kernels, each normalised to [0,1] on its own, written as a JSON artefact (conv1d kernels as 1 x k). */
export function snapshotFilters(model: tf.LayersModel, epoch: number, step: number, ctx: TrainContext): void {
  const name = findFirstConvLayerName(model);
  if (name === null) return;
  const layer = model.getLayer(name);
  const kernel = layer.getWeights()[0];
  if (!kernel) return;
  const shape = kernel.shape.length === 3 ? [1, ...kernel.shape] : kernel.shape;
  const [kh = 0, kw = 0, cin = 0, cout = 0] = shape;
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
  writeRunFile(path.join(ctx.runDir, rel), JSON.stringify(snap));
  ctx.emit({ type: 'artefact', kind: 'filters', file: rel, step, epoch, meta: { layer: layer.name, count: cout, kernel: [kh, kw], channels: cin } });
}

export type { TrainingOptions };
