/**
 * Training of LBL / MLBL-B / MLBL-F (MODELS.md, 2014 recipe by default) on an `image,caption`
 * CSV and, for the multimodal models, a feature file from src/engine/features.
 *
 * Reports through the TrainContext like trainLenet5Mnist: `loss` per step; per epoch
 * `val_perplexity` (the early-stopping criterion, also at epoch 0 before training), `epoch_loss`,
 * `words_per_s`, `learning_rate`, `momentum`; every `evalEvery` epochs `val_bleu1..4` and
 * retrieval (`val_t2i_r1/r5/r10/medr`, `val_i2t_...`); `sample` messages with greedy and sampled
 * captions for up to 8 fixed validation images every `sampleEvery` steps; checkpoints
 * (`checkpoint/`, the best validation perplexity so far) as artefacts. At the end the best
 * weights are evaluated on the test split (held out from training and from early stopping).
 * The loop (stop/pause, divergence, patience, resume points after their metrics) is the shared
 * TrainingLoop of ../train/loop-harness.ts; this file holds the language models' hooks.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defaultLearningRate, type LmParams } from '../../shared/lm-spec';
import { Vocab } from '../../shared/vocabulary';
import { Rng } from '../../shared/random';
import { TrainingLoop, type Best, type LoopOptions, type TrainContext } from '../train/loop-harness';
import { LmBatchStep } from './batch-step';
import { readFeatures, type FeatureMatrix } from '../features/feature-file';
import { buildInstances, excludeImagesOf, groupByImage, readCaptionsCsv, splitByImage, type ImageCaptions, type Instances } from './data';
import { readTransferSource, resolveInitDir, transferInitialValues } from './transfer';
import { mergeSplits, retrainOnAll } from './retrain';
import { applyFeatureNorm, fitFeatureNorm, foldFeatureNorm, unnormalize, type FeatureNorm } from './feature-norm';
import { bleuOnImages, perplexity, retrieval, sampleCaption, captionImage, type RetrievalResult } from './evaluate';
import type { Decoded } from './decode';
import { LmModel, type LmConfig } from './model';
import { Adam, KirosSgd, type Optimizer } from './optim';
import { readResumePoint, saveCheckpoint, writeResumePoint, type CheckpointFeatures, type LmLoopState } from './checkpoint';

export interface LmSplitData {
  images: ImageCaptions[];
  inst: Instances;
  /** [N, D] on the device (null for LBL). */
  features: tf.Tensor2D | null;
  /** Per image, its feature row (null for LBL). */
  rows: Float32Array[] | null;
}

export interface LmData {
  vocab: Vocab;
  train: LmSplitData;
  validation: LmSplitData;
  test: LmSplitData;
  D: number;
  /** Mean training feature as the model sees it (after featureNorm), null for LBL. */
  meanImage: Float32Array | null;
  /** The training-set feature normalisation the model sees its inputs through (folded into J in checkpoints). */
  featureNorm: FeatureNorm | null;
  featureInfo: CheckpointFeatures | null;
  missingFeatures: number;
}

