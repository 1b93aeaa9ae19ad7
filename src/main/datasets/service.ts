/**
 * The dataset side of the API: previews, imports (in a worker thread, with progress events),
 * browsing, stats, thumbnails, splits and deletion.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ApiError, type DatasetSummary, type Events } from '../../shared/api';
import type {
  DatasetInfo,
  DatasetItemDetail,
  DatasetStats,
  ImportOptions,
  ImportPreview,
  ImportProgress,
  ImportReport,
  ImportSource,
  ItemsPage,
  ItemsQuery,
  SkippedItem,
  SplitSpec,
  Thumbnail,
} from '../../shared/dataset-schema';
import type { Db } from '../store/db';
import { FileRefusedError } from '../safe-files';
import { DatasetStore, type ItemImageSource } from './dataset-store';
import { SourceError } from './detect';
import type { WorkerData, WorkerOut } from './import-worker';
import { DuplicateSourceError, ImportCancelled, newImportId, runImport } from './importer';
import { previewSource } from './preview';
import { ThumbnailError, Thumbnails } from './thumbnails';

export type DatasetPublish = (event: 'dataset.import.progress', payload: Events['dataset.import.progress']) => void;

export interface DatasetServiceOptions {
  db: Db;
  dbFile: string;
  dataDir: string;
  publish?: DatasetPublish;
  /** Run imports in a worker thread (default). Off: in this thread, for tools that want no worker. */
  worker?: boolean;
  concurrency?: number;
}

/**
 * The worker's entry: the bundled file when built (beside the host bundle; in a packaged app its
 * app.asar.unpacked copy when the packaging unpacked it, else the asar path, which Electron's
 * workers read), the TypeScript source through tsx otherwise.
 */
export function importWorkerEntry(): { file: string; workerData: { entry?: string } } {
  const built = fileURLToPath(new URL('./dataset-import-worker.js', import.meta.url));
  const unpacked = built.replace(/\.asar([\\/])/, '.asar.unpacked$1');
  if (unpacked !== built && fs.existsSync(unpacked)) return { file: unpacked, workerData: {} };
  if (import.meta.url.endsWith('.js') && fs.existsSync(built)) return { file: built, workerData: {} };
  return { file: fileURLToPath(new URL('./worker-boot.mjs', import.meta.url)), workerData: { entry: new URL('./import-worker.ts', import.meta.url).href } };
}

function toApiError(e: unknown): Error {
  if (e instanceof ApiError) return e;
  if (e instanceof DuplicateSourceError) return new ApiError('conflict', e.message);
  if (e instanceof ImportCancelled) return new ApiError('conflict', e.message);
  if (e instanceof SourceError || e instanceof FileRefusedError) return new ApiError('bad_request', e.message);
  return e instanceof Error ? e : new Error(String(e));
}

const summary = (i: DatasetInfo): DatasetSummary => ({ ...i, stats: { counts: i.counts, classes: i.classes } });

export class DatasetService {
  readonly store: DatasetStore;
  private readonly thumbs: Thumbnails;
  private readonly running = new Map<string, { cancel: () => void; done: Promise<unknown> }>();
  private closed = false;

  constructor(private readonly o: DatasetServiceOptions) {
    this.store = new DatasetStore(o.db, o.dataDir);
    this.thumbs = new Thumbnails(o.dataDir);
  }

  private must<T>(v: T | null, what: string): T {
    if (v === null) throw new ApiError('not_found', what);
    return v;
  }

  async preview(src: ImportSource): Promise<ImportPreview> {
    try {
      return await previewSource(src, this.o.db);
    } catch (e) {
      throw toApiError(e);
    }
  }

  /** Imports a source and resolves with the report once it is committed. */
  async import(opts: ImportOptions): Promise<ImportReport> {
    if (this.closed) throw new ApiError('conflict', 'the workbench is shutting down');
    const importId = opts.importId ?? newImportId();
    if (this.running.has(importId)) throw new ApiError('conflict', `import ${importId} is already running`);
    const full: ImportOptions = { ...opts, importId };
    const publish = (p: ImportProgress): void => this.o.publish?.('dataset.import.progress', p);
    let run: Promise<ImportReport>;
    let cancel: () => void;
    if (this.o.worker === false) {
      const signal = { aborted: false };
      cancel = () => {
        signal.aborted = true;
      };
      run = runImport(full, { dbFile: this.o.dbFile, signal, onProgress: publish, concurrency: this.o.concurrency });
    } else {
      const w = this.startWorker(full, publish);
      run = w.result;
      cancel = w.cancel;
    }
    this.running.set(importId, { cancel, done: run.catch(() => undefined) });
    try {
      return await run;
    } catch (e) {
      const err = toApiError(e);
      const cancelled = e instanceof ImportCancelled || (e instanceof ApiError && /cancelled/.test(e.message));
      publish({ importId, phase: cancelled ? 'cancelled' : 'failed', done: 0, total: null, skipped: 0, message: err.message });
      throw err;
    } finally {
      this.running.delete(importId);
    }
  }

