/**
 * Language-model checkpoints: `<dir>/model.json` (config, vocabulary, feature extractor, metrics
 * and a TF.js-style weightsManifest) + `<dir>/weights.bin` (every parameter, float32
 * little-endian, in manifest order). The vocabulary travels with the weights, so a checkpoint
 * decodes the same way forever.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Vocab, type VocabJson } from '../../shared/vocabulary';
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
  info: { features: CheckpointFeatures | null; meanImage: Float32Array | null; epoch: number; step: number; metrics: Record<string, number>; params: Record<string, unknown> },
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
    format: 'mlbl-lm-checkpoint', version: 1, config: model.config, vocabulary: vocab.toJSON(),
    features: info.features, meanImage: info.meanImage ? Array.from(info.meanImage) : null,
    epoch: info.epoch, step: info.step, metrics: info.metrics, params: info.params,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' as const })) }],
    savedAt: Date.now(),
  };
  // Weights first, then the manifest (a reader never sees a manifest without its weights).
  const tmpW = path.join(dir, `weights.bin.tmp-${process.pid}`);
  fs.writeFileSync(tmpW, buf);
  fs.renameSync(tmpW, path.join(dir, 'weights.bin'));
  const tmpM = path.join(dir, `model.json.tmp-${process.pid}`);
  fs.writeFileSync(tmpM, JSON.stringify(meta));
  fs.renameSync(tmpM, path.join(dir, 'model.json'));
  return meta;
}

export function readCheckpointMeta(dir: string): CheckpointMeta {
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
