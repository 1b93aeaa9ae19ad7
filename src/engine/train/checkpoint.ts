/**
 * Checkpoints on the file system, without tfjs-node: a tf.io handler that writes and reads the
 * TF.js layers format (model.json + weights.bin, loadable by tf.loadLayersModel through
 * `fileSystemIO`), the optimizer's slots (Adam moments or momentum accumulators, plus its
 * iteration count) as optimizer.json + optimizer.bin in the same encoding, and state.json (step
 * count, epoch, random streams, early-stopping state; see CheckpointState).
 *
 * A checkpoint folder is written under a temporary name and renamed when complete, so a killed
 * engine never leaves a half-written checkpoint behind; manifest.json (every file's size and
 * sha256, ../checkpoint-manifest.ts) is written last, and every read verifies it, so a checkpoint
 * damaged later (a truncated weights.bin) is reported as such, naming the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CheckpointState, OptimizerName } from '../../shared/convnet-spec';
import { checkpointDamage, convnetLegacySizes, MANIFEST_FILE, verifyCheckpoint, writeManifest } from '../checkpoint-manifest';
import { checkDiskFault } from '../faults';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';
const STATE_JSON = 'state.json';

/**
 * fs.writeFileSync with the file's path in the error (Node's ENOSPC and EACCES messages from a
 * write do not always name it), and the injected full-disk fault of the crash tests.
 */
export function writeRunFile(file: string, data: string | NodeJS.ArrayBufferView): void {
  try {
    checkDiskFault(file);
    fs.writeFileSync(file, data);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw Object.assign(new Error(`cannot write ${file}: ${err.message}`, { cause: e }), { code: err.code });
  }
}

function toBuffer(data: tf.io.WeightData | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return Buffer.from(tf.io.CompositeArrayBuffer.join(data));
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** tf.io handler for a folder: `model.save(fileSystemIO(dir))`, `tf.loadLayersModel(fileSystemIO(dir))`. */
export function fileSystemIO(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const weights = toBuffer(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeRunFile(path.join(dir, WEIGHTS_BIN), weights);
      writeRunFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? null).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      verifyCheckpoint(dir, convnetLegacySizes);
      const file = path.join(dir, MODEL_JSON);
      let json: {
        modelTopology?: unknown;
        format?: string;
        generatedBy?: string;
        convertedBy?: string;
        weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
        trainingConfig?: unknown;
      };
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof json;
      } catch (e) {
        throw new Error(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const parts: Buffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) parts.push(fs.readFileSync(path.resolve(dir, p)));
      }
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: specs,
        weightData: toArrayBuffer(Buffer.concat(parts)),
        ...(json.trainingConfig ? { trainingConfig: json.trainingConfig as tf.io.TrainingConfig } : {}),
      };
    },
  };
}

/** model.json and its weights from a checkpoint folder. */
export function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const load = fileSystemIO(dir).load;
  if (!load) throw new Error('fileSystemIO has no load');
  return load();
}

/** The optimizer's class for a checkpoint ('Adam' or 'Momentum'), as tfjs names it. */
function optimizerClass(o: tf.Optimizer): string {
  return o.getClassName();
}

export interface SaveCheckpointArgs {
  dir: string;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  state: CheckpointState;
}

