/**
 * Language-model checkpoints: `<dir>/model.json` (config, vocabulary, feature extractor, metrics
 * and a TF.js-style weightsManifest) + `<dir>/weights.bin` (every parameter, float32
 * little-endian, in manifest order). The vocabulary travels with the weights, so a checkpoint
 * decodes the same way forever. `<dir>/manifest.json` (every file's size and sha256, written last;
 * ../checkpoint-manifest.ts) lets every reader tell a damaged checkpoint from a sound one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Vocab, type VocabJson } from '../../shared/vocabulary';
import { checkpointDamage, lmResumeLegacySizes, modelLegacySizes, removeManifest, verifyCheckpoint, writeManifest } from '../checkpoint-manifest';
import { checkDiskFault } from '../faults';
import { LmModel, paramSpecs, type LmConfig } from './model';

export interface CheckpointFeatures {
  /** The feature header the run trained on, and the extractor that made it. */
  header: string;
  model: string;
  layer: string;
  dim: number;
  /** The extractor's input preprocessing (from the feature header), to extract new images the same way. */
  input: { width: number; height: number; scale: number; offset: number; resize: string };
}

export interface CheckpointMeta {
  format: 'mlbl-lm-checkpoint';
  version: 1;
  config: LmConfig;
  vocabulary: VocabJson;
  features: CheckpointFeatures | null;
  /** Mean training feature (for image -> text retrieval's normalisation), null for LBL. */
  meanImage: number[] | null;
  epoch: number;
  step: number;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
  savedAt: number;
}

export function saveCheckpoint(
  dir: string,
  model: LmModel,
  vocab: Vocab,
  info: {
    features: CheckpointFeatures | null;
    meanImage: Float32Array | null;
    epoch: number;
    step: number;
    metrics: Record<string, number>;
    params: Record<string, unknown>;
  },
  values: Map<string, Float32Array> = model.values(),
): CheckpointMeta {
  fs.mkdirSync(dir, { recursive: true });
  const specs = paramSpecs(model.config);
  const total = specs.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  const buf = Buffer.alloc(total * 4);
  let off = 0;
  for (const s of specs) {
    const v = values.get(s.name);
    if (!v) throw new Error(`checkpoint: missing ${s.name}`);
    for (let i = 0; i < v.length; i++) buf.writeFloatLE(v[i] as number, (off + i) * 4);
    off += v.length;
  }
  const meta: CheckpointMeta = {
    format: 'mlbl-lm-checkpoint',
    version: 1,
    config: model.config,
    vocabulary: vocab.toJSON(),
    features: info.features,
    meanImage: info.meanImage ? Array.from(info.meanImage) : null,
    epoch: info.epoch,
    step: info.step,
    metrics: info.metrics,
    params: info.params,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' as const })) }],
    savedAt: Date.now(),
  };
  // The folder is rewritten in place: its old manifest goes first (a crash midway leaves a folder
  // checked by sizes, never a manifest describing other files); weights, then model.json, then
  // the new manifest (a reader never sees a model.json without its weights).
  removeManifest(dir);
  const tmpW = path.join(dir, `weights.bin.tmp-${process.pid}`);
  fs.writeFileSync(tmpW, buf);
  fs.renameSync(tmpW, path.join(dir, 'weights.bin'));
  const tmpM = path.join(dir, `model.json.tmp-${process.pid}`);
  fs.writeFileSync(tmpM, JSON.stringify(meta));
  fs.renameSync(tmpM, path.join(dir, 'model.json'));
  writeManifest(dir, ['model.json', 'weights.bin']);
  return meta;
}

/** What is wrong with a language-model checkpoint folder, or null if it is sound. */
export function lmCheckpointDamage(dir: string): string | null {
  return checkpointDamage(dir, modelLegacySizes);
}

/** model.json of a checkpoint, after verifying the folder (a damaged one throws CheckpointDamagedError naming the file). */
export function readCheckpointMeta(dir: string): CheckpointMeta {
  verifyCheckpoint(dir, modelLegacySizes);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as CheckpointMeta;
  if (meta.format !== 'mlbl-lm-checkpoint' || meta.version !== 1) throw new Error(`${dir}: not an mlbl-lm-checkpoint v1`);
  return meta;
}