/** Reads captions (and features), splits by image from the seed, builds the vocabulary from the training captions and the n-gram instances. */
export function prepareData(p: LmParams, log: (m: string) => void = () => {}): LmData {
  let images = groupByImage(readCaptionsCsv(p.captions));
  if (p.excludeImagesOf) {
    const ex = excludeImagesOf(images, p.excludeImagesOf);
    log(`excludeImagesOf: left out ${ex.excluded} of ${images.length} images (named in ${p.excludeImagesOf}, ${ex.named} images)`);
    if (ex.kept.length === 0) throw new Error(`excludeImagesOf: every image of ${p.captions} is named in ${p.excludeImagesOf}; nothing is left to train on`);
    images = ex.kept;
  }
  let fm: FeatureMatrix | null = null;
  let missing = 0;
  const needsImages = p.model !== 'lbl';
  if (needsImages) {
    if (!p.features) throw new Error(`${p.model} needs image features: set "features" to a feature header (.json) made by the feature extractor`);
    fm = readFeatures(p.features);
    const before = images.length;
    const rowOf = fm.rowOf;
    images = images.filter((im) => rowOf.has(im.image) || rowOf.has(path.basename(im.image)));
    missing = before - images.length;
    if (missing) log(`${missing} of ${before} images have no features in ${p.features}; they are left out`);
    if (images.length === 0) throw new Error(`no image of ${p.captions} has features in ${p.features}`);
  }
  const split = splitByImage(images, p.seed, p.validationFraction, p.testFraction);
  let train = split.train;
  if (p.trainLimit > 0) train = train.slice(0, p.trainLimit);
  let validation = split.validation;
  if (p.validationLimit > 0) validation = validation.slice(0, p.validationLimit);
  if (train.length === 0) throw new Error('the training split is empty');
  if (validation.length === 0) throw new Error('the validation split is empty: raise validationFraction');
  const vocab = Vocab.build(
    train.flatMap((im) => im.tokens),
    p.minCount,
  );
  const D = fm ? fm.header.dim : 0;
  let featureNorm: FeatureNorm | null = null;
  if (fm && p.featureNorm !== 'none') {
    if (!(p.h > 0)) throw new Error(`featureNorm=${p.featureNorm} needs the image hidden layer (h > 0): set featureNorm=none for h=0`);
    const m = fm;
    const trainRows = train.map((im) => {
      const r = m.rowOf.get(im.image) ?? (m.rowOf.get(path.basename(im.image)) as number);
      return m.data.subarray(r * D, (r + 1) * D);
    });
    featureNorm = fitFeatureNorm(p.featureNorm, trainRows, D);
    if (featureNorm) applyFeatureNorm(featureNorm, fm.data, D);
  }
  const rowsOf = (list: ImageCaptions[]): Float32Array[] | null => {
    if (!fm) return null;
    const m = fm;
    return list.map((im) => {
      const r = m.rowOf.get(im.image) ?? (m.rowOf.get(path.basename(im.image)) as number);
      return m.data.subarray(r * D, (r + 1) * D);
    });
  };
  const make = (list: ImageCaptions[]): LmSplitData => {
    const rows = rowsOf(list);
    let features: tf.Tensor2D | null = null;
    if (rows) {
      const flat = new Float32Array(rows.length * D);
      rows.forEach((r, i) => flat.set(r, i * D));
      features = tf.tensor2d(flat, [Math.max(0, rows.length), D]);
    }
    return { images: list, inst: buildInstances(list, vocab, p.contextSize), features, rows };
  };
  const trainData = make(train);
  let meanImage: Float32Array | null = null;
  if (trainData.rows) {
    meanImage = new Float32Array(D);
    for (const r of trainData.rows) for (let d = 0; d < D; d++) meanImage[d] = (meanImage[d] as number) + (r[d] as number) / trainData.rows.length;
  }
  return {
    vocab,
    train: trainData,
    validation: make(validation),
    test: make(split.test),
    D,
    meanImage,
    featureNorm,
    missingFeatures: missing,
    featureInfo:
      fm && p.features
        ? { header: path.resolve(p.features), model: fm.header.model, layer: fm.header.layer, dim: fm.header.dim, input: fm.header.input }
        : null,
  };
}

export function disposeData(d: LmData): void {
  for (const s of [d.train, d.validation, d.test]) s.features?.dispose();
}

export function modelConfig(p: LmParams, V: number, D: number): LmConfig {
  return { model: p.model, V, K: p.K, n: p.contextSize, D: p.model === 'lbl' ? 0 : D, h: p.h, F: p.factors, dropout: p.dropout };
}

