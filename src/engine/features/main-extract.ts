/**
 * The engine side of a feature-extraction job (engine-jobs.ts FeatureJob): loads the model,
 * resolves the layer (the model's default feature layer when none is named), then extracts every
 * image into `<outDir>/<layer>.json` with extract.ts, resuming a file an earlier (killed) job left.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FeatureJob, FeatureJobProgress, FeatureJobResult } from '../../shared/engine-jobs';
import { extractFeatures, loadExtractor } from './extract';

/**
 * Images per forward pass. MobileNetV2 on wasm (folded BNs, loaded 2-core machine, one run each):
 * forward 72 ms per image at 8, 55 at 16, 36-97 at 32 (too noisy to choose); 16 keeps the wasm
 * heap's activations near 200 MB (peak RSS of the bench 520 MB).
 */
export const FEATURE_BATCH = 16;

/** File name for a layer's feature file (layer names may hold characters a file name should not). */
export function layerFileName(layer: string): string {
  return `${layer.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

export async function runFeatureJob(
  job: FeatureJob,
  progress: (p: FeatureJobProgress) => void,
  shouldStop: () => boolean = () => false,
): Promise<FeatureJobResult> {
  if (!fs.existsSync(job.imagesDir)) throw new Error(`images folder ${job.imagesDir} does not exist`);
  const ex = await loadExtractor(job.model, { layer: job.layer });
  try {
    const header = path.join(job.outDir, layerFileName(ex.layer));
    const base = { layer: ex.layer, dim: ex.dim, header };
    let t0 = 0;
    let last: { computed: number; failed: number; skipped: number } = { computed: 0, failed: 0, skipped: 0 };
    let lastSent = 0;
    const r = await extractFeatures({
      model: job.model,
      extractor: ex,
      imagesDir: job.imagesDir,
      images: job.images,
      out: header,
      batchSize: job.batchSize ?? FEATURE_BATCH,
      shouldStop,
      onProgress: (p) => {
        if (t0 === 0) t0 = performance.now();
        last = { computed: p.done - p.skipped - p.failed, failed: p.failed, skipped: p.skipped };
        const now = performance.now();
        // At most ~5 messages a second, and always the first and the last.
        if (now - lastSent < 200 && p.done > 0 && p.done < p.total) return;
        lastSent = now;
        progress({ ...base, done: p.done, total: p.total, skipped: p.skipped, failed: p.failed, imagesPerSecond: p.imagesPerSecond });
      },
    });
    const seconds = t0 ? (performance.now() - t0) / 1000 : 0;
    return {
      ...base,
      rows: r.header.images.length,
      total: new Set(job.images).size,
      failed: Object.keys(r.header.failed).length,
      computed: r.computed,
      stopped: r.stopped,
      seconds,
      imagesPerSecond: last.computed / Math.max(1e-3, seconds),
      modelPath: ex.modelPath,
    };
  } finally {
    ex.dispose();
  }
}
