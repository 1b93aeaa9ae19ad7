/**
 * The composition root: every service of the Node side is built here, once, from explicit
 * dependencies and in dependency order, and closed in reverse. Reading createHost top to bottom
 * is the map of the host:
 *
 *   store -> events -> engines -> datasets -> features -> LM inputs (wrap the launcher) -> runs
 *   -> language models -> off-loop workers (exports, big metric queries) -> inspection
 *   -> foreign-runs watcher -> API handlers and their validated dispatch
 *
 * openReadOnlyHost is the same map for commands that only read (`mlbl runs`, `mlbl info`,
 * `mlbl datasets`): a read-only connection and no run queue, so it never registers a host nor
 * adopts or interrupts a run.
 */
import type { EventName, Events, SystemInfo } from '../shared/api';
import { createDispatch, createHandlers, readOnlyHandlers, type Dispatch } from './api-handlers';
import { DatasetService } from './datasets/service';
import { EnginePool } from './engines/engine-pool';
import { forkEngine, type EngineLauncher } from './engines/engine-process';
import { OffLoop } from './exports/offloop';
import { FeatureService } from './features/service';
import { Inspection } from './inspection/convnet-artefacts';
import { withLmInputs } from './lm/lm-inputs';
import { withClassifierInputs } from './classifier/classifier-inputs';
import { ClassifierService } from './classifier/classifier-service';
import { LmService } from './lm/lm-service';
import { watchForeignRuns } from './runs/foreign-runs';
import { RunManager } from './runs/run-manager';
import { RunView } from './runs/run-view';
import { remoteLauncher } from './queue/remote-launcher';
import { rewindForTakeover } from './queue/takeover';
import { runFolder } from './store/data-paths';
import { Store } from './store/store';
import { SweepService } from './sweeps/sweep-service';

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface Host {
  store: Store;
  runs: RunManager;
  datasets: DatasetService;
  /** Feature sets (cached image features per model, layer and dataset). */
  features: FeatureService;
  /** Language-model runs after training: checkpoints, evaluation, decoding, retrieval. */
  lm: LmService;
  /** Worker threads for exports and large metric queries (closed with the host). */
  offloop: OffLoop;
  sweeps: SweepService;
  dataDir: string;
  dispatch: Dispatch;
  /** Every event of every run goes to every subscriber (UI clients filter what they show). */
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}

export interface HostOptions {
  dataDir: string;
  transport: SystemInfo['transport'];
  concurrency?: number;
  launcher?: EngineLauncher;
  engineEnv?: Record<string, string>;
  stopGraceMs?: number;
  /** Publish the runs other workbench processes train on this data directory (foreign-runs.ts): for hosts that serve a UI. */
  followOtherProcesses?: boolean;
  /** A Redis URL (queue/): new runs become BullMQ jobs for `mlbl worker` processes instead of local engines. */
  queue?: string;
}

