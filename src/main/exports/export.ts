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
import { ApiError, type ArtefactRecord, type CheckpointInfo, type ExportFile, type MethodParsedInput, type MetricPoint } from '../../shared/api';
import { csvRecords } from '../../shared/csv';
import { LM_MODELS } from '../../shared/lm-spec';
import type { Store } from '../store/store';
import { chooseCheckpoint } from '../checkpoints/checkpoint-files';
import { layersModelFiles, lmModelFiles } from './export-model';
import { filesResult, textFileResult, type OffLoop } from './offloop';
import type { RunManager } from '../runs/run-manager';

export interface CaptionRow { image: string; caption: string }

/** `image,caption` with a header row, one row per caption, LF line ends. */
export function captionsCsv(rows: readonly CaptionRow[]): string {
  return csvRecords([['image', 'caption'], ...rows.map((r) => [r.image, r.caption])]);
}

/** One `{"image","caption"}` object per line. */
export function captionsJsonl(rows: readonly CaptionRow[]): string {
  return rows.map((r) => JSON.stringify({ image: r.image, caption: r.caption }) + '\n').join('');
}

/**
 * COCO image id of an image file: the file name without folders and extension; a number when it
 * is all digits (leading zeros dropped); for COCO's own names (`COCO_val2014_000000391895.jpg`)
 * the number at the end, as the COCO caption evaluation expects.
 */
export function cocoImageId(image: string): string | number {
  const base = image.split(/[\\/]/).pop() ?? image;
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const coco = /^COCO_[A-Za-z]+\d*_(\d+)$/.exec(stem);
  const digits = coco ? coco[1] as string : /^\d+$/.test(stem) ? stem : null;
  if (digits !== null && Number.isSafeInteger(Number(digits))) return Number(digits);
  return stem;
}

/** COCO results JSON: `[{"image_id", "caption"}]`. */
export function captionsCoco(rows: readonly CaptionRow[]): string {
  return JSON.stringify(rows.map((r) => ({ image_id: cocoImageId(r.image), caption: r.caption })));
}

export interface MetricExportSeries { key: string; points: MetricPoint[] }

const csvNumber = (v: number): string => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '' : v > 0 ? 'inf' : '-inf');

const METRICS_HEADER = ['run_id', 'key', 'step', 'epoch', 'wall_time', 'value'];

/** Long format: `run_id,key,step,epoch,wall_time,value`, keys in the given order, points by step; a missing (NaN) value is empty. */
export function metricsCsv(runId: string, series: readonly MetricExportSeries[]): string {
  const records = [METRICS_HEADER];
  for (const s of series) {
    for (const p of s.points) records.push([runId, s.key, csvNumber(p.step), csvNumber(p.epoch), csvNumber(p.wallTime), csvNumber(p.value)]);
  }
  return csvRecords(records);
}

/** `{ runId, metrics: [{ key, points: [{ step, epoch, wallTime, value }] }] }`; a missing (NaN) value is null. */
export function metricsJson(runId: string, series: readonly MetricExportSeries[]): string {
  return JSON.stringify({ runId, metrics: series.map((s) => ({ key: s.key, points: s.points.map((p) => ({ step: p.step, epoch: p.epoch, wallTime: p.wallTime, value: Number.isFinite(p.value) ? p.value : null })) })) });
}

/**
 * Text built in pieces of about 1 MB: the UTF-8 bytes of the whole text, and of a JSON document
 * that holds it as one string (the reply's own JSON, so the host need not stringify 70 MB).
 * Pieces end at whole records, so a surrogate pair is never split; escaping a string piece by
 * piece gives the same bytes as escaping it whole.
 */
export class TextParts {
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly raw: Buffer[] = [];
  private readonly json: Buffer[] = [];

  constructor(jsonPrefix = '') {
    if (jsonPrefix) this.json.push(Buffer.from(jsonPrefix));
  }

  push(s: string): void {
    this.pending.push(s);
    this.pendingChars += s.length;
    if (this.pendingChars >= 1 << 20) this.flush();
  }

