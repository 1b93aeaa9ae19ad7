/**
 * The ConvNet trainer for real, in this process, on small MNIST subsets: reproducible loss curves,
 * resume (after an epoch and after a stop mid-epoch) continuing steps and optimizer state exactly,
 * the learning-rate schedule, early stopping, checkpoints loadable by tfjs, the test confusion
 * matrix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointMeta, ConfusionReport } from '../../shared/convnet-spec';
import type { EngineToHost } from '../../shared/engine-protocol';
import { ConvNetParams, LeNet5MnistParams } from '../../shared/run-spec';
import { selectBackend } from '../backend';
import { mnistSet } from '../data/image-set';
import { fileSystemIO } from './checkpoint';
import { trainConvNetMnist, trainLenet5Mnist } from './lenet5-mnist';

const dirs: string[] = [];
let backend = '';
beforeAll(async () => {
  backend = (await selectBackend('auto')).backend;
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Captured {
  runDir: string;
  messages: EngineToHost[];
  points(key: string): { step: number; epoch: number; value: number }[];
  artefacts(kind: string): Extract<EngineToHost, { type: 'artefact' }>[];
  logs(): string[];
}

function capture(runDir?: string): Captured & { emit(m: EngineToHost): void } {
  const dir = runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-cn-'));
  if (!runDir) dirs.push(dir);
  const messages: EngineToHost[] = [];
  return {
    runDir: dir,
    messages,
    emit: (m) => {
      messages.push(m);
    },
    points: (key) => messages.flatMap((m) => (m.type === 'metrics' ? m.points.filter((p) => p.key === key) : [])),
    artefacts: (kind) => messages.filter((m): m is Extract<EngineToHost, { type: 'artefact' }> => m.type === 'artefact' && m.kind === kind),
    logs: () => messages.flatMap((m) => (m.type === 'log' ? [m.message] : [])),
  };
}

/** 256 training images in batches of 32: 8 steps per epoch. */
const base = { trainLimit: 256, batchSize: 32, validationLimit: 100, testLimit: 0, epochs: 1 };

async function train(params: Record<string, unknown>, opts: { stopAfterSteps?: number; runDir?: string } = {}) {
  const c = capture(opts.runDir);
  const p = LeNet5MnistParams.parse({ ...base, ...params });
  // The trainer asks once before every batch: the (n+1)-th question comes after n steps.
  let asked = 0;
  const result = await trainLenet5Mnist(p, {
    emit: c.emit,
    stopRequested: () => opts.stopAfterSteps !== undefined && ++asked > opts.stopAfterSteps,
    runDir: c.runDir,
  });
  return { ...c, result, losses: c.points('loss').map((pt) => pt.value), steps: c.points('loss').map((pt) => pt.step) };
}