  private startWorker(opts: ImportOptions, publish: (p: ImportProgress) => void): { result: Promise<ImportReport>; cancel: () => void } {
    const entry = importWorkerEntry();
    const data: WorkerData = { ...entry.workerData, opts, dbFile: this.o.dbFile, concurrency: this.o.concurrency };
    const worker = new Worker(entry.file, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    let killTimer: NodeJS.Timeout | undefined;
    const result = new Promise<ImportReport>((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: WorkerOut) => {
        if (m.type === 'progress') {
          publish(m.progress);
          return;
        }
        settled = true;
        if (m.type === 'done') resolve(m.report);
        else if (m.kind === 'duplicate') reject(new ApiError('conflict', m.message));
        else if (m.kind === 'cancelled') reject(new ImportCancelled());
        else if (m.kind === 'source') reject(new ApiError('bad_request', m.message));
        else reject(new Error(`dataset import failed: ${m.message}`));
      });
      worker.on('error', (e) => {
        settled = true;
        reject(e);
      });
      worker.on('exit', (code) => {
        if (killTimer) clearTimeout(killTimer);
        if (!settled) reject(code === 1 && cancelled ? new ImportCancelled() : new Error(`the import worker exited with code ${code} before finishing`));
      });
    });
    let cancelled = false;
    const cancel = (): void => {
      cancelled = true;
      worker.postMessage({ type: 'cancel' });
      // A worker stuck in one long step is stopped; nothing was committed, so nothing is lost.
      killTimer = setTimeout(() => {
        void worker.terminate();
      }, 5000);
      killTimer.unref();
    };
    return { result, cancel };
  }

  cancel(importId: string): boolean {
    const r = this.running.get(importId);
    if (!r) return false;
    r.cancel();
    return true;
  }

  list(): DatasetSummary[] {
    return this.store.list().map(summary);
  }
  get(id: string): DatasetSummary {
    return summary(this.must(this.store.get(id), `no dataset with id ${id}`));
  }
  items(q: ItemsQuery): ItemsPage {
    return this.must(this.store.items(q), `no dataset with id ${q.id}`);
  }
  item(itemId: number): DatasetItemDetail {
    return this.must(this.store.item(itemId), `no dataset item ${itemId}`);
  }
  stats(id: string, cutoff: number, top: number): DatasetStats {
    return this.must(this.store.stats(id, cutoff, top), `no dataset with id ${id}`);
  }
  skipped(id: string, offset: number, limit: number): { total: number; items: SkippedItem[] } {
    this.get(id);
    return this.store.skipped(id, offset, limit);
  }
  split(id: string, spec: SplitSpec): DatasetSummary {
    return summary(this.must(this.store.split(id, spec), `no dataset with id ${id}`));
  }
  delete(id: string): { deleted: boolean } {
    return { deleted: this.store.delete(id) };
  }

  async thumbnail(itemId: number, size: number): Promise<Thumbnail> {
    return this.thumbnailOf(this.store.imageSource(itemId), itemId, size);
  }

  private async thumbnailOf(src: ItemImageSource | null, itemId: number, size: number): Promise<Thumbnail> {
    if (!src) throw new ApiError('not_found', `no dataset item ${itemId}`);
    try {
      return await this.thumbs.get(src, size);
    } catch (e) {
      if (e instanceof ThumbnailError) throw new ApiError('not_found', e.message);
      throw e;
    }
  }

  /** Thumbnails of a page of items (one query, files read in parallel); items without one are listed in `missing`. */
  async thumbnails(itemIds: readonly number[], size: number): Promise<{ thumbnails: Thumbnail[]; missing: number[] }> {
    const sources = this.store.imageSources(itemIds);
    const thumbnails: Thumbnail[] = [];
    const missing: number[] = [];
    const results = await Promise.all(itemIds.map((id, i) => this.thumbnailOf(sources[i] ?? null, id, size).catch(() => null)));
    results.forEach((t, i) => {
      if (t) thumbnails.push(t);
      else missing.push(itemIds[i] as number);
    });
    return { thumbnails, missing };
  }

  /** Cancels running imports and waits for them to stop (their transactions never commit). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.running.values()];
    for (const r of all) r.cancel();
    await Promise.all(all.map((r) => r.done));
  }
}
