/**
 * Exports of a run (`runs.export`, `mlbl export`): captions for a split of a language-model run
 * (CSV `image,caption`, JSONL `{"image","caption"}` per line, COCO results JSON
 * `[{"image_id","caption"}]`), metrics (CSV long format `run_id,key,step,epoch,wall_time,value`,
 * or JSON), and the model in the TF.js layers format (a ConvNet checkpoint as it is; a
 * language-model checkpoint rewritten as a layers model, see export-model.ts).
 *
 * Captions are beam-decoded in an engine process by the language-model service
 * (lm-service.ts `captionSplit`, the engine's `lm-caption-split` job); tfjs never loads in the host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type ArtefactRecord, type CheckpointInfo, type ExportFile, type MethodParsedInput } from '../../shared/api';
import { LM_MODELS } from '../../shared/lm-spec';
import type { Store } from '../store/store';
import { chooseCheckpoint } from '../checkpoints/checkpoint-files';
import { captionsFileOf, captionsText, metricsCsv, metricsFileOf, metricsJson, modelFiles, type CaptionRow } from './export-formats';
import { filesResult, textFileResult, type OffLoop } from './offloop';
import { modelArchiveName, zipFiles } from './zip';
import type { RunManager } from '../runs/run-manager';

export type ExportInput = MethodParsedInput<'runs.export'>;
export type SplitChoice = 'train' | 'validation' | 'test' | 'all';

/** What exports need of the language-model service (lm-service.ts). */
export interface LmExportSource {
  checkpoints(runId: string): CheckpointInfo[];
  captionSplit(
    runId: string,
    o: { checkpoint?: string; split: SplitChoice; beam: number },
  ): Promise<{ checkpoint: CheckpointInfo; captions: { itemId: number | null; image: string; caption: string }[] }>;
}

export interface ExportContext {
  store: Store;
  runs: RunManager;
  lm: LmExportSource;
  /** Where the files are made (off the host's event loop); in this thread when absent. */
  offloop?: OffLoop;
}

const isLm = (preset: string): boolean => (LM_MODELS as readonly string[]).includes(preset);

/**
 * The folder of a ConvNet run's checkpoint: `best` (the latest checkpoint marked best, else the
 * latest), `last`, or a checkpoint artefact id.
 */
export function layersCheckpointDir(store: Store, runs: RunManager, runId: string, choice: string): string {
  const list = store.artefacts(runId, 'checkpoint');
  if (list.length === 0) throw new ApiError('not_found', `run ${runId} has no checkpoint yet`);
  let ck: ArtefactRecord | undefined;
  if (choice === 'best' || choice === 'last') ck = chooseCheckpoint(list, choice);
  else if (/^\d+$/.test(choice)) ck = list.find((a) => a.id === Number(choice));
  if (!ck)
    throw new ApiError('not_found', `run ${runId} has no checkpoint ${JSON.stringify(choice)} (it has: best, last, ${list.map((a) => a.id).join(', ')})`);
  const file = store.artefactPath(runId, ck.id)?.path;
  return insideRun(runs, runId, file ? path.dirname(file) : null, String(ck.id));
}

/** The folder of a language-model checkpoint, by the ids of `runs.checkpoints` (`best`, `last` or a checkpoint id). */
export function lmCheckpointDir(lm: LmExportSource, runs: RunManager, runId: string, choice: string): string {
  const list = lm.checkpoints(runId);
  if (list.length === 0) throw new ApiError('not_found', `run ${runId} has no checkpoint yet (the first is written after the first epoch)`);
  const ck = choice === 'best' ? (list.find((c) => c.best) ?? list.at(-1)) : choice === 'last' ? list.at(-1) : list.find((c) => c.id === choice);
  if (!ck)
    throw new ApiError('not_found', `run ${runId} has no checkpoint ${JSON.stringify(choice)} (it has: best, last, ${list.map((c) => c.id).join(', ')})`);
  return insideRun(runs, runId, path.resolve(runs.runDir(runId), ck.id), ck.id);
}

