/**
 * A language-model checkpoint (src/engine/lm/checkpoint.ts: model.json with the config, the
 * vocabulary and a weights manifest, plus weights.bin) rewritten as a true TF.js layers model,
 * loadable by `tf.loadLayersModel` in any TF.js runtime. Written without tfjs (the host never
 * loads it): the topology is plain JSON, the weights are re-laid out float32 little-endian.
 *
 * The graph is the engine's own test-mode graph (src/shared/lm-graph.ts, evaluated by
 * src/engine/lm/model.ts), one standard layer per node: P(next word | context, image) of LBL,
 * MLBL-B and MLBL-F exactly.
 *
 * Two deliberate differences from the training layout, both exact at inference: the word matrix
 * R is stored twice (as the embedding and, transposed, as the output kernel), and MLBL-F's
 * context vectors, which the model reads through R = W_fx W_hf, are stored precomputed as the
 * embedding matrix W_hf W_fx^T. Test-time dropout scaling (x times 1 - dropout) is folded into M
 * and W_fv. The vocabulary travels beside the model as vocabulary.json (ids 0, 1, 2 are <unk>,
 * <start>, <end>): feed n <start> ids to begin a caption.
 */
import fs from 'node:fs';
import path from 'node:path';
import { convnetLegacySizes, modelLegacySizes, verifyCheckpoint } from '../../engine/checkpoint-manifest';
import type { ExportFile } from '../../shared/api';
import { lmGraph } from '../../shared/lm-graph';
import type { CheckpointMeta } from '../../engine/lm/checkpoint';

export type LmCheckpointMeta = CheckpointMeta;