/** Parameter values of a checkpoint, by name. */
export function readCheckpointValues(dir: string, meta: CheckpointMeta = readCheckpointMeta(dir)): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const group of meta.weightsManifest) {
    let buf = Buffer.alloc(0);
    for (const p of group.paths) buf = Buffer.concat([buf, fs.readFileSync(path.join(dir, p))]);
    let off = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if ((off + size) * 4 > buf.length) throw new Error(`${dir}: weights end before ${w.name}`);
      const v = new Float32Array(size);
      for (let i = 0; i < size; i++) v[i] = buf.readFloatLE((off + i) * 4);
      out.set(w.name, v);
      off += size;
    }
  }
  return out;
}

export function loadCheckpoint(dir: string): { model: LmModel; vocab: Vocab; meta: CheckpointMeta } {
  const meta = readCheckpointMeta(dir);
  const vocab = Vocab.fromJSON(meta.vocabulary);
  if (vocab.size !== meta.config.V) throw new Error(`${dir}: vocabulary has ${vocab.size} words, model V = ${meta.config.V}`);
  return { model: new LmModel(meta.config, readCheckpointValues(dir, meta)), vocab, meta };
}

// ---- Resume points (pause/resume and crash recovery of a run in place) -------------------------
//
// A resume point is everything the training loop needs to go on exactly as if it had never
// stopped: the current parameters, the best ones so far, the optimizer's slots and schedule, the
// random streams and the loop's counters. `<runDir>/resume/step-NNNNNNN/` holds `resume.json` and
// `arrays.bin` (float32, little-endian, in manifest order). A point is written to a temporary
// folder and renamed when complete, so a killed engine never leaves half of one.

export const RESUME_FILE = 'resume.json';

/** The training loop's counters at a resume point. */
export interface LmLoopState {
  /** Steps done (the next step's index). */
  step: number;
  /** Epochs completed; the point lies `batchInEpoch` batches into the next one. */
  epoch: number;
  batchInEpoch: number;
  stepsPerEpoch: number;
  /** Random streams: the shuffle stream at the start of the epoch in progress, dropout and caption sampling now. */
  rng: { shuffle: number; drop: number; sample: number };
  best: number;
  bestEpoch: number;
  sinceBest: number;
  /** Sums of the epoch in progress (so its epoch_loss is exact after a mid-epoch resume). */
  epochLoss: number;
  epochWords: number;
  lossBatches: number;
  /** Milliseconds of training in the epoch in progress (for its words/s). */
  epochMs: number;
  wordsTrained: number;
  trainSeconds: number;
  epochsRun: number;
  initialValPerplexity?: number;
}

export interface LmResumePoint {
  loop: LmLoopState;
  values: Map<string, Float32Array>;
  bestValues: Map<string, Float32Array>;
  optimizer: { kind: 'sgd' | 'adam'; scalars: Record<string, number>; slots: Map<string, Float32Array> };
}

interface ResumeJson {
  format: 'mlbl-lm-resume';
  version: 1;
  loop: LmLoopState;
  optimizer: { kind: 'sgd' | 'adam'; scalars: Record<string, number> };
  arrays: { group: 'values' | 'best' | 'slots'; name: string; length: number }[];
  savedAt: number;
}

/** True when every value of every array is a finite number (no checkpoint is written from NaN weights). */
export function allFinite(values: Map<string, Float32Array>): boolean {
  for (const v of values.values()) for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i] as number)) return false;
  return true;
}