function retrievalPoints(prefix: string, r: RetrievalResult): Record<string, number> {
  return {
    [`${prefix}_t2i_r1`]: r.textToImage.r1,
    [`${prefix}_t2i_r5`]: r.textToImage.r5,
    [`${prefix}_t2i_r10`]: r.textToImage.r10,
    [`${prefix}_t2i_medr`]: r.textToImage.medianRank,
    [`${prefix}_i2t_r1`]: r.imageToText.r1,
    [`${prefix}_i2t_r5`]: r.imageToText.r5,
    [`${prefix}_i2t_r10`]: r.imageToText.r10,
    [`${prefix}_i2t_medr`]: r.imageToText.medianRank,
  };
}

/** Sub-split of the first `limit` images (0 = all), with its own instances and feature tensor. */
function firstImages(s: LmSplitData, limit: number, vocab: Vocab, n: number): LmSplitData & { owned: boolean } {
  if (limit <= 0 || limit >= s.images.length) return { ...s, owned: false };
  const images = s.images.slice(0, limit);
  const rows = s.rows ? s.rows.slice(0, limit) : null;
  const features = s.features ? (tf.slice(s.features, [0, 0], [limit, -1]) as tf.Tensor2D) : null;
  return { images, rows, features, inst: buildInstances(images, vocab, n), owned: true };
}

export interface EvalResult {
  perplexity: number;
  bleu: number[];
  retrieval: RetrievalResult | null;
  captions: { image: string; words: string[] }[];
}

/** Perplexity on all of `s`; BLEU (beam) and retrieval on its first `images` images. */
export async function evaluateSplit(
  model: LmModel,
  vocab: Vocab,
  s: LmSplitData,
  meanImage: Float32Array | null,
  o: { images: number; beam: number; maxLength: number; bleu: boolean; retrieval: boolean; onImage?: (done: number, total: number) => void },
  pause?: () => Promise<void>,
): Promise<EvalResult> {
  const ppl = perplexity(model, s.inst, s.features).perplexity;
  const sub = firstImages(s, o.images, vocab, model.config.n);
  try {
    let bleu: number[] = [];
    let captions: { image: string; words: string[] }[] = [];
    if (o.bleu) {
      const b = await bleuOnImages(model, vocab, sub.images, sub.rows, { beam: o.beam, maxLength: o.maxLength }, pause, o.onImage);
      bleu = b.bleu;
      captions = b.captions;
    }
    let ret: RetrievalResult | null = null;
    if (o.retrieval && model.hasImage && sub.features && meanImage) {
      const mean = tf.tensor2d(meanImage, [1, meanImage.length]);
      ret = retrieval(model, sub.inst, sub.features, mean);
      mean.dispose();
    }
    return { perplexity: ppl, bleu, retrieval: ret, captions };
  } finally {
    if (sub.owned) sub.features?.dispose();
  }
}

function decodedData(vocab: Vocab, d: Decoded): { words: { word: string; p: number; top: { word: string; p: number }[] }[]; logProb: number } {
  return {
    words: d.words.map((w) => ({ word: vocab.word(w.id), p: w.p, top: w.top.map((a) => ({ word: vocab.word(a.id), p: a.p })) })),
    logProb: d.logProb,
  };
}

/** A fresh model from the seed, or one initialised from another run's checkpoint (`init`, transfer.ts). */
function createModel(p: LmParams, config: LmConfig, vocab: Vocab, runDir: string, log: (m: string) => void): LmModel {
  if (!p.init) return LmModel.create(config, p.seed);
  const dir = resolveInitDir(p.init, runDir);
  const t = transferInitialValues(config, vocab, p.seed, readTransferSource(dir));
  log(
    `init from ${dir}: ${t.report.matched} of ${t.report.words} words have its vectors and biases, ${t.report.contextBlocks} of ${config.n} context matrices copied${t.report.missing.length ? `; fresh vectors for e.g. ${t.report.missing.slice(0, 8).join(' ')}` : ''}`,
  );
  return new LmModel(config, t.values);
}

