/**
 * Feature-extraction benchmark (issue 17, `--only features`): MobileNetV2 (../shared/models/mobilenet-v2-nsfwjs,
 * its pooled 1,280-value layer) over the first N Flickr photos of flickr8k-mini (sorted by name, as
 * ../shared/bench/peers/mobilenet_features_torch.py takes them), through the product's own
 * `extractFeatures` (JPEG decode and resize included, written to a feature file), against the
 * PyTorch peer on the same files. The model is loaded and warmed once; every timed round extracts
 * into a fresh file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractFeatures, loadExtractor, type FeatureExtractor } from '../src/engine/features/extract';
import { FEATURE_BATCH } from '../src/engine/features/main-extract';

export interface FeaturesRound {
  per_s: number;
  seconds: number;
  images: number;
}

export interface FeaturesBench {
  images: number;
  batch: number;
  timed(): Promise<FeaturesRound>;
  dispose(): void;
}

export function featureBenchPaths(projectRoot: string): { model: string; images: string } {
  const shared = path.resolve(projectRoot, '..', 'shared');
  return {
    model: process.env.MLBL_BENCH_FEATURE_MODEL ?? path.join(shared, 'models', 'mobilenet-v2-nsfwjs'),
    images: process.env.MLBL_BENCH_IMAGES ?? path.join(shared, 'datasets', 'flickr8k-mini', 'images'),
  };
}

export async function setupFeatures(projectRoot: string, n: number): Promise<FeaturesBench> {
  const { model, images } = featureBenchPaths(projectRoot);
  if (!fs.existsSync(images)) throw new Error(`features bench: no images folder ${images} (set MLBL_BENCH_IMAGES)`);
  const files = fs
    .readdirSync(images)
    .filter((f) => f.toLowerCase().endsWith('.jpg'))
    .sort()
    .slice(0, n);
  if (files.length === 0) throw new Error(`features bench: no .jpg in ${images}`);
  const ex: FeatureExtractor = await loadExtractor(model);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-bench-features-'));
  let round = 0;
  const once = async (list: string[]): Promise<FeaturesRound> => {
    const out = path.join(tmp, `r${round++}.json`);
    const t0 = performance.now();
    const r = await extractFeatures({ model, extractor: ex, imagesDir: images, images: list, out, batchSize: FEATURE_BATCH });
    const seconds = (performance.now() - t0) / 1000;
    if (r.computed !== list.length) throw new Error(`features bench: extracted ${r.computed} of ${list.length} images`);
    fs.rmSync(out, { force: true });
    fs.rmSync(out.replace(/\.json$/, '.f32'), { force: true });
    return { per_s: Math.round((list.length / seconds) * 10) / 10, seconds: Math.round(seconds * 100) / 100, images: list.length };
  };
  await once(files.slice(0, Math.min(files.length, 2 * FEATURE_BATCH))); // warm-up: kernels compiled, weights packed
  return {
    images: files.length,
    batch: FEATURE_BATCH,
    timed: () => once(files),
    dispose: () => {
      ex.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
