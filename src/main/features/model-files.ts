/**
 * What identifies a feature extractor on disk: its model.json and weight files (a SHA-256 of
 * their bytes, so a moved copy of the same model hits the cache and a retrained checkpoint in the
 * same place does not), and, for a ConvNet checkpoint, its default feature layer.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class ModelFileError extends Error {}

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[] }[];
}

/** model.json of a model folder or a model.json path; a clear error when it is neither. */
export function modelJsonPath(p: string): string {
  const abs = path.resolve(p);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new ModelFileError(`model ${p}: no such file or folder`);
  }
  const file = st.isDirectory() ? path.join(abs, 'model.json') : abs;
  if (!fs.existsSync(file)) throw new ModelFileError(`model ${p}: the folder has no model.json`);
  return file;
}

function readModelJson(file: string): ModelJson {
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw new ModelFileError(`model ${file}: not a readable JSON file (${(e as Error).message})`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(`model ${file}: not a TF.js layers model.json (needs modelTopology and weightsManifest)`);
  }
  return json;
}

/** SHA-256 over model.json and every weight file it lists, in order. */
export function modelIdentity(file: string): string {
  const json = readModelJson(file);
  const h = createHash('sha256');
  h.update(fs.readFileSync(file));
  const dir = path.dirname(file);
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const w = path.resolve(dir, decodeURIComponent(p));
      if (!w.startsWith(dir + path.sep)) throw new ModelFileError(`model ${file}: weight path ${p} leaves the model folder`);
      try {
        h.update(fs.readFileSync(w));
      } catch {
        throw new ModelFileError(`model ${file}: weight file ${p} is missing`);
      }
    }
  }
  return h.digest('hex');
}

interface LayerJson {
  class_name?: string;
  name?: string;
  config?: { name?: string };
}

/** The layers of a layers-format topology (Sequential or functional), in order. */
export function topologyLayers(file: string): { className: string; name: string }[] {
  const json = readModelJson(file);
  const top = json.modelTopology as { config?: { layers?: LayerJson[] }; model_config?: { config?: { layers?: LayerJson[] } } };
  const layers = top.model_config?.config?.layers ?? top.config?.layers ?? [];
  return layers.map((l) => ({ className: l.class_name ?? '', name: l.config?.name ?? l.name ?? '' }));
}

/** A ConvNet's feature layer: the penultimate dense layer (LeNet-5: the 84-unit one), else the last flatten. */
export function penultimateDenseLayer(file: string): string {
  const layers = topologyLayers(file);
  const dense = layers.filter((l) => l.className === 'Dense');
  if (dense.length >= 2) return (dense[dense.length - 2] as { name: string }).name;
  const flat = layers.filter((l) => l.className === 'Flatten' || l.className.startsWith('Global'));
  if (flat.length) return (flat[flat.length - 1] as { name: string }).name;
  throw new ModelFileError(`model ${file}: no penultimate dense or flatten layer to take features from; name one with layer`);
}
