/**
 * Loads a TF.js layers model (model.json + binary weight shards) from disk in Node without
 * @tensorflow/tfjs-node: a tf.io.IOHandler that reads the files with fs (tfjs' own file:// and
 * http loaders need tfjs-node or fetch). Quantized weights (uint8/uint16/float16) are
 * dequantized by tfjs itself from the manifest.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { modelLegacySizes, verifyCheckpoint } from '../checkpoint-manifest';

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest: tf.io.WeightsManifestConfig;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
}

/** Path of model.json for a model folder or a model.json path. */
export function resolveModelJson(p: string): string {
  const st = fs.statSync(p);
  return st.isDirectory() ? path.join(p, 'model.json') : p;
}

/** An IOHandler whose `load` reads model.json and its shards (paths relative to model.json's folder). */
export function fileSystemHandler(modelPath: string): tf.io.IOHandler {
  const jsonPath = resolveModelJson(modelPath);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      // A run's checkpoint (or any model folder) whose files do not hold what model.json says is
      // reported naming the file, not as tfjs' "should have N values but has M".
      verifyCheckpoint(path.dirname(jsonPath), modelLegacySizes);
      const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as ModelJson;
      if (!json.modelTopology || !Array.isArray(json.weightsManifest))
        throw new Error(`${jsonPath}: not a TF.js model.json (needs modelTopology and weightsManifest)`);
      const dir = path.dirname(jsonPath);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        for (const p of group.paths) {
          const file = path.resolve(dir, decodeURIComponent(p));
          if (!file.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${jsonPath}: weight path ${p} leaves the model folder`);
          buffers.push(fs.readFileSync(file));
        }
        specs.push(...group.weights);
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

export async function loadLayersModelFromDisk(modelPath: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemHandler(modelPath));
}