describe('ConvNet trainer on MNIST subsets', () => {
  it('repeats the loss curve exactly for the same seed and backend (shuffle, shifts, validation split), and not for another seed', async () => {
    const opts = { seed: 7, augmentShift: 2, validationSplit: 0.125, checkpointEvery: 0 };
    const before = tf.memory().numTensors;
    const a = await train(opts);
    expect(tf.memory().numTensors).toBe(before); // model, optimizer and every batch disposed
    const b = await train(opts);
    const c = await train({ ...opts, seed: 8 });
    expect(a.result.outcome).toBe('completed');
    expect(a.losses).toHaveLength(7); // 256 - 32 held out = 224 images = 7 batches
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(b.losses).toEqual(a.losses);
    expect(c.losses).not.toEqual(a.losses);
    expect(a.logs().some((l) => /224 training images, validation: 32 held out/.test(l))).toBe(true);
    expect(a.artefacts('checkpoint')).toHaveLength(0);
  }, 60_000);

  it('resumes after an epoch and after a stop mid-epoch: steps continue without gaps or duplicates, Adam state restored, same losses as an uninterrupted run', async () => {
    const opts = { seed: 3, optimizer: 'adam', learningRate: 0.002, augmentShift: 1 };
    const whole = await train({ ...opts, epochs: 2 });
    expect(whole.steps).toEqual([...Array(16).keys()]);

    // Stop after epoch 1 (epochs: 1), resume to 2 epochs from the run folder.
    const first = await train({ ...opts, epochs: 1 });
    const ck = first.artefacts('checkpoint');
    expect(ck.map((a) => (a.meta as unknown as CheckpointMeta).epoch)).toEqual([1]);
    expect(fs.existsSync(path.join(first.runDir, 'checkpoints', 'epoch-0001', 'optimizer.bin'))).toBe(true);
    const resumed = await train({ ...opts, epochs: 2, resumeFrom: first.runDir });
    expect(first.steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(resumed.steps).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(resumed.losses).toEqual(whole.losses.slice(8));
    expect(resumed.logs().some((l) => /resumed from .*epoch-0001.*next step 8, adam state restored/.test(l))).toBe(true);

    // Stop in the middle of epoch 2 (after step 10), resume from the stop checkpoint.
    const stopped = await train({ ...opts, epochs: 2 }, { stopAfterSteps: 11 });
    expect(stopped.result.outcome).toBe('stopped');
    expect(stopped.steps).toEqual([...Array(11).keys()]);
    const stopCk = stopped.artefacts('checkpoint').map((a) => a.meta as unknown as CheckpointMeta);
    expect(stopCk.at(-1)).toMatchObject({ reason: 'stop', steps: 11, epoch: 1 });
    const rest = await train({ ...opts, epochs: 2, resumeFrom: stopped.runDir });
    expect(rest.steps).toEqual([11, 12, 13, 14, 15]);
    expect([...stopped.losses, ...rest.losses]).toEqual(whole.losses);
  }, 60_000);

  it('restores SGD momentum too, with a step schedule and weight decay; learning_rate per epoch follows the schedule', async () => {
    const opts = {
      seed: 5,
      optimizer: 'sgd',
      learningRate: 0.05,
      momentum: 0.9,
      lrSchedule: 'step',
      lrStepEpochs: 1,
      lrGamma: 0.5,
      weightDecay: 0.01,
      trainLimit: 128,
    };
    const whole = await train({ ...opts, epochs: 3 });
    expect(whole.points('learning_rate').map((p) => p.value)).toEqual([0.05, 0.025, 0.0125]);
    const first = await train({ ...opts, epochs: 1 });
    const resumed = await train({ ...opts, epochs: 3, resumeFrom: path.join(first.runDir, 'checkpoints', 'epoch-0001') });
    expect(resumed.steps).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(resumed.losses).toEqual(whole.losses.slice(4));
    expect(resumed.points('learning_rate').map((p) => p.value)).toEqual([0.025, 0.0125]);
    // Without the momentum slots (a fresh optimizer), the curve differs: the test above can fail.
    const adamResume = await train({ ...opts, epochs: 2, optimizer: 'adam', resumeFrom: first.runDir });
    expect(adamResume.logs().some((l) => /starting the optimizer state afresh/.test(l))).toBe(true);
    expect(adamResume.losses).not.toEqual(whole.losses.slice(4, 8));
  }, 60_000);

  it('stops early when the monitored metric stops improving, keeps the best checkpoint, and writes loadable tfjs checkpoints', async () => {
    // A learning rate too small to change the validation accuracy: no improvement after epoch 1.
    const r = await train({ seed: 2, optimizer: 'sgd', momentum: 0, learningRate: 1e-12, epochs: 6, patience: 2, monitor: 'val_accuracy', trainLimit: 64 });
    expect(r.result.outcome).toBe('completed');
    expect(r.result.summary.epochs).toBe(3);
    expect(r.result.summary.stopped_early).toBe(1);
    expect(r.result.summary.best_epoch).toBe(1);
    expect(r.steps).toHaveLength(6);
    const metas = r.artefacts('checkpoint').map((a) => a.meta as unknown as CheckpointMeta);
    expect(metas.map((m) => [m.epoch, m.best])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    const bestPointer = JSON.parse(fs.readFileSync(path.join(r.runDir, 'checkpoints', 'best.json'), 'utf8')) as CheckpointMeta;
    expect(bestPointer).toMatchObject({ epoch: 1, best: true, dir: path.join('checkpoints', 'epoch-0001') });

    // The checkpoint is the TF.js layers format: tf.loadLayersModel reads it back.
    const loaded = await tf.loadLayersModel(fileSystemIO(path.join(r.runDir, 'checkpoints', 'epoch-0003')));
    expect(loaded.layers.map((l) => l.name)).toContain('conv2d_2');
    const out = loaded.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor;
    expect(out.shape).toEqual([1, 10]);
    tf.dispose(out);
    loaded.dispose();
  }, 60_000);

  it('learns: the convnet preset on 1000 images reaches > 75% test accuracy in 2 epochs, with a confusion matrix over the test images', async () => {
    const c = capture();
    const p = ConvNetParams.parse({
      stack: 'lenet5',
      trainLimit: 1000,
      batchSize: 32,
      epochs: 2,
      learningRate: 0.003,
      validationLimit: 200,
      testLimit: 500,
      seed: 1,
      checkpointEvery: 0,
    });
    const r = await trainConvNetMnist(p, { emit: c.emit, stopRequested: () => false, runDir: c.runDir });
    const [conf] = c.artefacts('confusion');
    expect(conf?.file).toBe('confusion.json');
    const report = JSON.parse(fs.readFileSync(path.join(c.runDir, 'confusion.json'), 'utf8')) as ConfusionReport;
    expect(report.count).toBe(500);
    expect(report.matrix.flat().reduce((a, b) => a + b, 0)).toBe(500);
    const diag = report.matrix.reduce((s, row, i) => s + (row[i] ?? 0), 0);
    expect(report.accuracy).toBeCloseTo(diag / 500, 10);
    expect(report.perClass.map((k) => k.count).reduce((a, b) => a + b, 0)).toBe(500);
    const test = mnistSet('t10k', 500);
    for (let k = 0; k < 10; k++) expect(report.perClass[k]?.count).toBe(Array.from(test.labels).filter((l) => l === k).length);
    expect(r.summary.test_accuracy).toBe(report.accuracy);
    expect(report.accuracy).toBeGreaterThan(0.75);
    expect(c.points('test_accuracy')).toHaveLength(1);
    expect(c.points('images_per_s')).toHaveLength(2);
    expect(c.points('images_per_s').every((pt) => pt.value > 0)).toBe(true);
    console.log(
      `[convnet-trainer.test] ${backend}: LeNet-5, 1000 images x 2 epochs: test accuracy ${(report.accuracy * 100).toFixed(1)}% on 500, ${r.summary.images_per_s_overall?.toFixed(0)} images/s`,
    );
  }, 60_000);
});
