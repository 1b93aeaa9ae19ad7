import fs from 'node:fs';
import path from 'node:path';
import {
  ApiError,
  METHOD_NAMES,
  methods,
  type FilterSnapshot,
  type MethodName,
  type MethodOutput,
  type MethodParsedInput,
  type SystemInfo,
} from '../shared/api';
import { formatZodError } from '../shared/run-spec';
import type { DatasetService } from './datasets/service';
import { exportRun } from './exports/export';
import { seriesResult, type OffLoop } from './exports/offloop';
import { toRecord } from './features/feature-sets';
import type { FeatureService } from './features/service';
import type { Inspection } from './inspection/convnet-artefacts';
import type { ClassifierService } from './classifier/classifier-service';
import type { LmService } from './lm/lm-service';
import type { RunManager } from './runs/run-manager';
import type { RunView } from './runs/run-view';
import { rowsToRead } from './store/metric-blocks';
import type { Store } from './store/store';
import type { SweepService } from './sweeps/sweep-service';
import { systemInfo } from './system-info';

/** The services the handlers call, each built once by the composition root (host.ts). */
export interface HandlerContext {
  store: Store;
  runs: RunManager;
  dataDir: string;
  transport: SystemInfo['transport'];
  datasets: DatasetService;
  features: FeatureService;
  lm: LmService;
  inspection: Inspection;
  classifier: ClassifierService;
  /** Worker threads for exports and large metric queries. */
  offloop: OffLoop;
  sweeps: SweepService;
}

/** A metric query that reads more rows than this runs in a worker (about 20 ms of reading here). */
export const OFFLOAD_ROWS = 20_000;

type Handlers = { [M in MethodName]: (input: MethodParsedInput<M>) => Promise<MethodOutput<M>> | MethodOutput<M> };

export function createHandlers(ctx: HandlerContext): Handlers {
  const { store, runs, datasets, features, lm, inspection, classifier, offloop } = ctx;
  const mustRun = (id: string) => {
    const r = runs.get(id);
    if (!r) throw new ApiError('not_found', `no run with id ${id}`);
    return r;
  };
  return {
    'runs.create': ({ spec }) => runs.create(spec),
    'runs.list': ({ status, limit }) => runs.list({ status, limit }),
    'runs.get': ({ id }) => mustRun(id),
    'runs.stop': ({ id }) => {
      mustRun(id);
      return runs.stop(id) ?? mustRun(id);
    },
    'runs.delete': async ({ id }) => {
      mustRun(id);
      return { deleted: await runs.delete(id) };
    },
    'runs.metrics': async ({ id, keys, maxPoints, downsample }) => {
      mustRun(id);
      const all = store.metricKeys(id);
      const wanted = (keys ?? all).filter((k) => all.includes(k));
      // Downsampled from the stored block summaries (store/metric-blocks.ts), here; a query that must
      // read many raw rows (maxPoints 100,000 of 1,000,000) runs in a worker, off the event loop.
      const rows = wanted.reduce((n, key) => n + rowsToRead(store.db, id, key, maxPoints, downsample), 0);
      if (rows > OFFLOAD_ROWS)
        return seriesResult(await offloop.run({ kind: 'metrics-query', dbFile: store.file, runId: id, keys: wanted, maxPoints, method: downsample }));
      return wanted.map((key) => store.metricSeries(id, key, maxPoints, downsample));
    },
    'runs.samples': ({ id, limit }) => (mustRun(id), store.samples(id, limit)),
    'runs.artefacts': ({ id, kind }) => (mustRun(id), store.artefacts(id, kind)),
    'runs.filters': ({ id, artefactId }) => {
      mustRun(id);
      const a = store.artefactPath(id, artefactId);
      if (!a || a.kind !== 'filters') throw new ApiError('not_found', `run ${id} has no filter snapshot ${artefactId}`);
      // Paths come from the store only, and must stay inside the run's folder.
      const root = path.resolve(runs.runDir(id));
      if (!path.resolve(a.path).startsWith(root + path.sep)) throw new ApiError('internal', 'artefact outside its run folder');
      try {
        return JSON.parse(fs.readFileSync(a.path, 'utf8')) as FilterSnapshot;
      } catch (e) {
        throw new ApiError('not_found', `filter snapshot ${artefactId} of run ${id} cannot be read: ${(e as Error).message}`);
      }
    },
    'runs.confusion': ({ id, artefactId }) => (mustRun(id), inspection.confusion(id, artefactId)),
    'runs.activations': (q) => (mustRun(q.id), inspection.activations(q)),
    'runs.evalClassifier': (q) => (mustRun(q.id), classifier.evaluate(q)),
    'runs.predict': (q) => (mustRun(q.id), classifier.predict(q)),
    // Declared in the contract; each is replaced by its implementation (see the open issues).
    // Name, tags (trimmed, duplicates dropped, order kept) and notes; nothing else of a run is editable.
    'runs.update': ({ id, name, tags, notes }) => {
      mustRun(id);
      store.updateRunMeta(id, { name, tags: tags && [...new Set(tags)], notes });
      runs.emitStatus(id);
      return mustRun(id);
    },
    // Pause: checkpoint and stop (status paused); resume: continue in place from the last good checkpoint (run-manager.ts, resume.ts).
    'runs.pause': ({ id }) => (mustRun(id), runs.pause(id)),
    'runs.resume': ({ id }) => (mustRun(id), runs.resume(id)),
    'runs.checkpoints': ({ id }) => (mustRun(id), lm.checkpoints(id)),
    'runs.decode': (q) => (mustRun(q.id), lm.decode(q)),
    'runs.retrieve': (q) => (mustRun(q.id), lm.retrieve(q)),
    // Captions (beam-decoded by the LM service's engine), metrics, the model as TF.js layers files (exports/export.ts).
    'runs.export': (q) => (mustRun(q.id), exportRun({ store, runs, lm, offloop }, q)),
    'features.list': ({ datasetId }) => features.list(datasetId),
    'features.extract': async (q) => toRecord((await features.extract(q)).set),
    'runs.logs': ({ id, limit }) => (mustRun(id), store.logs(id, limit)),
    ...datasetReads(datasets),
    'datasets.preview': (src) => datasets.preview(src),
    'datasets.import': (opts) => datasets.import(opts),
    'datasets.cancelImport': ({ importId }) => ({ cancelled: datasets.cancel(importId) }),
    'datasets.thumbnail': ({ itemId, size }) => datasets.thumbnail(itemId, size),
    'datasets.thumbnails': ({ itemIds, size }) => datasets.thumbnails(itemIds, size),
    'datasets.split': ({ id, split }) => datasets.split(id, split),
    'datasets.delete': ({ id }) => datasets.delete(id),
    // Native dialogs exist only in the desktop app, whose main process answers them (electron/dialogs.ts).
    'dialog.openPath': () => {
      throw new ApiError('not_available', 'native file dialogs are not available in the browser: type the path');
    },
    'dialog.saveFiles': () => {
      throw new ApiError('not_available', 'native save dialogs are not available in the browser: the files download instead');
    },
    'sweeps.create': ({ spec }) => ctx.sweeps.create(spec),
    'sweeps.list': () => ctx.sweeps.list(),
    'sweeps.get': ({ id }) => ctx.sweeps.mustGet(id),
    'system.info': () => systemInfo({ dataDir: ctx.dataDir, transport: ctx.transport, concurrency: runs.concurrency }),
  };
}