function makeOptimizer(p: LmParams, m: LmModel): Optimizer {
  const lr = defaultLearningRate(p);
  const decay = { words: p.decayWords, context: p.decayContext };
  return p.optimizer === 'adam'
    ? new Adam(m, { lr, lrDecay: p.lrDecay, decay })
    : new KirosSgd(m, {
        lr,
        gradient: p.sgdGradient,
        lrDecay: p.lrDecay,
        momentumStart: p.momentumStart,
        momentumEnd: p.momentumEnd,
        momentumEpochs: p.momentumEpochs,
        decay,
      });
}

interface PhaseContext {
  ctx: TrainContext;
  log: (message: string, level?: 'info' | 'warn' | 'error') => void;
  summary: Record<string, number>;
  pause: () => Promise<void>;
}

/**
 * The optional retrain phase (retrain.ts) after phase 1's early stopping: 'trained' leaves phase
 * 2's weights in the model; otherwise (stopped, diverged) the caller restores phase 1's best.
 */
async function retrainPhase(
  o: PhaseContext & {
    p: LmParams;
    model: LmModel;
    data: LmData;
    initialWeights: Map<string, Float32Array>;
    bestEpoch: number;
    bestTrainLoss: number;
    point: (epoch: number, loss: number) => void;
  },
): Promise<'trained' | 'stopped' | 'diverged'> {
  const { p, model, data, bestEpoch, bestTrainLoss, log } = o;
  const all = mergeSplits(data.train, data.validation, data.vocab, p.contextSize);
  const opt2 = makeOptimizer(p, model);
  const known = Number.isFinite(bestTrainLoss);
  log(
    `retrain: phase 2 on the training and validation images (${all.images.length} images, ${all.inst.count} words) from the same initial weights, ${known ? `until the training loss reaches ${bestTrainLoss.toFixed(4)} (phase 1's at its best epoch ${bestEpoch})` : `for ${bestEpoch} epochs (phase 1's best)`}`,
  );
  try {
    const r = await retrainOnAll({
      model,
      initial: o.initialWeights,
      optimizer: opt2,
      data: all,
      batchSize: p.batchSize,
      seed: p.seed,
      targetLoss: known ? bestTrainLoss : -Infinity,
      maxEpochs: known ? p.epochs : bestEpoch,
      stopRequested: o.ctx.stopRequested,
      pause: o.pause,
      onEpoch: (e, loss, wps) => {
        o.point(e, loss);
        log(`retrain epoch ${e}: loss ${loss.toFixed(4)}, ${wps.toFixed(0)} words/s`);
      },
    });
    if (r.stopped || r.diverged) {
      log(`retrain ${r.stopped ? 'stopped' : 'diverged'}: keeping phase 1's best weights (epoch ${bestEpoch})`, r.diverged ? 'warn' : 'info');
      return r.stopped ? 'stopped' : 'diverged';
    }
    Object.assign(o.summary, {
      retrain_epochs: r.epochs,
      retrain_loss: r.loss,
      retrain_words_per_s: r.words / Math.max(1e-9, r.seconds),
      retrain_seconds: r.seconds,
    });
    log(`retrain: done after ${r.epochs} epochs (loss ${r.loss.toFixed(4)}${r.reached ? '' : ', target not reached'}); the final model is phase 2's`);
    return 'trained';
  } finally {
    opt2.dispose();
    all.features?.dispose();
  }
}

