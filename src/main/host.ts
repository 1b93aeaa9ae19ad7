import type { EventName, Events, SystemInfo } from '../shared/api';
import { createDispatch, createHandlers, type Dispatch } from './api-handlers';
import { DatasetService } from './datasets/service';
import { forkEngine, type EngineLauncher } from './engines/engine-process';
import { featureService, type FeatureService } from './features/service';
import { watchForeignRuns } from './runs/foreign-runs';
import { withLmInputs } from './lm/lm-inputs';
import { RunManager } from './runs/run-manager';
import { Store } from './store/store';

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface Host {
  store: Store;
  runs: RunManager;
  datasets: DatasetService;
  /** Feature sets (cached image features per model, layer and dataset). */
  features: FeatureService;
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
}

/** The Node side of the app, without a transport: store, run queue and API handlers. */
export function createHost(o: HostOptions): Host {
  const store = new Store(o.dataDir);
  const listeners = new Set<EventListener>();
  const publish: EventListener = (event, payload) => {
    for (const l of listeners) {
      try { l(event, payload); } catch (e) { process.stderr.write(`mlbl: event listener failed: ${(e as Error).message}\n`); }
    }
  };
  const concurrency = o.concurrency ?? (Number(process.env.MLBL_CONCURRENCY) || 1);
  // Language-model runs on a dataset get their captions and features resolved before the engine starts.
  const launcher = withLmInputs(o.launcher ?? forkEngine, { store, datasets: () => datasets.store, runs: () => runs, features: () => features });
  const runs = new RunManager({ store, dataDir: o.dataDir, publish, launcher, concurrency, engineEnv: o.engineEnv, stopGraceMs: o.stopGraceMs });
  // Runs another workbench process on this data directory owns: their events, read from SQLite.
  const foreign = o.followOtherProcesses ? watchForeignRuns({ store, hostId: runs.hostId, publish, decorate: (r) => runs.decorate(r) }) : null;
  const datasets = new DatasetService({ db: store.db, dbFile: store.file, dataDir: o.dataDir, publish });
  const features = featureService({ store, datasets: datasets.store, runs, dataDir: o.dataDir, publish });
  const dispatch = createDispatch(createHandlers({ store, runs, dataDir: o.dataDir, transport: o.transport, datasets, features }));
  return {
    store, runs, datasets, features, dataDir: o.dataDir, dispatch,
    subscribe(l) { listeners.add(l); return () => listeners.delete(l); },
    async close() {
      foreign?.close();
      features.close();
      await runs.shutdown();
      await datasets.close();
      store.close();
    },
  };
}