/** A checkpoint folder, checked to lie inside the run's folder and to still exist. */
function insideRun(runs: RunManager, runId: string, dir: string | null, label: string): string {
  const root = path.resolve(runs.runDir(runId));
  if (!dir || !(path.resolve(dir) + path.sep).startsWith(root + path.sep)) throw new ApiError('internal', 'checkpoint outside its run folder');
  if (!fs.existsSync(path.join(dir, 'model.json'))) throw new ApiError('not_found', `checkpoint ${label} of run ${runId} is gone from disk (${dir})`);
  return path.resolve(dir);
}

/** Decoded splits by (checkpoint file, split, beam): exporting the same captions in another format decodes nothing again. */
const captionCache = new Map<string, Promise<CaptionRow[]>>();
const CAPTION_CACHE_SIZE = 8;

function splitCaptions(ctx: ExportContext, runId: string, checkpoint: string, split: SplitChoice, beam: number): Promise<CaptionRow[]> {
  const dir = lmCheckpointDir(ctx.lm, ctx.runs, runId, checkpoint);
  const st = fs.statSync(path.join(dir, 'model.json'));
  const key = JSON.stringify([dir, st.mtimeMs, st.size, split, beam]);
  let p = captionCache.get(key);
  if (!p) {
    p = ctx.lm.captionSplit(runId, { checkpoint, split, beam }).then((r) => r.captions.map((c) => ({ image: c.image, caption: c.caption })));
    p.catch(() => captionCache.delete(key));
    captionCache.set(key, p);
    while (captionCache.size > CAPTION_CACHE_SIZE) captionCache.delete(captionCache.keys().next().value as string);
  }
  return p;
}

export async function exportRun(ctx: ExportContext, q: ExportInput): Promise<{ files: ExportFile[] }> {
  const run = ctx.runs.get(q.id);
  if (!run) throw new ApiError('not_found', `no run with id ${q.id}`);
  if (q.what === 'metrics') {
    const all = ctx.store.metricKeys(run.id);
    const unknown = (q.keys ?? []).filter((k) => !all.includes(k));
    if (unknown.length)
      throw new ApiError(
        'bad_request',
        `run ${run.id} has no metric ${unknown.map((k) => JSON.stringify(k)).join(', ')} (it has: ${all.join(', ') || 'none yet'})`,
      );
    const keys = q.keys ?? all;
    const file = metricsFileOf(run.id, q.format);
    if (ctx.offloop)
      return textFileResult(
        file.name,
        file.mime,
        await ctx.offloop.run({ kind: 'metrics-export', dbFile: ctx.store.file, runId: run.id, keys, format: q.format, ...file }),
      );
    const series = keys.map((key) => ({ key, points: ctx.store.metricPoints(run.id, key) }));
    return { files: [{ ...file, encoding: 'utf8', content: q.format === 'csv' ? metricsCsv(run.id, series) : metricsJson(run.id, series) }] };
  }
  if (q.what === 'model') {
    const lm = isLm(run.preset);
    const dir = lm ? lmCheckpointDir(ctx.lm, ctx.runs, run.id, q.checkpoint) : layersCheckpointDir(ctx.store, ctx.runs, run.id, q.checkpoint);
    const files = ctx.offloop ? filesResult(await ctx.offloop.run({ kind: 'model-export', runId: run.id, dir, lm })).files : modelFiles(run.id, dir, lm);
    if (q.archive !== 'zip') return { files };
    const zip = zipFiles(files.map((f) => ({ name: f.name, data: Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8') })));
    return { files: [{ name: modelArchiveName(run), mime: 'application/zip', encoding: 'base64', content: zip.toString('base64') }] };
  }
  if (!isLm(run.preset))
    throw new ApiError('bad_request', `captions export needs a language-model run (${LM_MODELS.join(', ')}); run ${run.id} is ${run.preset}`);
  const rows = await splitCaptions(ctx, run.id, q.checkpoint, q.split, q.beam);
  const file = captionsFileOf(run.id, q.split, q.format);
  if (ctx.offloop) return textFileResult(file.name, file.mime, await ctx.offloop.run({ kind: 'captions-export', rows, format: q.format, ...file }));
  return { files: [{ ...file, encoding: 'utf8', content: captionsText(rows, q.format) }] };
}