/** Writes model, optimizer slots and state into `dir` (replacing it), atomically by rename. */
export async function saveCheckpoint({ dir, model, optimizer, state }: SaveCheckpointArgs): Promise<void> {
  const tmp = `${dir}.partial-${process.pid}`;
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    await model.save(fileSystemIO(tmp));
    const named = await optimizer.getWeights();
    try {
      const { data, specs } = await tf.io.encodeWeights(named);
      writeRunFile(path.join(tmp, OPTIMIZER_BIN), Buffer.from(data));
      writeRunFile(
        path.join(tmp, OPTIMIZER_JSON),
        JSON.stringify({
          className: optimizerClass(optimizer),
          config: optimizer.getConfig(),
          weightsManifest: [{ paths: [`./${OPTIMIZER_BIN}`], weights: specs }],
        }),
      );
    } finally {
      // getWeights returns the live slot variables plus a fresh 'iter' scalar: dispose only that.
      const iter = named.find((n) => n.name === 'iter');
      iter?.tensor.dispose();
    }
    writeRunFile(path.join(tmp, STATE_JSON), JSON.stringify(state));
    checkDiskFault(path.join(tmp, MANIFEST_FILE));
    writeManifest(tmp, [MODEL_JSON, WEIGHTS_BIN, OPTIMIZER_JSON, OPTIMIZER_BIN, STATE_JSON]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (e) {
    // A half-written checkpoint is never left behind (a full disk gets its space back).
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`cannot write checkpoint ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/** What is wrong with a ConvNet checkpoint folder (sizes and checksums of its manifest, or legacy size checks), or null. */
export function convnetCheckpointDamage(dir: string): string | null {
  return checkpointDamage(dir, convnetLegacySizes);
}

/** The checkpoint's state.json, after verifying the whole folder (a damaged checkpoint throws CheckpointDamagedError). */
export function readCheckpointState(dir: string): CheckpointState {
  verifyCheckpoint(dir, convnetLegacySizes);
  return readStateFile(dir);
}

function readStateFile(dir: string): CheckpointState {
  const file = path.join(dir, STATE_JSON);
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointState;
    if (s.version !== 1) throw new Error(`unknown checkpoint version ${String(s.version)}`);
    return s;
  } catch (e) {
    throw new Error(`cannot read checkpoint state ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Sets `model`'s weights from a checkpoint's model.json/weights.bin, matching by weight name and shape. */
export async function loadModelWeights(dir: string, model: tf.LayersModel): Promise<void> {
  const artifacts = await readModelArtifacts(dir);
  const specs = artifacts.weightSpecs ?? [];
  const decoded = tf.io.decodeWeights(toArrayBuffer(toBuffer(artifacts.weightData)), specs);
  try {
    const values = model.weights.map((w, i) => {
      const t = decoded[w.originalName] ?? decoded[specs[i]?.name ?? ''];
      if (!t) throw new Error(`checkpoint ${dir} has no weight ${w.originalName}`);
      if (JSON.stringify(t.shape) !== JSON.stringify(w.shape))
        throw new Error(`checkpoint ${dir}: weight ${w.originalName} has shape [${t.shape.join(', ')}], the model expects [${w.shape.join(', ')}]`);
      return t;
    });
    if (specs.length !== model.weights.length) throw new Error(`checkpoint ${dir} holds ${specs.length} weights, the model has ${model.weights.length}`);
    model.setWeights(values);
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

/** Restores the optimizer's slots and iteration count; returns false (and changes nothing) if the checkpoint used another optimizer. */
export async function loadOptimizerState(dir: string, optimizer: tf.Optimizer): Promise<boolean> {
  const file = path.join(dir, OPTIMIZER_JSON);
  if (!fs.existsSync(file)) return false;
  verifyCheckpoint(dir, convnetLegacySizes);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    className: string;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  if (json.className !== optimizerClass(optimizer)) return false;
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buf = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.resolve(dir, p)))));
  const decoded = tf.io.decodeWeights(toArrayBuffer(buf), specs);
  // Slots are positional (the i-th trainable variable's moment): keep the manifest's order.
  const named = specs.map((s) => {
    const t = decoded[s.name];
    if (!t) throw new Error(`checkpoint ${dir}: optimizer weight ${s.name} is missing`);
    return { name: s.name, tensor: t };
  });
  const iterations = (await named.find((n) => n.name === 'iter')?.tensor.data())?.[0] ?? 0;
  await optimizer.setWeights(named);
  tf.dispose(Object.values(decoded));
  if (optimizer.getClassName() === 'Adam') exactAdamPowers(optimizer, iterations);
  return true;
}

/**
 * tfjs's Adam keeps beta^t as a running float32 product (accBeta *= beta each step), but its
 * setWeights recomputes it as pow(beta, t + 1), which can differ in the last bit, so a resumed run
 * would drift from the uninterrupted one by ~1e-7. Recompute the running product exactly
 * (Math.fround of a product of two float32 values is the float32 product).
 */
function exactAdamPowers(optimizer: tf.Optimizer, iterations: number): void {
  const adam = optimizer as unknown as { beta1: number; beta2: number; accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  const product = (beta: number): number => {
    const b = Math.fround(beta);
    let acc = b;
    for (let i = 0; i < iterations; i++) acc = Math.fround(acc * b);
    return acc;
  };
  tf.tidy(() => {
    adam.accBeta1?.assign(tf.scalar(product(adam.beta1)));
    adam.accBeta2?.assign(tf.scalar(product(adam.beta2)));
  });
}

export function checkpointOptimizerName(o: tf.Optimizer): OptimizerName {
  return o.getClassName() === 'Adam' ? 'adam' : 'sgd';
}

/**
 * The checkpoint folder `resumeFrom` names: a checkpoint folder (holding state.json) or a file in
 * one, a run folder (its checkpoint with the most steps), or a run id next to `runDir`.
 */
export function resolveCheckpointDir(resumeFrom: string, runDir: string): string {
  const s = resumeFrom.trim();
  if (!s) throw new Error('resumeFrom is empty');
  const candidates: string[] = [];
  if (/^[A-Za-z0-9_-]+$/.test(s)) candidates.push(path.join(path.dirname(runDir), s));
  candidates.push(path.resolve(s));
  for (const c of candidates) {
    if (!fs.existsSync(c)) continue;
    let dir = c;
    if (fs.statSync(c).isFile()) dir = path.dirname(c);
    if (fs.existsSync(path.join(dir, STATE_JSON))) return dir;
    const ckRoot = path.join(dir, 'checkpoints');
    if (fs.existsSync(ckRoot)) {
      let best: { dir: string; steps: number; mtime: number } | null = null;
      const damaged: string[] = [];
      for (const name of fs.readdirSync(ckRoot)) {
        const d = path.join(ckRoot, name);
        if (name.includes('.partial-') || !fs.existsSync(path.join(d, STATE_JSON))) continue;
        // A damaged checkpoint is passed over: the newest good one is used.
        const why = convnetCheckpointDamage(d);
        if (why !== null) {
          damaged.push(`${name} (${why})`);
          continue;
        }
        const st = readStateFile(d);
        const mtime = fs.statSync(path.join(d, STATE_JSON)).mtimeMs;
        if (!best || st.steps > best.steps || (st.steps === best.steps && mtime > best.mtime)) best = { dir: d, steps: st.steps, mtime };
      }
      if (best) return best.dir;
      if (damaged.length) throw new Error(`resumeFrom ${s}: every checkpoint of the run folder ${dir} is damaged: ${damaged.join('; ')}`);
      throw new Error(`resumeFrom ${s}: the run folder ${dir} has no checkpoints`);
    }
    throw new Error(`resumeFrom ${s}: ${dir} is neither a checkpoint folder (no ${STATE_JSON}) nor a run folder (no checkpoints/)`);
  }
  throw new Error(`resumeFrom ${s}: no such checkpoint, run folder or run id`);
}
