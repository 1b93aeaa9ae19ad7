/**
 * The files an export writes, as text: captions (CSV, JSONL, COCO results JSON), metrics (CSV long
 * format, JSON; also page by page into ~1 MB pieces), a checkpoint as TF.js layers files. Pure
 * formatting: the export service (export.ts) and its worker (offloop-worker.ts) both use it.
 */
import { ApiError, type ExportFile, type MetricPoint } from '../../shared/api';
import { csvRecords } from '../../shared/csv';
import { layersModelFiles, lmModelFiles } from './export-model';

/** A run id as a file-name stem. */
export const stemOf = (runId: string): string => runId.replace(/[^A-Za-z0-9_-]/g, '_');

export interface CaptionRow {
  image: string;
  caption: string;
}

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
  const digits = coco ? (coco[1] as string) : /^\d+$/.test(stem) ? stem : null;
  if (digits !== null && Number.isSafeInteger(Number(digits))) return Number(digits);
  return stem;
}

/** COCO results JSON: `[{"image_id", "caption"}]`. */
export function captionsCoco(rows: readonly CaptionRow[]): string {
  return JSON.stringify(rows.map((r) => ({ image_id: cocoImageId(r.image), caption: r.caption })));
}

export interface MetricExportSeries {
  key: string;
  points: MetricPoint[];
}

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
  return JSON.stringify({
    runId,
    metrics: series.map((s) => ({
      key: s.key,
      points: s.points.map((p) => ({ step: p.step, epoch: p.epoch, wallTime: p.wallTime, value: Number.isFinite(p.value) ? p.value : null })),
    })),
  });
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
        items.push(
          `${first ? '' : ','}{"step":${jsonNumber(r[0])},"epoch":${jsonNumber(r[1])},"wallTime":${jsonNumber(r[2])},"value":${r[3] === null ? 'null' : jsonNumber(r[3])}}`,
        );
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
    case 'csv':
      return { name: `${base}.csv`, mime: 'text/csv' };
    case 'jsonl':
      return { name: `${base}.jsonl`, mime: 'application/x-ndjson' };
    case 'coco':
      return { name: `${base}-coco.json`, mime: 'application/json' };
  }
}

export function captionsText(rows: readonly CaptionRow[], format: CaptionFormat): string {
  return format === 'csv' ? captionsCsv(rows) : format === 'jsonl' ? captionsJsonl(rows) : captionsCoco(rows);
}

/** A checkpoint folder as TF.js layers files; a failure names the run. */
export function modelFiles(runId: string, dir: string, lm: boolean): ExportFile[] {
  try {
    return lm ? lmModelFiles(dir) : layersModelFiles(dir);
  } catch (e) {
    throw new ApiError('internal', `model export of run ${runId}: ${(e as Error).message}`);
  }
}