  private flush(): void {
    if (!this.pending.length) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.raw.push(Buffer.from(text));
    this.json.push(Buffer.from(JSON.stringify(text).slice(1, -1)));
  }

  /** The text's bytes, and the JSON document's (prefix, the text escaped, suffix). */
  finish(jsonSuffix = ''): { raw: Buffer; json: Buffer } {
    this.flush();
    if (jsonSuffix) this.json.push(Buffer.from(jsonSuffix));
    const out = { raw: Buffer.concat(this.raw), json: Buffer.concat(this.json) };
    this.raw.length = 0;
    this.json.length = 0;
    return out;
  }
}

/** The raw rows of a metric series, by step, in pages: [step, epoch, wall time, value or null]. */
export type MetricRowPages = (key: string) => Iterable<readonly (readonly [number, number, number, number | null])[]>;

/** `metricsCsv`, written row by row from pages of stored rows into `out`: the same bytes. */
export function writeMetricsCsv(runId: string, keys: readonly string[], pages: MetricRowPages, out: { push(s: string): void }): void {
  out.push(csvRecords([METRICS_HEADER]));
  // A page of records at a time, so the text is built in pieces (see TextParts), never whole.
  const records: string[][] = [];
  for (const key of keys) {
    for (const page of pages(key)) {
      records.length = 0;
      for (const r of page) records.push([runId, key, csvNumber(r[0]), csvNumber(r[1]), csvNumber(r[2]), csvNumber(r[3] ?? Number.NaN)]);
      out.push(csvRecords(records));
    }
  }
}

const jsonNumber = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/** `metricsJson`, written point by point from pages of stored rows into `out`: the same bytes. */
export function writeMetricsJson(runId: string, keys: readonly string[], pages: MetricRowPages, out: { push(s: string): void }): void {
  out.push(`{"runId":${JSON.stringify(runId)},"metrics":[`);
  const items: string[] = [];
  keys.forEach((key, k) => {
    out.push(`${k ? ',' : ''}{"key":${JSON.stringify(key)},"points":[`);
    let first = true;
    for (const page of pages(key)) {
      items.length = 0;
      for (const r of page) {
        items.push(`${first ? '' : ','}{"step":${jsonNumber(r[0])},"epoch":${jsonNumber(r[1])},"wallTime":${jsonNumber(r[2])},"value":${r[3] === null ? 'null' : jsonNumber(r[3])}}`);
        first = false;
      }
      out.push(items.join(''));
    }
    out.push(']}');
  });
  out.push(']}');
}

/** The JSON of `{ files: [file] }` around a text file's content, split where the content goes. */
export function fileReplyJson(name: string, mime: string): [prefix: string, suffix: string] {
  return [`{"files":[{"name":${JSON.stringify(name)},"mime":${JSON.stringify(mime)},"encoding":"utf8","content":"`, '"}]}'];
}

export const metricsFileOf = (runId: string, format: 'csv' | 'json'): { name: string; mime: string } =>
  format === 'csv' ? { name: `${stemOf(runId)}-metrics.csv`, mime: 'text/csv' } : { name: `${stemOf(runId)}-metrics.json`, mime: 'application/json' };

export type CaptionFormat = 'csv' | 'jsonl' | 'coco';

export function captionsFileOf(runId: string, split: string, format: CaptionFormat): { name: string; mime: string } {
  const base = `${stemOf(runId)}-captions-${split}`;
  switch (format) {
    case 'csv': return { name: `${base}.csv`, mime: 'text/csv' };
    case 'jsonl': return { name: `${base}.jsonl`, mime: 'application/x-ndjson' };
    case 'coco': return { name: `${base}-coco.json`, mime: 'application/json' };
  }
}

export function captionsText(rows: readonly CaptionRow[], format: CaptionFormat): string {
  return format === 'csv' ? captionsCsv(rows) : format === 'jsonl' ? captionsJsonl(rows) : captionsCoco(rows);
}

export type ExportInput = MethodParsedInput<'runs.export'>;
export type SplitChoice = 'train' | 'validation' | 'test' | 'all';

