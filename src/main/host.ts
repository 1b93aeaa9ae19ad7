import type { EventName, Events, SystemInfo } from '../shared/api';
import { createDispatch, createHandlers, type Dispatch } from './api-handlers';
import { DatasetService } from './datasets/service';
import type { EngineLauncher } from './runs/engine-process';
import { RunManager } from './runs/run-manager';
import { Store } from './store/store';

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface Host {
  store: Store;
  runs: RunManager;
  datasets: DatasetService;
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
  const runs = new RunManager({ store, dataDir: o.dataDir, publish, launcher: o.launcher, concurrency, engineEnv: o.engineEnv, stopGraceMs: o.stopGraceMs });
  const datasets = new DatasetService({ db: store.db, dbFile: store.file, dataDir: o.dataDir, publish });
  const dispatch = createDispatch(createHandlers({ store, runs, dataDir: o.dataDir, transport: o.transport, datasets }));
  return {
    store, runs, datasets, dataDir: o.dataDir, dispatch,
    subscribe(l) { listeners.add(l); return () => listeners.delete(l); },
    async close() {
      await runs.shutdown();
      await datasets.close();
      store.close();
    },
  };
}