/** The final model on the test split: perplexity, BLEU and retrieval into the summary, its captions as an artefact. */
async function testReport(model: LmModel, data: LmData, p: LmParams, o: PhaseContext & { step: number; bestEpoch: number }): Promise<void> {
  const { summary, bestEpoch } = o;
  // Beam decoding of the test images takes minutes on large sets: the run shows it as a phase with a count.
  const onImage = (done: number, total: number): void =>
    o.ctx.emit({ type: 'phase', name: 'decoding', label: 'Decoding test images for BLEU', unit: 'images', done, total });
  const r = await evaluateSplit(
    model,
    data.vocab,
    data.test,
    data.meanImage,
    { images: p.evalImages, beam: p.beam, maxLength: p.maxLength, bleu: true, retrieval: true, onImage },
    o.pause,
  );
  summary.test_perplexity = r.perplexity;
  r.bleu.forEach((v, i) => {
    summary[`test_bleu${i + 1}`] = v;
  });
  if (r.retrieval) Object.assign(summary, retrievalPoints('test', r.retrieval));
  const rel = 'test-captions.json';
  fs.writeFileSync(path.join(o.ctx.runDir, rel), JSON.stringify({ beam: p.beam, captions: r.captions }));
  o.ctx.emit({
    type: 'artefact',
    kind: 'captions',
    file: rel,
    step: o.step,
    epoch: bestEpoch,
    meta: { split: 'test', beam: p.beam, count: r.captions.length },
  });
  o.log(
    `test (best epoch ${bestEpoch}): perplexity ${r.perplexity.toFixed(2)}, BLEU-1..4 ${r.bleu.map((v) => v.toFixed(3)).join('/')}${r.retrieval ? `, text->image R@1/5/10 ${[r.retrieval.textToImage.r1, r.retrieval.textToImage.r5, r.retrieval.textToImage.r10].map((v) => (v * 100).toFixed(1)).join('/')}% medr ${r.retrieval.textToImage.medianRank}, image->text R@1/5/10 ${[r.retrieval.imageToText.r1, r.retrieval.imageToText.r5, r.retrieval.imageToText.r10].map((v) => (v * 100).toFixed(1)).join('/')}% medr ${r.retrieval.imageToText.medianRank}` : ''}`,
  );
}

export interface TrainLmResult {
  outcome: 'completed' | 'stopped';
  summary: Record<string, number>;
}