/** The dataset methods that only read the database (also offered by the read-only host). */
function datasetReads(
  datasets: DatasetService,
): Pick<Handlers, 'datasets.list' | 'datasets.get' | 'datasets.items' | 'datasets.item' | 'datasets.stats' | 'datasets.skipped'> {
  return {
    'datasets.list': () => datasets.list(),
    'datasets.get': ({ id }) => datasets.get(id),
    'datasets.items': (q) => datasets.items(q),
    'datasets.item': ({ itemId }) => datasets.item(itemId),
    'datasets.stats': ({ id, cutoff, top }) => datasets.stats(id, cutoff, top),
    'datasets.skipped': ({ id, offset, limit }) => datasets.skipped(id, offset, limit),
  };
}

/**
 * The handlers of a host that only reads (host.ts, openReadOnlyHost): run records as stored,
 * dataset browsing and system info. Every other method answers not_available.
 */
export function readOnlyHandlers(ctx: {
  runs: RunView;
  datasets: DatasetService;
  dataDir: string;
  transport: SystemInfo['transport'];
  concurrency: number;
}): Partial<Handlers> {
  const { runs } = ctx;
  return {
    'runs.list': ({ status, limit }) => runs.list({ status, limit }),
    'runs.get': ({ id }) => {
      const r = runs.get(id);
      if (!r) throw new ApiError('not_found', `no run with id ${id}`);
      return r;
    },
    ...datasetReads(ctx.datasets),
    'system.info': () => systemInfo({ dataDir: ctx.dataDir, transport: ctx.transport, concurrency: ctx.concurrency }),
  };
}

export type Dispatch = (method: string, rawInput: unknown) => Promise<unknown>;

/** Validates the input with the method's zod schema, then calls its handler. Shared by both transports and the CLI. */
export function createDispatch(handlers: Partial<Handlers>): Dispatch {
  return async (method, rawInput) => {
    if (typeof method !== 'string' || !(METHOD_NAMES as string[]).includes(method)) {
      throw new ApiError('unknown_method', `unknown method ${JSON.stringify(method)}`);
    }
    const m = method as MethodName;
    const parsed = methods[m].input.safeParse(rawInput ?? undefined);
    if (!parsed.success) throw new ApiError('bad_request', `${m}: ${formatZodError(parsed.error, 'input')}`);
    const handler = handlers[m] as ((i: unknown) => unknown) | undefined;
    if (!handler) throw new ApiError('not_available', `${m} is not available here: this command opened the data directory read-only`);
    return await handler(parsed.data);
  };
}

// Declared in the zod-free wire module so Electron's main process can use it without the handlers.
export { toWireError } from '../shared/api-wire';
