/**
 * Caption benchmark (issue 17, `--only caption`): the caption explorer's engine path
 * (src/engine/lm/serve.ts `runDecodeJob`, what a warm engine answers for `runs.decode`) on an
 * MLBL-B checkpoint of the README's size (flickr8k-mini vocabulary at minCount 2, K 100, n 5,
 * h 256, MobileNetV2 `flatten_1` features, D 1,280). Its weights are random: a random model
 * rarely says `<end>`, so every caption runs to maxLength (20 words), the slowest case.
 *
 *   caption_warm_ms_p50          beam 3, one image whose features are cached, engine warm
 *   caption_warm_greedy_ms_p50   the same, greedy
 *   caption_new_image_ms_p50     beam 3, an image file never seen (decode, resize, MobileNetV2, beam search)
 *   caption_cold_ms              a fresh process: from its start (module loading included) to the
 *                                first caption of a new image (backend, checkpoint and extractor loaded on the way)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LmDecodeJob, LmImageInput } from '../src/shared/engine-jobs';
import { Vocab } from '../src/shared/vocabulary';
import { extractFeatures, loadExtractor } from '../src/engine/features/extract';
import { saveCheckpoint } from '../src/engine/lm/checkpoint';
import { readCaptionsCsv } from '../src/engine/lm/data';
import { LmModel, initialValues, type LmConfig } from '../src/engine/lm/model';
import { runDecodeJob } from '../src/engine/lm/serve';
import { featureBenchPaths } from './features';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const r1 = (x: number): number => Math.round(x * 10) / 10;

const decodeJob = (checkpointDir: string, images: LmImageInput[], method: 'greedy' | 'beam'): LmDecodeJob => ({
  kind: 'lm-decode',
  checkpointDir,
  images,
  method,
  beam: method === 'greedy' ? 1 : 3,
  temperature: 1,
  topK: 0,
  maxLength: 20,
  seed: 1,
});

/** Builds the checkpoint and a feature file for the first 8 images in `dir`; returns what the runs need. */
export async function prepare(projectRoot: string, dir: string): Promise<{ checkpointDir: string; header: string; images: string; names: string[] }> {
  const { model: modelPath, images } = featureBenchPaths(projectRoot);
  const captionsCsv = path.join(images, '..', 'captions.csv');
  const names = fs
    .readdirSync(images)
    .filter((f) => f.toLowerCase().endsWith('.jpg'))
    .sort();
  const rows = readCaptionsCsv(captionsCsv);
  const vocab = Vocab.fromCaptions(
    rows.map((r) => r.caption),
    2,
  );
  const ex = await loadExtractor(modelPath);
  const header = path.join(dir, 'features', `${ex.layer}.json`);
  try {
    await extractFeatures({ model: modelPath, extractor: ex, imagesDir: images, images: names.slice(0, 8), out: header });
  } finally {
    ex.dispose();
  }
  const fh = JSON.parse(fs.readFileSync(header, 'utf8')) as {
    model: string;
    layer: string;
    dim: number;
    input: { width: number; height: number; scale: number; offset: number; resize: string };
  };
  const config: LmConfig = { model: 'mlbl-b', V: vocab.size, K: 100, n: 5, D: fh.dim, h: 256, F: 0, dropout: 0 };
  const model = new LmModel(config, initialValues(config, 1));
  const checkpointDir = path.join(dir, 'checkpoint');
  saveCheckpoint(checkpointDir, model, vocab, {
    features: { header, model: fh.model, layer: fh.layer, dim: fh.dim, input: fh.input },
    meanImage: new Float32Array(fh.dim),
    epoch: 1,
    step: 1,
    metrics: {},
    params: {},
  });
  model.dispose();
  return { checkpointDir, header, images, names };
}

export interface CaptionFigures {
  caption_warm_ms_p50: number;
  caption_warm_greedy_ms_p50: number;
  caption_new_image_ms_p50: number;
  caption_cold_ms: number | null;
  caption_detail: Record<string, unknown>;
}

export async function benchCaption(projectRoot: string, say: (m: string) => void, quick = false): Promise<CaptionFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-bench-caption-'));
  try {
    const p = await prepare(projectRoot, dir);
    // Cold first: a fresh process (nothing loaded) captions a new image.
    say('caption: cold start in a fresh process ...');
    const cold = await coldStart(p.checkpointDir, path.join(p.images, p.names[20] as string), dir);
    const timeIt = async (job: LmDecodeJob): Promise<number> => {
      const t0 = performance.now();
      const r = await runDecodeJob(job);
      const dt = performance.now() - t0;
      if (r.captions.length !== 1 || !r.captions[0]?.text) throw new Error('caption bench: no caption');
      return dt;
    };
    const cached = (i: number): LmImageInput[] => [{ features: p.header, key: p.names[i % 8] as string }];
    // Warm-up: checkpoint, feature file and extractor loaded, kernels compiled.
    await timeIt(decodeJob(p.checkpointDir, cached(0), 'beam'));
    await timeIt(decodeJob(p.checkpointDir, [{ file: path.join(p.images, p.names[8] as string) }], 'beam'));
    const reps = quick ? 5 : 21;
    const beam: number[] = [];
    const greedy: number[] = [];
    for (let i = 0; i < reps; i++) {
      beam.push(await timeIt(decodeJob(p.checkpointDir, cached(i), 'beam')));
      greedy.push(await timeIt(decodeJob(p.checkpointDir, cached(i), 'greedy')));
    }
    const fresh: number[] = [];
    const newCount = quick ? 5 : 11;
    for (let i = 0; i < newCount; i++) fresh.push(await timeIt(decodeJob(p.checkpointDir, [{ file: path.join(p.images, p.names[9 + i] as string) }], 'beam')));
    return {
      caption_warm_ms_p50: r1(median(beam)),
      caption_warm_greedy_ms_p50: r1(median(greedy)),
      caption_new_image_ms_p50: r1(median(fresh)),
      caption_cold_ms: cold.ms,
      caption_detail: {
        vocabulary: JSON.parse(fs.readFileSync(path.join(p.checkpointDir, 'model.json'), 'utf8')).config,
        warm_beam_ms: beam.map(r1),
        warm_greedy_ms: greedy.map(r1),
        new_image_ms: fresh.map(r1),
        cold: cold.detail,
        goals_ms: { warm: 50, new_image: 300, cold: 2000 },
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Runs caption-cold.ts in a fresh Node; its figure is from the process's own start. The script is
 * bundled first with esbuild (tsx's own compiler; packages left external), as the built app bundles
 * the engine, so the figure does not include compiling TypeScript on the fly.
 */
async function coldStart(checkpointDir: string, image: string, dir: string): Promise<{ ms: number | null; detail: Record<string, unknown> }> {
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const bundle = path.join(here, `.caption-cold-${process.pid}.mjs`); // inside the project, so its packages resolve
  await esbuild.build({
    entryPoints: [path.join(here, 'caption-cold.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: bundle,
    logLevel: 'silent',
  });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bundle, checkpointDir, image], { encoding: 'utf8', timeout: 120_000, cwd: dir });
  const wall = performance.now() - t0;
  fs.rmSync(bundle, { force: true });
  const line = (r.stdout || '')
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) return { ms: null, detail: { error: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` } };
  const o = JSON.parse(line) as { since_process_start_ms: number; caption_call_ms: number };
  return { ms: r1(o.since_process_start_ms), detail: { ...o, spawn_to_exit_ms: r1(wall) } };
}