/** What exports need of the language-model service (lm-service.ts). */
export interface LmExportSource {
  checkpoints(runId: string): CheckpointInfo[];
  captionSplit(runId: string, o: { checkpoint?: string; split: SplitChoice; beam: number }): Promise<{ checkpoint: CheckpointInfo; captions: { itemId: number | null; image: string; caption: string }[] }>;
}

export interface ExportContext {
  store: Store;
  runs: RunManager;
  lm: LmExportSource;
  /** Where the files are made (off the host's event loop); in this thread when absent. */
  offloop?: OffLoop;
}

const isLm = (preset: string): boolean => (LM_MODELS as readonly string[]).includes(preset);

/** A file-name-safe form of a run's id (ids are already [A-Za-z0-9_-]). */
const stemOf = (runId: string): string => runId.replace(/[^A-Za-z0-9_-]/g, '_');

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
  if (!ck) throw new ApiError('not_found', `run ${runId} has no checkpoint ${JSON.stringify(choice)} (it has: best, last, ${list.map((a) => a.id).join(', ')})`);
  const file = store.artefactPath(runId, ck.id)?.path;
  return insideRun(runs, runId, file ? path.dirname(file) : null, String(ck.id));
}

/** The folder of a language-model checkpoint, by the ids of `runs.checkpoints` (`best`, `last` or a checkpoint id). */
export function lmCheckpointDir(lm: LmExportSource, runs: RunManager, runId: string, choice: string): string {
  const list = lm.checkpoints(runId);
  if (list.length === 0) throw new ApiError('not_found', `run ${runId} has no checkpoint yet (the first is written after the first epoch)`);
  const ck = choice === 'best' ? (list.find((c) => c.best) ?? list.at(-1)) : choice === 'last' ? list.at(-1) : list.find((c) => c.id === choice);
  if (!ck) throw new ApiError('not_found', `run ${runId} has no checkpoint ${JSON.stringify(choice)} (it has: best, last, ${list.map((c) => c.id).join(', ')})`);
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
    if (unknown.length) throw new ApiError('bad_request', `run ${run.id} has no metric ${unknown.map((k) => JSON.stringify(k)).join(', ')} (it has: ${all.join(', ') || 'none yet'})`);
    const keys = q.keys ?? all;
    const file = metricsFileOf(run.id, q.format);
    if (ctx.offloop) return textFileResult(file.name, file.mime, await ctx.offloop.run({ kind: 'metrics-export', dbFile: ctx.store.file, runId: run.id, keys, format: q.format, ...file }));
    const series = keys.map((key) => ({ key, points: ctx.store.metricPoints(run.id, key) }));
    return { files: [{ ...file, encoding: 'utf8', content: q.format === 'csv' ? metricsCsv(run.id, series) : metricsJson(run.id, series) }] };
  }
  if (q.what === 'model') {
    const lm = isLm(run.preset);
    const dir = lm ? lmCheckpointDir(ctx.lm, ctx.runs, run.id, q.checkpoint) : layersCheckpointDir(ctx.store, ctx.runs, run.id, q.checkpoint);
    if (ctx.offloop) return filesResult(await ctx.offloop.run({ kind: 'model-export', runId: run.id, dir, lm }));
    return { files: modelFiles(run.id, dir, lm) };
  }
  if (!isLm(run.preset)) throw new ApiError('bad_request', `captions export needs a language-model run (${LM_MODELS.join(', ')}); run ${run.id} is ${run.preset}`);
  const rows = await splitCaptions(ctx, run.id, q.checkpoint, q.split, q.beam);
  const file = captionsFileOf(run.id, q.split, q.format);
  if (ctx.offloop) return textFileResult(file.name, file.mime, await ctx.offloop.run({ kind: 'captions-export', rows, format: q.format, ...file }));
  return { files: [{ ...file, encoding: 'utf8', content: captionsText(rows, q.format) }] };
}

/** A checkpoint folder as TF.js layers files; a failure names the run. */
export function modelFiles(runId: string, dir: string, lm: boolean): ExportFile[] {
  try {
    return lm ? lmModelFiles(dir) : layersModelFiles(dir);
  } catch (e) {
    throw new ApiError('internal', `model export of run ${runId}: ${(e as Error).message}`);
  }
}