export async function trainLanguageModel(p: LmParams, ctx: TrainContext): Promise<TrainLmResult> {
  const t0 = performance.now();
  const wall = (): number => (performance.now() - t0) / 1000;
  const log = (message: string, level: 'info' | 'warn' | 'error' = 'info'): void => ctx.emit({ type: 'log', level, message });
  const data = prepareData(p, (m) => log(m, 'warn'));
  const { vocab } = data;
  const config = modelConfig(p, vocab.size, data.D);
  const model = createModel(p, config, vocab, ctx.runDir, log);
  const lr = defaultLearningRate(p);
  const optimizer = makeOptimizer(p, model);
  // The retrain phase starts again from these.
  const initialWeights = p.retrain ? model.values() : null;
  const train = data.train;
  const N = train.inst.count;
  const n = p.contextSize;
  const B = p.batchSize;
  const stepsPerEpoch = Math.ceil(N / B);
  log(
    `${p.model}: ${train.images.length} training images (${train.inst.captionCount} captions, ${N} words), ${data.validation.images.length} validation, ${data.test.images.length} test; vocabulary ${vocab.size} (minCount ${p.minCount}); K ${p.K}, n ${n}${config.model !== 'lbl' ? `, D ${config.D}, h ${config.h}` : ''}${config.model === 'mlbl-f' ? `, F ${config.F}` : ''}; ${model.size} parameters; ${p.optimizer} lr ${lr}, batch ${B}`,
  );

  // Seeded streams with their state in the open, so resume points can record them.
  const shuffleRng = new Rng(p.seed + 1);
  const dropRng = new Rng(p.seed + 2);
  const sampleRng = new Rng(p.seed + 3);
  const dropRand = (): number => dropRng.next();
  const sampleRand = (): number => sampleRng.next();
  const sampleImages = data.validation.images.slice(0, 8);
  const pause = (): Promise<void> => new Promise((r) => setImmediate(r));
  const batch = new LmBatchStep(model, optimizer, train, B);

  const emitSamples = (step: number, epoch: number): void => {
    sampleImages.forEach((im, i) => {
      const feat = data.validation.rows ? (data.validation.rows[i] as Float32Array) : null;
      const references = im.captions;
      const greedy = captionImage(model, vocab, feat, { beam: 1, maxLength: p.maxLength });
      const sampled = sampleCaption(model, vocab, feat, { maxLength: p.maxLength, temperature: 1, rand: sampleRand });
      for (const [kind, d] of [
        ['caption-greedy', greedy],
        ['caption-sample', sampled],
      ] as const) {
        ctx.emit({
          type: 'sample',
          step,
          epoch,
          kind,
          text: vocab.decode(d.ids).join(' '),
          data: {
            image: im.image,
            slot: i,
            method: kind === 'caption-greedy' ? 'greedy' : 'sample',
            temperature: kind === 'caption-greedy' ? 0 : 1,
            references,
            ...decodedData(vocab, d),
          },
        });
      }
    });
  };

  const checkpointDir = path.join(ctx.runDir, 'checkpoint');
  fs.mkdirSync(ctx.runDir, { recursive: true });
  const summary: Record<string, number> = { vocabulary: vocab.size, parameters: model.size, train_words: N };
  const evalOpts = { images: p.evalImages, beam: p.beam, maxLength: p.maxLength };

  /** Mean training loss of the best epoch (the retrain phase's target; unknown after a resume). */
  let bestTrainLoss = Number.NaN;
  let bestValues = model.values();
  let wordsTrained = 0;
  let trainSeconds = 0;
  let epochsRun = 0;
  // Resumed in place (pause/resume, crash recovery): the host names the resume point to continue from.
  const resumed = ctx.resumeFrom ? readResumePoint(ctx.resumeFrom) : null;
  let resume: LoopOptions['resume'];
  if (resumed) {
    const L = resumed.loop;
    if (!optimizer.importState) throw new Error(`resume: the ${p.optimizer} optimizer cannot restore its state`);
    model.setValues(resumed.values);
    optimizer.importState(resumed.optimizer);
    bestValues = resumed.bestValues;
    ({ wordsTrained, trainSeconds, epochsRun } = L);
    if (L.initialValPerplexity !== undefined) summary.initial_val_perplexity = L.initialValPerplexity;
    shuffleRng.state = L.rng.shuffle;
    dropRng.state = L.rng.drop;
    sampleRng.state = L.rng.sample;
    if (L.stepsPerEpoch !== stepsPerEpoch)
      throw new Error(`resume: the resume point has ${L.stepsPerEpoch} batches per epoch, this run ${stepsPerEpoch} (the data or batch size changed)`);
    // Early stopping had already decided (the run ended after this point): train no further.
    const decided = L.batchInEpoch === 0 && p.patience > 0 && L.sinceBest >= p.patience;
    resume = {
      step: L.step,
      epochsDone: decided ? Math.max(L.epoch, p.epochs) : L.epoch,
      batchInEpoch: L.batchInEpoch,
      lastCheckpointStep: L.step,
      stats: { lossSum: L.epochLoss, items: L.epochWords, batches: L.lossBatches, ms: L.epochMs },
      best: { value: L.best, epoch: L.bestEpoch },
      sinceBest: L.sinceBest,
    };
    log(
      `resumed from ${ctx.resumeFrom}: ${L.epoch} epochs${L.batchInEpoch ? ` and ${L.batchInEpoch} batches` : ''} done, next step ${L.step}; best validation perplexity ${L.best.toFixed(2)} (epoch ${L.bestEpoch})`,
    );
  }
  const initialPerplexity = resumed ? Number.NaN : perplexity(model, data.validation.inst, data.validation.features).perplexity;

  let order: Int32Array = new Int32Array(0);
  let shuffleAtEpochStart = shuffleRng.state;
  let epochLoss = 0;
  let epochLine: [string, string] = ['', ''];
  const bestOf = (): Best => loop.best as Best; // never null: the epoch-0 perplexity, or the resume point's best
  const loop: TrainingLoop = new TrainingLoop(
    {
      ctx,
      epochs: p.epochs,
      stepsPerEpoch,
      patience: p.patience,
      better: (value, than) => value < than,
      startedAt: t0,
      evaluateStoppedEpoch: true,
      resume,
      initialBest: resumed ? null : { value: initialPerplexity, epoch: 0 },
    },
    {
      beginEpoch() {
        shuffleAtEpochStart = shuffleRng.state;
        order = shuffleRng.permutation(N);
      },
      trainBatch: (_epoch, b) => batch.run(order, b, dropRand),
      afterBatch(epoch, b) {
        if (p.sampleEvery > 0 && loop.step % p.sampleEvery === 0) emitSamples(loop.step, epoch - 1 + (b + 1) / stepsPerEpoch);
      },
      async evaluate(epoch, stats, partial) {
        const seconds = stats.ms / 1000;
        wordsTrained += stats.items;
        trainSeconds += seconds;
        epochsRun = epoch;
        const e = partial ? epoch - 1 + stats.batches / stepsPerEpoch : epoch;
        const at = loop.step - 1;
        const st = optimizer.state();
        epochLoss = stats.lossSum / stats.items;
        const wps = stats.items / Math.max(1e-9, seconds);
        const valPpl = perplexity(model, data.validation.inst, data.validation.features).perplexity;
        loop.point('val_perplexity', at, e, valPpl);
        loop.point('epoch_loss', at, e, epochLoss);
        loop.point('train_perplexity', at, e, Math.exp(epochLoss));
        loop.point('words_per_s', at, e, wps);
        loop.point('learning_rate', at, e, st.lr);
        loop.point('momentum', at, e, st.momentum);
        Object.assign(summary, { val_perplexity: valPpl, loss: epochLoss, words_per_s: wps, epochs: e, steps: loop.step });
        let extra = '';
        if (p.evalEvery > 0 && epoch % p.evalEvery === 0 && !partial) {
          const r = await evaluateSplit(model, vocab, data.validation, data.meanImage, { ...evalOpts, bleu: true, retrieval: true }, pause);
          r.bleu.forEach((v, i) => loop.point(`val_bleu${i + 1}`, at, e, v));
          if (r.retrieval) for (const [k, v] of Object.entries(retrievalPoints('val', r.retrieval))) loop.point(k, at, e, v);
          extra = `, BLEU-1..4 ${r.bleu.map((v) => v.toFixed(3)).join('/')}${r.retrieval ? `, R@1/5/10 text->image ${[r.retrieval.textToImage.r1, r.retrieval.textToImage.r5, r.retrieval.textToImage.r10].map((v) => (v * 100).toFixed(1)).join('/')}%` : ''}`;
        }
        epochLine = [
          `epoch ${epoch}: loss ${epochLoss.toFixed(4)}, validation perplexity ${valPpl.toFixed(2)}`,
          `, ${wps.toFixed(0)} words/s, lr ${st.lr.toFixed(4)}, momentum ${st.momentum.toFixed(3)}${extra}`,
        ];
        return valPpl;
      },
      epochDone(epoch, improved) {
        if (improved) {
          bestValues = model.values();
          bestTrainLoss = epochLoss;
        }
        log(`${epochLine[0]}${improved ? ' (best)' : ''}${epochLine[1]}`);
        if (improved) saveBest(epoch);
        optimizer.endEpoch();
      },
      wantsCheckpoint: () => !!optimizer.exportState,
      writeCheckpoint(at) {
        const exportState = optimizer.exportState;
        if (!exportState) return true; // not reached: wantsCheckpoint is false without it
        const state: LmLoopState = {
          step: loop.step,
          epoch: at.epochsDone,
          batchInEpoch: at.batchInEpoch,
          stepsPerEpoch,
          rng: { shuffle: at.reason === 'stop' ? shuffleAtEpochStart : shuffleRng.state, drop: dropRng.state, sample: sampleRng.state },
          best: bestOf().value,
          bestEpoch: bestOf().epoch,
          sinceBest: loop.sinceBest,
          epochLoss: at.stats.lossSum,
          epochWords: at.stats.items,
          lossBatches: at.stats.batches,
          epochMs: at.stats.ms,
          wordsTrained,
          trainSeconds,
          epochsRun,
          initialValPerplexity: summary.initial_val_perplexity,
        };
        return writeResumePoint(ctx.runDir, (m) => ctx.emit(m), { loop: state, values: model.values(), bestValues, optimizer: exportState.call(optimizer) });
      },
      divergedMessage: ({ step, loss, cause, lastCheckpointStep }) =>
        `training diverged ${cause === 'loss' ? `at step ${step} (loss ${loss})` : `by step ${step}: the weights are no longer finite (NaN or infinity)`}; keeping the best weights (epoch ${bestOf().epoch})${lastCheckpointStep >= 0 ? ` and the last good resume point (step ${lastCheckpointStep})` : ''}`,
      earlyStop: () =>
        log(`early stopping: no better validation perplexity for ${p.patience} epochs (best ${bestOf().value.toFixed(2)} at epoch ${bestOf().epoch})`),
      poison: () => {
        tf.tidy(() => {
          for (const s of model.specs) model.p(s.name).assign(tf.fill(s.shape, Number.NaN));
        });
      },
    },
  );
  const saveBest = (epoch: number): void => {
    // Checkpoints take raw features: a feature normalisation is folded into J, b_j (feature-norm.ts).
    const norm = data.featureNorm;
    const meanImage = norm && data.meanImage ? unnormalize(norm, data.meanImage) : data.meanImage;
    const { value } = bestOf();
    saveCheckpoint(
      checkpointDir,
      model,
      vocab,
      { features: data.featureInfo, meanImage, epoch, step: loop.step, metrics: { val_perplexity: value }, params: { ...p } },
      norm ? foldFeatureNorm(config, bestValues, norm) : bestValues,
    );
    ctx.emit({
      type: 'artefact',
      kind: 'checkpoint',
      file: path.join('checkpoint', 'model.json'),
      step: loop.step,
      epoch,
      meta: { val_perplexity: value, epoch, model: p.model, vocabulary: vocab.size },
    });
  };
  if (!resumed) {
    loop.point('val_perplexity', 0, 0, initialPerplexity);
    summary.initial_val_perplexity = initialPerplexity;
    loop.flush();
    log(`epoch 0: validation perplexity ${initialPerplexity.toFixed(2)}`);
    if (p.sampleEvery > 0) emitSamples(0, 0);
  }

  const r = await loop.run();
  const diverged = r.divergedAt !== null;
  let outcome: TrainLmResult['outcome'] = r.stopped ? 'stopped' : 'completed';
  const step = loop.step;
  const { value: best, epoch: bestEpoch } = bestOf();
  if (bestEpoch === 0) saveBest(0);
  model.setValues(bestValues);
  Object.assign(summary, {
    best_val_perplexity: best,
    best_epoch: bestEpoch,
    diverged: diverged ? 1 : 0,
    epochs_run: epochsRun,
    steps: step,
    words_per_s_overall: wordsTrained / Math.max(1e-9, trainSeconds),
    train_seconds: trainSeconds,
  });
  if (p.retrain && initialWeights && outcome === 'completed' && !diverged && bestEpoch > 0) {
    const phase2 = await retrainPhase({
      p,
      model,
      data,
      initialWeights,
      bestEpoch,
      bestTrainLoss,
      ctx,
      log,
      summary,
      pause,
      point: (e, loss) => {
        loop.point('retrain_loss', step - 1 + e, bestEpoch + e, loss);
        loop.flush();
      },
    });
    if (phase2 === 'stopped') outcome = 'stopped';
    if (phase2 === 'trained') {
      bestValues = model.values();
      saveBest(bestEpoch);
    } else {
      model.setValues(bestValues);
    }
  }
  if (outcome === 'completed' && p.testAtEnd && data.test.images.length > 0) await testReport(model, data, p, { ctx, log, summary, pause, step, bestEpoch });
  summary.seconds = wall();
  optimizer.dispose();
  model.dispose();
  disposeData(data);
  return { outcome, summary };
}