/** model.json of an LM checkpoint folder, checked to be one. */
export function readLmCheckpointMeta(dir: string): LmCheckpointMeta {
  // A damaged checkpoint is named as such (which file, what is wrong), never exported.
  verifyCheckpoint(dir, modelLegacySizes);
  const file = path.join(dir, 'model.json');
  let meta: LmCheckpointMeta;
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as LmCheckpointMeta;
  } catch (e) {
    throw new Error(`cannot read the checkpoint ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (meta.format !== 'mlbl-lm-checkpoint' || meta.version !== 1) throw new Error(`${file} is not a language-model checkpoint (mlbl-lm-checkpoint v1)`);
  return meta;
}

/** Parameter values of an LM checkpoint by name (float32 little-endian, in manifest order). */
export function readLmCheckpointValues(dir: string, meta: LmCheckpointMeta): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const group of meta.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    let off = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if ((off + size) * 4 > buf.length) throw new Error(`${dir}: the weights end before ${w.name}`);
      const v = new Float32Array(size);
      for (let i = 0; i < size; i++) v[i] = buf.readFloatLE((off + i) * 4);
      out.set(w.name, v);
      off += size;
    }
  }
  return out;
}

interface LayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}
interface WeightOut {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** [rows, cols] row-major -> its transpose. */
function transpose(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c] as number;
  return out;
}

/** a [m, k] times b^T where b is [n, k]: [m, n]. */
function matMulTransB(a: Float32Array, m: number, k: number, b: Float32Array, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += (a[i * k + t] as number) * (b[j * k + t] as number);
      out[i * n + j] = s;
    }
  }
  return out;
}

function scaled(v: Float32Array, s: number): Float32Array {
  return s === 1 ? v : Float32Array.from(v, (x) => x * s);
}

export interface LayersModelExport {
  modelJson: Record<string, unknown>;
  weights: Buffer;
  vocabulary: { words: string[]; unk: number; start: number; end: number; contextSize: number; tokenizer: number; minCount: number };
}

/**
 * The layers model (topology, manifest, weights) of an LM checkpoint: the engine's own test-mode
 * graph (src/shared/lm-graph.ts), node for layer; a `scale` node (test-time dropout) is folded into
 * the kernels of the dense layers that read it.
 */
export function lmLayersModel(meta: LmCheckpointMeta, values: Map<string, Float32Array>): LayersModelExport {
  const c = meta.config;
  const get = (name: string, size: number): Float32Array => {
    const v = values.get(name);
    if (!v) throw new Error(`the checkpoint has no parameter ${name}`);
    if (v.length !== size) throw new Error(`checkpoint parameter ${name} has ${v.length} values, expected ${size}`);
    return v;
  };
  const graph = lmGraph(c);
  const layers: LayerJson[] = [];
  const weights: WeightOut[] = [];
  // A scale node is no layer: its readers read its source, their kernels scaled.
  const scaledBy = new Map<string, { from: string; factor: number }>();
  const source = (name: string): string => scaledBy.get(name)?.from ?? name;
  const node = (...names: string[]): unknown[] => {
    // Only a dense layer can take a scale (in its kernel); another reading one would be wrong.
    for (const n of names) if (scaledBy.has(n)) throw new Error(`model export: only a dense layer can read the scaled ${n}`);
    return [names.map((n) => [n, 0, 0, {}])];
  };
  for (const nd of graph.nodes) {
    const name = nd.name;
    switch (nd.op) {
      case 'input':
        layers.push({
          name,
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, nd.size], dtype: nd.dtype, sparse: false, name },
          inbound_nodes: [],
        });
        break;
      case 'embed': {
        const t = nd.table;
        // MLBL-F's context vectors, read through W_hf W_fx^T, are stored precomputed.
        const table =
          t.timesTransposed === undefined
            ? get(t.param, nd.inputDim * nd.outputDim)
            : matMulTransB(get(t.param, nd.inputDim * c.F), nd.inputDim, c.F, get(t.timesTransposed, nd.outputDim * c.F), nd.outputDim);
        layers.push({
          name,
          class_name: 'Embedding',
          config: { input_dim: nd.inputDim, output_dim: nd.outputDim, input_length: nd.length, mask_zero: false, name, trainable: true },
          inbound_nodes: node(nd.from),
        });
        weights.push({ name: `${name}/embeddings`, shape: [nd.inputDim, nd.outputDim], values: table });
        break;
      }
      case 'flatten':
        layers.push({ name, class_name: 'Flatten', config: { name, trainable: true }, inbound_nodes: node(nd.from) });
        break;
      case 'dense': {
        const k = get(nd.kernel.param, nd.inDim * nd.units);
        const kernel = scaled(nd.kernel.transposed ? transpose(k, nd.units, nd.inDim) : k, scaledBy.get(nd.from)?.factor ?? 1);
        layers.push({
          name,
          class_name: 'Dense',
          config: { units: nd.units, activation: nd.activation, use_bias: Boolean(nd.bias), name, trainable: true },
          inbound_nodes: node(source(nd.from)),
        });
        weights.push({ name: `${name}/kernel`, shape: [nd.inDim, nd.units], values: kernel });
        if (nd.bias) weights.push({ name: `${name}/bias`, shape: [nd.units], values: get(nd.bias, nd.units) });
        break;
      }
      case 'scale':
        scaledBy.set(name, { from: source(nd.from), factor: nd.factor * (scaledBy.get(nd.from)?.factor ?? 1) });
        break;
      case 'add':
      case 'multiply':
        layers.push({ name, class_name: nd.op === 'add' ? 'Add' : 'Multiply', config: { name, trainable: true }, inbound_nodes: node(...nd.from) });
        break;
    }
  }
  const total = weights.reduce((s, w) => s + w.values.length, 0);
  const buf = Buffer.alloc(total * 4);
  let off = 0;
  for (const w of weights) {
    for (let i = 0; i < w.values.length; i++) buf.writeFloatLE(w.values[i] as number, (off + i) * 4);
    off += w.values.length;
  }
  const inputs = graph.inputs.map((n) => [n, 0, 0]);
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'MLBL Workbench (language-model checkpoint export)',
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: { name: c.model.replace('-', '_'), layers, input_layers: inputs, output_layers: [[graph.output, 0, 0]] },
      keras_version: 'tfjs-layers',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['./weights.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    userDefinedMetadata: {
      mlbl: {
        model: c.model,
        contextSize: c.n,
        vocabularySize: c.V,
        K: c.K,
        D: c.D,
        h: c.h,
        F: c.F,
        vocabularyFile: 'vocabulary.json',
        features: meta.features,
        epoch: meta.epoch,
        step: meta.step,
        metrics: meta.metrics,
      },
    },
  };
  const v = meta.vocabulary;
  return {
    modelJson,
    weights: buf,
    vocabulary: { words: [...v.words], unk: 0, start: 1, end: 2, contextSize: c.n, tokenizer: v.tokenizer, minCount: v.minCount },
  };
}

/** The files of an LM checkpoint exported as a layers model: model.json, weights.bin, vocabulary.json. */
export function lmModelFiles(checkpointDir: string): ExportFile[] {
  const meta = readLmCheckpointMeta(checkpointDir);
  const m = lmLayersModel(meta, readLmCheckpointValues(checkpointDir, meta));
  return [
    { name: 'model.json', mime: 'application/json', encoding: 'utf8', content: JSON.stringify(m.modelJson) },
    { name: 'weights.bin', mime: 'application/octet-stream', encoding: 'base64', content: m.weights.toString('base64') },
    { name: 'vocabulary.json', mime: 'application/json', encoding: 'utf8', content: JSON.stringify(m.vocabulary) },
  ];
}

/** A TF.js layers checkpoint folder (ConvNet runs) as files: model.json and every weights file its manifest names. */
export function layersModelFiles(checkpointDir: string): ExportFile[] {
  verifyCheckpoint(checkpointDir, convnetLegacySizes);
  const file = path.join(checkpointDir, 'model.json');
  const text = fs.readFileSync(file, 'utf8');
  const json = JSON.parse(text) as { weightsManifest?: { paths: string[] }[] };
  const files: ExportFile[] = [{ name: 'model.json', mime: 'application/json', encoding: 'utf8', content: text }];
  const root = path.resolve(checkpointDir);
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const abs = path.resolve(checkpointDir, p);
      if (!abs.startsWith(root + path.sep)) throw new Error(`${file}: weights path ${p} leaves the checkpoint folder`);
      files.push({
        name: path.relative(root, abs).split(path.sep).join('/'),
        mime: 'application/octet-stream',
        encoding: 'base64',
        content: fs.readFileSync(abs).toString('base64'),
      });
    }
  }
  return files;
}