/** Writes a resume point into `dir` (replacing it) atomically; errors name the folder. */
export function saveResumePoint(dir: string, point: LmResumePoint): void {
  const tmp = `${dir}.partial-${process.pid}`;
  const arrays: ResumeJson['arrays'] = [];
  const parts: Buffer[] = [];
  const add = (group: 'values' | 'best' | 'slots', m: Map<string, Float32Array>): void => {
    for (const [name, v] of m) {
      arrays.push({ group, name, length: v.length });
      const le = Buffer.alloc(v.length * 4);
      for (let i = 0; i < v.length; i++) le.writeFloatLE(v[i] as number, i * 4);
      parts.push(le);
    }
  };
  add('values', point.values);
  add('best', point.bestValues);
  add('slots', point.optimizer.slots);
  const json: ResumeJson = {
    format: 'mlbl-lm-resume',
    version: 1,
    loop: point.loop,
    optimizer: { kind: point.optimizer.kind, scalars: point.optimizer.scalars },
    arrays,
    savedAt: Date.now(),
  };
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    checkDiskFault(path.join(tmp, 'arrays.bin'));
    fs.writeFileSync(path.join(tmp, 'arrays.bin'), Buffer.concat(parts));
    fs.writeFileSync(path.join(tmp, RESUME_FILE), JSON.stringify(json));
    writeManifest(tmp, [RESUME_FILE, 'arrays.bin']);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`cannot write resume point ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/** What is wrong with a resume point folder, or null if it is sound. */
export function resumePointDamage(dir: string): string | null {
  return checkpointDamage(dir, lmResumeLegacySizes);
}

export function readResumePoint(dir: string): LmResumePoint {
  verifyCheckpoint(dir, lmResumeLegacySizes);
  let json: ResumeJson;
  let buf: Buffer;
  try {
    json = JSON.parse(fs.readFileSync(path.join(dir, RESUME_FILE), 'utf8')) as ResumeJson;
    if (json.format !== 'mlbl-lm-resume' || json.version !== 1) throw new Error('not an mlbl-lm-resume v1 point');
    buf = fs.readFileSync(path.join(dir, 'arrays.bin'));
  } catch (e) {
    throw new Error(`cannot read resume point ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const groups = { values: new Map<string, Float32Array>(), best: new Map<string, Float32Array>(), slots: new Map<string, Float32Array>() };
  let off = 0;
  for (const a of json.arrays) {
    if (off + a.length * 4 > buf.length) throw new Error(`cannot read resume point ${dir}: arrays.bin ends before ${a.group}/${a.name}`);
    const v = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) v[i] = buf.readFloatLE(off + i * 4);
    groups[a.group].set(a.name, v);
    off += a.length * 4;
  }
  return {
    loop: json.loop,
    values: groups.values,
    bestValues: groups.best,
    optimizer: { kind: json.optimizer.kind, scalars: json.optimizer.scalars, slots: groups.slots },
  };
}

/** Keeps the newest `keep` resume points of a run (the host may still name the one before the newest). */
export function pruneResumePoints(root: string, keep = 2): void {
  let names: string[];
  try {
    names = fs
      .readdirSync(root)
      .filter((n) => /^step-\d+$/.test(n))
      .sort();
  } catch {
    return;
  }
  for (const n of names.slice(0, Math.max(0, names.length - keep))) fs.rmSync(path.join(root, n), { recursive: true, force: true });
}

/**
 * Writes the resume point of a training loop under `<runDir>/resume/step-NNNNNNN` and tells the
 * host (a 'resume' artefact with the step count), keeping the two newest. Refuses (returns false)
 * when the weights are not all finite: no resume point is ever written from NaN weights.
 */
export function writeResumePoint(
  runDir: string,
  emit: (m: { type: 'artefact'; kind: string; file: string; step: number; epoch: number; meta: Record<string, unknown> }) => void,
  point: LmResumePoint,
): boolean {
  if (!allFinite(point.values)) return false;
  const name = `step-${String(point.loop.step).padStart(7, '0')}`;
  const root = path.join(runDir, 'resume');
  saveResumePoint(path.join(root, name), point);
  const rel = path.join('resume', name);
  emit({
    type: 'artefact',
    kind: 'resume',
    file: path.join(rel, RESUME_FILE),
    step: Math.max(0, point.loop.step - 1),
    epoch: point.loop.epoch,
    meta: { steps: point.loop.step, epoch: point.loop.epoch, batchInEpoch: point.loop.batchInEpoch, dir: rel },
  });
  pruneResumePoints(root);
  return true;
}
