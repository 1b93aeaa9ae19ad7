/**
 * Long work of the host, off its event loop (issue 14): metrics exports, large metric queries,
 * model exports and caption files, in a worker_threads Worker with its own read-only connection
 * to the workbench database (WAL: it reads a consistent snapshot while the host keeps writing).
 * Each job answers with its result and the UTF-8 JSON of that result (encoded-reply.ts), both in
 * transferred buffers where they are large, so the host copies nothing.
 */
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ApiError, type ExportFile, type MetricSeries } from '../../shared/api';
import type { DownsampleMethod } from '../../shared/downsample';
import { metricPages, querySeries } from '../store/metric-blocks';
import type { Db } from '../store/db';
import { captionsText, fileReplyJson, modelFiles, TextParts, writeMetricsCsv, writeMetricsJson, type CaptionFormat, type CaptionRow } from './export-formats';

export type OffLoopJob =
  | { kind: 'metrics-export'; dbFile: string; runId: string; keys: string[]; format: 'csv' | 'json'; name: string; mime: string }
  | { kind: 'metrics-query'; dbFile: string; runId: string; keys: string[]; maxPoints: number; method: DownsampleMethod }
  | { kind: 'model-export'; runId: string; dir: string; lm: boolean }
  | { kind: 'captions-export'; rows: CaptionRow[]; format: CaptionFormat; name: string; mime: string };

/** A series as columns (transferred, not cloned point by point). */
export interface PackedSeries {
  key: string;
  total: number;
  columns: Float64Array;
}

export type OffLoopResult =
  | { kind: 'text'; raw: Uint8Array; json: Uint8Array }
  | { kind: 'series'; series: PackedSeries[]; json: Uint8Array }
  | { kind: 'files'; files: ExportFile[]; json: Uint8Array };

export type OffLoopIn = { id: number; job: OffLoopJob };
export type OffLoopOut = { id: number; ok: true; result: OffLoopResult } | { id: number; ok: false; code: ApiError['code'] | null; message: string };

const dbs = new Map<string, Db>();

function open(file: string): Db {
  let db = dbs.get(file);
  if (!db) {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // The host may hold the write lock for a moment (a checkpoint); wait rather than fail.
    db.pragma('busy_timeout = 30000');
    dbs.set(file, db);
  }
  return db;
}

/** Runs `fn` in one read transaction: every page of an export comes from the same snapshot. */
function snapshot<T>(db: Db, fn: () => T): T {
  return db.transaction(fn)();
}

export function runJob(job: OffLoopJob): OffLoopResult {
  switch (job.kind) {
    case 'metrics-export': {
      const db = open(job.dbFile);
      const [prefix, suffix] = fileReplyJson(job.name, job.mime);
      const out = new TextParts(prefix);
      snapshot(db, () => (job.format === 'csv' ? writeMetricsCsv : writeMetricsJson)(job.runId, job.keys, (key) => metricPages(db, job.runId, key), out));
      return { kind: 'text', ...out.finish(suffix) };
    }
    case 'metrics-query': {
      const db = open(job.dbFile);
      const series = snapshot(db, () => job.keys.map((key) => querySeries(db, job.runId, key, job.maxPoints, job.method)));
      return { kind: 'series', series: series.map(pack), json: Buffer.from(JSON.stringify(series)) };
    }
    case 'model-export': {
      const files = modelFiles(job.runId, job.dir, job.lm);
      return { kind: 'files', files, json: Buffer.from(JSON.stringify({ files })) };
    }
    case 'captions-export': {
      const [prefix, suffix] = fileReplyJson(job.name, job.mime);
      const out = new TextParts(prefix);
      out.push(captionsText(job.rows, job.format));
      return { kind: 'text', ...out.finish(suffix) };
    }
  }
}

function pack(s: MetricSeries): PackedSeries {
  const columns = new Float64Array(s.points.length * 4);
  s.points.forEach((p, i) => {
    columns[i * 4] = p.step;
    columns[i * 4 + 1] = p.epoch;
    columns[i * 4 + 2] = p.wallTime;
    columns[i * 4 + 3] = p.value;
  });
  return { key: s.key, total: s.total, columns };
}

/** The buffers of a result, moved to the host rather than copied. */
export function transferables(r: OffLoopResult): ArrayBuffer[] {
  const list: ArrayBufferLike[] = [r.json.buffer];
  if (r.kind === 'text') list.push(r.raw.buffer);
  if (r.kind === 'series') for (const s of r.series) list.push(s.columns.buffer);
  // Small Buffers share Node's pooled ArrayBuffer: those are copied, not moved.
  return [...new Set(list)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0 && !isPooled(r, b));
}

function isPooled(r: OffLoopResult, b: ArrayBufferLike): boolean {
  const views: Uint8Array[] = [r.json, ...(r.kind === 'text' ? [r.raw] : [])];
  return views.some((v) => v.buffer === b && v.byteLength !== b.byteLength);
}

const port = parentPort;
if (port) {
  port.on('message', ({ id, job }: OffLoopIn) => {
    let reply: OffLoopOut;
    try {
      const result = runJob(job);
      port.postMessage({ id, ok: true, result } satisfies OffLoopOut, transferables(result));
      return;
    } catch (e) {
      const err = e as Error;
      reply = { id, ok: false, code: e instanceof ApiError ? e.code : null, message: e instanceof ApiError ? err.message : (err.stack ?? err.message) };
    }
    port.postMessage(reply);
  });
}