/** Subscribers of the host's events; a listener that throws is reported and the others still hear. */
function eventHub(): { publish: EventListener; subscribe(l: EventListener): () => void } {
  const listeners = new Set<EventListener>();
  return {
    publish: (event, payload) => {
      for (const l of listeners) {
        try {
          l(event, payload);
        } catch (e) {
          process.stderr.write(`mlbl: event listener failed: ${(e as Error).message}\n`);
        }
      }
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** The Node side of the app, without a transport: store, run queue, services and API handlers. */
export function createHost(o: HostOptions): Host {
  const { dataDir, transport } = o;
  const store = new Store(dataDir);
  const events = eventHub();
  const { publish } = events;
  const launcher = o.launcher ?? forkEngine;
  // Engines outside the run queue (extraction, LM decoding, activation maps); close() kills them all.
  const engines = new EnginePool(launcher, o.engineEnv);
  const datasets = new DatasetService({ db: store.db, dbFile: store.file, dataDir, publish });
  const features = new FeatureService({ store, datasets: datasets.store, engines, dataDir, publish });
  // Language-model runs on a dataset get their captions and features resolved before the engine starts.
  // With a queue, the run queue's "engines" are BullMQ jobs trained by workers; this host stays their owner and stores their events.
  const remote = o.queue
    ? remoteLauncher({
        url: o.queue,
        runDir: (id) => runFolder(dataDir, id),
        onWorker: (id, name) => {
          store.setRunWorker(id, name);
          runs.emitStatus(id);
        },
        onJob: (id, job) => store.setRunQueueJob(id, job),
        onDetach: (id, cursor) => store.setRunQueueCursor(id, cursor),
        onTakeover: (id, checkpoint, worker) => {
          const rec = { runId: id, ts: Date.now(), level: 'warn' as const, message: rewindForTakeover(store, id, runFolder(dataDir, id), checkpoint, worker) };
          store.insertLog(rec);
          publish('run.log', rec);
        },
      })
    : null;
  // ... and ConvNet runs on an imported dataset its labelled images and split.
  const runLauncher = withClassifierInputs(withLmInputs(remote?.launcher ?? launcher, { store, datasets: datasets.store, features }), {
    store,
    datasets: datasets.store,
    dataDir,
    features,
  });
  // Remote runs wait in the job queue, not here: the workers' own concurrency decides how many train at once.
  const concurrency = remote ? 10_000 : (o.concurrency ?? (Number(process.env.MLBL_CONCURRENCY) || 1));
  const runs = new RunManager({ store, dataDir, publish, launcher: runLauncher, concurrency, engineEnv: o.engineEnv, stopGraceMs: o.stopGraceMs });
  // Remote runs this coordinator left to their workers when it last closed: their events meanwhile are stored now, then they go on live.
  if (remote) for (const d of store.detachedRemoteRuns()) runs.adopt(d.id, remote.attach(d.id, d.job, d.cursor));
  const lm = new LmService({ store, datasets: datasets.store, features, engines });
  const offloop = new OffLoop();
  const inspection = new Inspection({ store, engines });
  const sweeps = new SweepService({ store, runs });
  // ConvNet classifiers after training: evaluation on a dataset's split, prediction for images.
  const classifier = new ClassifierService({ store, datasets: datasets.store, engines, dataDir });
  // Runs another workbench process on this data directory owns: their events, read from SQLite.
  const foreign = o.followOtherProcesses ? watchForeignRuns({ store, hostId: runs.hostId, publish, decorate: (r) => runs.decorate(r) }) : null;
  const dispatch = createDispatch(createHandlers({ store, runs, datasets, features, lm, inspection, classifier, offloop, sweeps, dataDir, transport }));
  return {
    store,
    runs,
    datasets,
    features,
    lm,
    offloop,
    sweeps,
    dataDir,
    dispatch,
    subscribe: events.subscribe,
    async close() {
      foreign?.close();
      classifier.close();
      inspection.close();
      await offloop.close();
      lm.close();
      remote?.detachAll();
      await runs.shutdown();
      await remote?.close();
      features.close();
      await datasets.close();
      engines.close();
      store.close();
    },
  };
}

/** A host that only reads: what read-only commands see of a data directory, changing nothing in it. */
export interface ReadOnlyHost {
  dataDir: string;
  /** The read-only methods (runs.list, runs.get, system.info, datasets.*) through the same validation; others are not_available. */
  dispatch: Dispatch;
  close(): void;
}

export function openReadOnlyHost(o: { dataDir: string; transport: SystemInfo['transport']; concurrency?: number }): ReadOnlyHost {
  const { dataDir, transport } = o;
  const store = new Store(dataDir, { readonly: true });
  const runs = new RunView(store);
  const datasets = new DatasetService({ db: store.db, dbFile: store.file, dataDir });
  const dispatch = createDispatch(readOnlyHandlers({ runs, datasets, dataDir, transport, concurrency: o.concurrency ?? 0 }));
  return { dataDir, dispatch, close: () => store.close() };
}
