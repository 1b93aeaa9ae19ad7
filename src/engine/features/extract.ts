/**
 * Image features from a pretrained TF.js layers model: decodes images with sharp, prepares them
 * as the model expects (RGB, pixels * scale + offset, bilinear resize with aligned corners to the
 * model's input size, as nsfwjs' `infer` does for ../shared/models/mobilenet-v2-nsfwjs), and
 * stores one layer's activations per image in a feature file (feature-file.ts). Resumable:
 * images already in the output are skipped. Reports progress through a callback.
 */
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { loadLayersModelFromDisk, resolveModelJson } from './model-io';
import { FeatureWriter, type FeatureHeader } from './feature-file';
import { foldBatchNorm } from './fold-batchnorm';

const POOLED = new Set(['Flatten', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D']);

/**
 * The default feature layer: the last flattening/global-pooling layer (the pooled penultimate
 * representation, e.g. mobilenet-v2-nsfwjs' `flatten_1`), else the last layer with a 4-D output
 * (global-average-pooled), else the layer before the output.
 */
export function defaultFeatureLayer(model: tf.LayersModel): string {
  const layers = model.layers;
  for (let i = layers.length - 1; i >= 0; i--) if (POOLED.has((layers[i] as tf.layers.Layer).getClassName())) return (layers[i] as tf.layers.Layer).name;
  for (let i = layers.length - 1; i >= 0; i--) {
    const shape = (layers[i] as tf.layers.Layer).outputShape;
    if (Array.isArray(shape) && !Array.isArray(shape[0]) && shape.length === 4) return (layers[i] as tf.layers.Layer).name;
  }
  const beforeLast = layers[layers.length - 2] ?? layers[layers.length - 1];
  if (!beforeLast) throw new Error('model has no layers');
  return beforeLast.name;
}

export interface FeatureExtractor {
  model: tf.LayersModel;
  features: tf.LayersModel;
  modelPath: string;
  layer: string;
  pool: 'none' | 'avg';
  dim: number;
  width: number;
  height: number;
  /** 3 (RGB) or 1 (greyscale, e.g. a ConvNet trained on MNIST: images are converted to grey). */
  channels: 1 | 3;
  scale: number;
  offset: number;
  dispose(): void;
}

export interface ExtractorOptions {
  /** Layer whose activations are the features (default: defaultFeatureLayer). */
  layer?: string;
  /** Pixel scaling: value = pixel * scale + offset (default 1/255 and 0, the [0, 1] range nsfwjs uses). */
  scale?: number;
  offset?: number;
  /** Fold batch normalisations into the convolutions before them (default true; fold-batchnorm.ts). */
  foldBatchNorm?: boolean;
}

export async function loadExtractor(modelPath: string, o: ExtractorOptions = {}): Promise<FeatureExtractor> {
  const model = await loadLayersModelFromDisk(modelPath);
  const layerName = o.layer ?? defaultFeatureLayer(model);
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    throw new Error(
      `${modelPath}: no layer named ${layerName} (layers: ${model.layers
        .map((l) => l.name)
        .slice(-12)
        .join(', ')}, ...)`,
    );
  }
  const out = layer.output as tf.SymbolicTensor;
  let output: tf.SymbolicTensor = out;
  let pool: 'none' | 'avg' = 'none';
  if (out.shape.length === 4) {
    output = tf.layers.globalAveragePooling2d({ name: `${layerName}_feature_gap` }).apply(out) as tf.SymbolicTensor;
    pool = 'avg';
  } else if (out.shape.length !== 2) {
    throw new Error(`layer ${layerName} has output shape [${out.shape.join(', ')}]: need a vector (rank 2) or a feature map (rank 4)`);
  }
  const features = tf.model({ inputs: model.inputs, outputs: output });
  // The extractor only runs inference: fold batch normalisations into the convolutions (2x faster for MobileNetV2 on wasm).
  const folded = o.foldBatchNorm === false ? [] : foldBatchNorm(model).tensors;
  const inShape = model.inputs[0]?.shape ?? [];
  const height = inShape[1];
  const width = inShape[2];
  const channels = inShape[3];
  if (typeof height !== 'number' || typeof width !== 'number' || (channels !== 3 && channels !== 1)) {
    throw new Error(`${modelPath}: expected an image input [batch, height, width, 3] (or 1 channel), got [${inShape.join(', ')}]`);
  }
  return {
    model,
    features,
    modelPath: path.resolve(resolveModelJson(modelPath)),
    layer: layerName,
    pool,
    dim: output.shape[1] as number,
    width,
    height,
    channels,
    scale: o.scale ?? 1 / 255,
    offset: o.offset ?? 0,
    dispose: () => {
      model.dispose();
      tf.dispose(folded);
    },
  };
}

/** RGB pixels of an image file (or encoded image bytes): [height, width, 3] uint8 (alpha dropped, sRGB); channels 1: greyscale. */
export async function decodeImage(file: string | Buffer, channels: 1 | 3 = 3): Promise<{ data: Uint8Array; width: number; height: number; channels?: 1 | 3 }> {
  const img = sharp(file).removeAlpha();
  const { data, info } = await (channels === 1 ? img.greyscale().toColourspace('b-w') : img.toColourspace('srgb')).raw().toBuffer({ resolveWithObject: true });
  const name = typeof file === 'string' ? file : 'image';
  if (info.channels !== channels) throw new Error(`${name}: decoded to ${info.channels} channels`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels };
}

/** [1, H, W, 3] float32 model input: pixels * scale + offset, resized bilinearly with aligned corners. */
export function prepareImage(
  ex: Pick<FeatureExtractor, 'width' | 'height' | 'scale' | 'offset'>,
  img: { data: Uint8Array; width: number; height: number; channels?: 1 | 3 },
): tf.Tensor4D {
  return tf.tidy(() => {
    const t = tf.tensor3d(img.data, [img.height, img.width, img.channels ?? 3], 'int32');
    const x = tf.add(tf.mul(tf.cast(t, 'float32'), ex.scale), ex.offset) as tf.Tensor3D;
    return tf.expandDims(tf.image.resizeBilinear(x, [ex.height, ex.width], true), 0) as tf.Tensor4D;
  });
}

/** Features of decoded images, [count, dim]. */
export function featuresOf(ex: FeatureExtractor, images: { data: Uint8Array; width: number; height: number; channels?: 1 | 3 }[]): Float32Array {
  return tf.tidy(() => {
    const batch = tf.concat(
      images.map((im) => prepareImage(ex, im)),
      0,
    );
    return (ex.features.predict(batch) as tf.Tensor).dataSync() as Float32Array;
  });
}

export interface ExtractProgress {
  done: number;
  total: number;
  skipped: number;
  failed: number;
  image: string | null;
  imagesPerSecond: number;
}

export interface ExtractOptions extends ExtractorOptions {
  /** The TF.js model folder (or its model.json). */
  model: string;
  imagesDir: string;
  /** Image file names relative to imagesDir (duplicates are extracted once). */
  images: string[];
  /** Output header path (`.json`; the data goes next to it as `.f32`). */
  out: string;
  batchSize?: number;
  onProgress?: (p: ExtractProgress) => void;
  shouldStop?: () => boolean;
  /** An already loaded extractor (kept open). */
  extractor?: FeatureExtractor;
}

/** Extracts (or resumes extracting) features for every image; returns the final header. */
export async function extractFeatures(o: ExtractOptions): Promise<{ header: FeatureHeader; computed: number; stopped: boolean }> {
  const ex = o.extractor ?? (await loadExtractor(o.model, o));
  try {
    const base = path.basename(o.out).replace(/\.json$/i, '');
    const writer = new FeatureWriter(o.out, {
      format: 'mlbl-features',
      version: 1,
      model: ex.modelPath,
      layer: ex.layer,
      pool: ex.pool,
      dim: ex.dim,
      input: { width: ex.width, height: ex.height, scale: ex.scale, offset: ex.offset, resize: 'bilinear-align-corners' },
      images: [],
      imagesDir: path.resolve(o.imagesDir),
      data: `${base}.f32`,
      complete: false,
      failed: {},
      updatedAt: Date.now(),
    });
    const wanted = [...new Set(o.images)];
    const todo = wanted.filter((im) => !writer.has(im));
    const skipped = wanted.length - todo.length;
    const batchSize = Math.max(1, o.batchSize ?? 8);
    const t0 = performance.now();
    let computed = 0;
    let failed = 0;
    let stopped = false;
    const report = (image: string | null): void =>
      o.onProgress?.({
        done: skipped + computed + failed,
        total: wanted.length,
        skipped,
        failed,
        image,
        imagesPerSecond: computed / Math.max(1e-3, (performance.now() - t0) / 1000),
      });
    report(null);
    // Decoding runs on sharp's threads (the libuv pool) while the network runs here: batch s + 1 is
    // decoded during batch s's forward pass, so the network never waits for JPEG decoding.
    type Decoded = { name: string; img?: Awaited<ReturnType<typeof decodeImage>>; error?: string };
    const decodeBatch = (from: number): Promise<Decoded[]> =>
      Promise.all(
        todo.slice(from, from + batchSize).map((name) =>
          decodeImage(path.join(o.imagesDir, name), ex.channels).then(
            (img) => ({ name, img }),
            (e: unknown) => ({ name, error: e instanceof Error ? e.message : String(e) }),
          ),
        ),
      );
    let next = todo.length ? decodeBatch(0) : null;
    for (let s = 0; s < todo.length && next; s += batchSize) {
      if (o.shouldStop?.()) {
        stopped = true;
        break;
      }
      const batch = await next;
      next = s + batchSize < todo.length ? decodeBatch(s + batchSize) : null;
      const names: string[] = [];
      const decoded: { data: Uint8Array; width: number; height: number }[] = [];
      for (const d of batch) {
        if (d.img) {
          decoded.push(d.img);
          names.push(d.name);
        } else {
          failed++;
          writer.fail(d.name, d.error ?? 'cannot decode');
        }
      }
      if (names.length) {
        writer.append(names, featuresOf(ex, decoded));
        computed += names.length;
      }
      report(names[names.length - 1] ?? null);
      await new Promise((r) => setImmediate(r));
    }
    writer.finish(!stopped && failed === 0);
    return { header: writer.header, computed, stopped };
  } finally {
    if (!o.extractor) ex.dispose();
  }
}
