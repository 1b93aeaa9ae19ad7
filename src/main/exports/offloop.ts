/**
 * The host's side of offloop-worker.ts: a small pool of worker threads (started on first use,
 * stopped when idle) that run exports and large metric queries, so one client's 1,000,000-point
 * export does not stall every other client of `mlbl serve` or the app.
 *
 * Results come back as plain objects, as the handlers returned them before, with their JSON
 * already encoded beside them (encoded-reply.ts). A text file's content is decoded from its
 * bytes only when someone reads it: a transport that sends the encoded JSON never does.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ApiError, type ExportFile, type MetricPoint, type MetricSeries } from '../../shared/api';
import { withEncodedJson } from '../encoded-reply';
import type { OffLoopIn, OffLoopJob, OffLoopOut, OffLoopResult } from './offloop-worker';

/** The worker's entry: the bundled file when built, the TypeScript source through tsx otherwise. */
export function offLoopWorkerEntry(): { file: string; workerData: { entry?: string } } {
  const built = fileURLToPath(new URL('./offloop-worker.js', import.meta.url));
  if (import.meta.url.endsWith('.js') && fs.existsSync(built)) return { file: built, workerData: {} };
  // The dataset importer's boot file: registers tsx in the worker, then loads workerData.entry.
  return {
    file: fileURLToPath(new URL('../datasets/worker-boot.mjs', import.meta.url)),
    workerData: { entry: new URL('./offloop-worker.ts', import.meta.url).href },
  };
}

export interface OffLoopOptions {
  /** Workers at most (jobs beyond wait their turn); default 2. */
  size?: number;
  /** A worker with nothing to do for this long is stopped; default 10 s. */
  idleMs?: number;
}

interface Slot {
  worker: Worker;
  busy: { id: number; resolve: (r: OffLoopResult) => void; reject: (e: Error) => void } | null;
  idle?: NodeJS.Timeout;
}

export class OffLoop {
  private readonly slots = new Set<Slot>();
  private readonly queue: { job: OffLoopJob; resolve: (r: OffLoopResult) => void; reject: (e: Error) => void }[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly o: OffLoopOptions = {}) {}

  /** Runs a job in a worker; rejects with the job's ApiError, or an internal error if the worker died. */
  run(job: OffLoopJob): Promise<OffLoopResult> {
    if (this.closed) return Promise.reject(new ApiError('conflict', 'the workbench is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  /** Workers running now (for tests). */
  get workers(): number {
    return this.slots.size;
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = [...this.slots].find((s) => !s.busy);
      if (!slot) {
        if (this.slots.size >= (this.o.size ?? 2)) return;
        slot = this.start();
      }
      const next = this.queue.shift() as (typeof this.queue)[number];
      if (slot.idle) clearTimeout(slot.idle);
      const id = this.nextId++;
      slot.busy = { id, resolve: next.resolve, reject: next.reject };
      slot.worker.ref();
      slot.worker.postMessage({ id, job: next.job } satisfies OffLoopIn);
    }
  }

  private start(): Slot {
    const entry = offLoopWorkerEntry();
    const worker = new Worker(entry.file, { workerData: entry.workerData, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    const slot: Slot = { worker, busy: null };
    this.slots.add(slot);
    worker.on('message', (m: OffLoopOut) => {
      const b = slot.busy;
      if (!b || b.id !== m.id) return;
      slot.busy = null;
      if (m.ok) b.resolve(m.result);
      else b.reject(m.code ? new ApiError(m.code, m.message) : new ApiError('internal', `export worker: ${m.message}`));
      this.settle(slot);
    });
    const lost = (why: string): void => {
      this.slots.delete(slot);
      if (slot.idle) clearTimeout(slot.idle);
      slot.busy?.reject(new ApiError('internal', `the export worker ${why}`));
      slot.busy = null;
      if (!this.closed) this.pump();
    };
    worker.on('error', (e) => lost(`failed: ${e.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    return slot;
  }

  private settle(slot: Slot): void {
    this.pump();
    if (slot.busy) return;
    // Idle workers keep nobody's process alive, and go after a while.
    slot.worker.unref();
    slot.idle = setTimeout(() => {
      if (slot.busy) return;
      this.slots.delete(slot);
      void slot.worker.terminate();
    }, this.o.idleMs ?? 10_000);
    slot.idle.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new ApiError('conflict', 'the workbench is shutting down'));
    await Promise.all([...this.slots].map((s) => s.worker.terminate()));
  }
}

/** A text file from a worker's bytes; `content` is decoded on first read. */
export function textFileResult(name: string, mime: string, r: OffLoopResult): { files: ExportFile[] } {
  if (r.kind !== 'text') throw new ApiError('internal', `export worker answered ${r.kind}, not a text file`);
  let content: string | undefined;
  const raw = Buffer.from(r.raw.buffer, r.raw.byteOffset, r.raw.byteLength);
  const file = { name, mime, encoding: 'utf8' } as ExportFile;
  Object.defineProperty(file, 'content', { enumerable: true, configurable: true, get: () => (content ??= raw.toString('utf8')) });
  return withEncodedJson({ files: [file] }, r.json);
}

export function seriesResult(r: OffLoopResult): MetricSeries[] {
  if (r.kind !== 'series') throw new ApiError('internal', `export worker answered ${r.kind}, not metric series`);
  const series = r.series.map((s) => {
    const c = s.columns;
    const points: MetricPoint[] = new Array(c.length / 4);
    for (let i = 0; i < points.length; i++)
      points[i] = { step: c[i * 4] as number, epoch: c[i * 4 + 1] as number, wallTime: c[i * 4 + 2] as number, value: c[i * 4 + 3] as number };
    return { key: s.key, total: s.total, points };
  });
  return withEncodedJson(series, r.json);
}

export function filesResult(r: OffLoopResult): { files: ExportFile[] } {
  if (r.kind !== 'files') throw new ApiError('internal', `export worker answered ${r.kind}, not files`);
  return withEncodedJson({ files: r.files }, r.json);
}
