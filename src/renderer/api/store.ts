/**
 * Application state (zustand). Every piece of data arrives through the Api: initial queries,
 * then pushed events (`run.status`, `run.metrics`, `run.log`, `run.artefact`), which are
 * broadcast to every client; handlers here keep what the UI shows.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ArtefactRecord, Events, FilterSnapshot, LogRecord, MetricPoint, RunRecord, SystemInfo } from '../../shared/api';
import type { RunSpec } from '../../shared/run-spec';
import type { ApiClient, ConnectionState } from './api-client';
import { MAX_CHART_POINTS, appendPoints, groupByKey, mergeLogs } from './series';

export type SnapshotState = { status: 'loading' } | { status: 'ready'; snapshot: FilterSnapshot } | { status: 'error'; error: string };

/** Everything the run page shows for the run that is open. */
export interface RunView {
  runId: string;
  /** Increments per (re)load; stale responses are dropped. */
  token: number;
  loaded: boolean;
  error: string | null;
  series: Record<string, MetricPoint[]>;
  /** Points stored on the Node side per key (the charts may show a downsampled subset). */
  totals: Record<string, number>;
  logs: LogRecord[];
  filters: ArtefactRecord[];
  snapshots: Record<number, SnapshotState>;
  /** Events received while the initial queries were in flight, applied once they return. */
  buffered: { metrics: Events['run.metrics']['points']; logs: LogRecord[]; artefacts: ArtefactRecord[] };
}

export interface AppState {
  connection: ConnectionState;
  system: SystemInfo | null;
  systemError: string | null;
  runs: Record<string, RunRecord>;
  runsLoaded: boolean;
  runsError: string | null;
  view: RunView | null;

  loadSystem(): Promise<void>;
  loadRuns(): Promise<void>;
  openRun(id: string): Promise<void>;
  closeRun(): void;
  createRun(spec: RunSpec): Promise<RunRecord>;
  stopRun(id: string): Promise<void>;
  pauseRun(id: string): Promise<void>;
  resumeRun(id: string): Promise<void>;
  /** Name, tags, notes (runs.update). */
  updateRun(id: string, patch: { name?: string; tags?: string[]; notes?: string }): Promise<RunRecord>;
  deleteRun(id: string): Promise<void>;
  /** Runs ticked in the runs table (for Compare and the `c` shortcut). */
  selected: string[];
  /** How the run page's metric queries are downsampled on the Node side. */
  downsample: 'minmax' | 'lttb';
  setDownsample(method: 'minmax' | 'lttb'): Promise<void>;
  setSelected(ids: string[]): void;
  toggleSelected(id: string): void;
  loadSnapshot(artefactId: number): Promise<void>;
}

export type AppStore = StoreApi<AppState>;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function emptyView(runId: string, token: number): RunView {
  return {
    runId,
    token,
    loaded: false,
    error: null,
    series: {},
    totals: {},
    logs: [],
    filters: [],
    snapshots: {},
    buffered: { metrics: [], logs: [], artefacts: [] },
  };
}

function applyMetrics(view: RunView, points: Events['run.metrics']['points']): RunView {
  if (points.length === 0) return view;
  const series = { ...view.series };
  const totals = { ...view.totals };
  for (const [key, pts] of groupByKey(points)) {
    const { points: merged, added } = appendPoints(series[key] ?? [], pts, MAX_CHART_POINTS);
    series[key] = merged;
    totals[key] = (totals[key] ?? 0) + added;
  }
  return { ...view, series, totals };
}

function applyArtefacts(view: RunView, artefacts: readonly ArtefactRecord[]): RunView {
  const add = artefacts.filter((a) => a.kind === 'filters' && !view.filters.some((f) => f.id === a.id));
  if (add.length === 0) return view;
  const filters = view.filters.concat(add).sort((a, b) => a.epoch - b.epoch || a.step - b.step || a.id - b.id);
  return { ...view, filters };
}

export function createAppStore(client: ApiClient): AppStore {
  const { api } = client;
  let nextToken = 1;

  const store = createStore<AppState>()((set, get) => ({
    connection: client.getConnection(),
    system: null,
    systemError: null,
    runs: {},
    runsLoaded: false,
    runsError: null,
    view: null,

    async loadSystem() {
      try {
        const system = await api.call('system.info', {});
        set({ system, systemError: null });
      } catch (err) {
        set({ systemError: errorText(err) });
      }
    },

    async loadRuns() {
      try {
        const list = await api.call('runs.list', { limit: 500 });
        const runs: Record<string, RunRecord> = {};
        for (const r of list) runs[r.id] = r;
        set({ runs, runsLoaded: true, runsError: null });
      } catch (err) {
        set({ runsError: errorText(err) });
      }
    },

    async openRun(id) {
      const token = nextToken++;
      set({ view: emptyView(id, token) });
      const current = () => {
        const v = get().view;
        return v && v.token === token ? v : null;
      };
      try {
        const [run, metrics, logs, artefacts] = await Promise.all([
          api.call('runs.get', { id }),
          api.call('runs.metrics', { id, maxPoints: MAX_CHART_POINTS, downsample: get().downsample }),
          api.call('runs.logs', { id, limit: 500 }),
          api.call('runs.artefacts', { id, kind: 'filters' }),
        ]);
        const v = current();
        if (!v) return;
        const series: Record<string, MetricPoint[]> = {};
        const totals: Record<string, number> = {};
        for (const s of metrics) {
          series[s.key] = s.points.slice().sort((a, b) => a.step - b.step);
          totals[s.key] = s.total;
        }
        let view: RunView = {
          ...v,
          loaded: true,
          series,
          totals,
          logs: mergeLogs(
            [],
            logs.slice().sort((a, b) => a.ts - b.ts),
          ),
          buffered: { metrics: [], logs: [], artefacts: [] },
        };
        view = applyArtefacts(view, artefacts);
        view = applyMetrics(view, v.buffered.metrics);
        view = { ...applyArtefacts(view, v.buffered.artefacts), logs: mergeLogs(view.logs, v.buffered.logs) };
        set((s) => ({ view, runs: { ...s.runs, [run.id]: mergeRecord(s.runs[run.id], run) } }));
      } catch (err) {
        const v = current();
        if (v) set({ view: { ...v, loaded: true, error: errorText(err) } });
      }
    },

    closeRun() {
      set({ view: null });
    },

    async createRun(spec) {
      const run = await api.call('runs.create', { spec });
      set((s) => ({ runs: { ...s.runs, [run.id]: mergeRecord(s.runs[run.id], run) } }));
      return run;
    },

    async stopRun(id) {
      const run = await api.call('runs.stop', { id });
      set((s) => ({ runs: { ...s.runs, [run.id]: mergeRecord(s.runs[run.id], run) } }));
    },

    async pauseRun(id) {
      const run = await api.call('runs.pause', { id });
      set((s) => ({ runs: { ...s.runs, [run.id]: mergeRecord(s.runs[run.id], run) } }));
    },

    async resumeRun(id) {
      const run = await api.call('runs.resume', { id });
      set((s) => ({ runs: { ...s.runs, [run.id]: mergeRecord(s.runs[run.id], run) } }));
    },

    async updateRun(id, patch) {
      const run = await api.call('runs.update', { id, ...patch });
      set((s) => ({ runs: { ...s.runs, [run.id]: mergeRecord(s.runs[run.id], run) } }));
      return run;
    },

    async deleteRun(id) {
      await api.call('runs.delete', { id });
      set((s) => {
        const runs = { ...s.runs };
        delete runs[id];
        return { runs, selected: s.selected.filter((x) => x !== id) };
      });
    },

    selected: [],
    downsample: 'minmax',
    async setDownsample(method) {
      set({ downsample: method });
      const v = get().view;
      if (!v || !v.loaded) return;
      try {
        const metrics = await api.call('runs.metrics', { id: v.runId, maxPoints: MAX_CHART_POINTS, downsample: method });
        const cur = get().view;
        if (!cur || cur.token !== v.token) return;
        const series: Record<string, MetricPoint[]> = {};
        const totals: Record<string, number> = {};
        for (const m of metrics) {
          series[m.key] = m.points.slice().sort((a, b) => a.step - b.step);
          totals[m.key] = m.total;
        }
        set({ view: { ...cur, series, totals } });
      } catch (err) {
        const cur = get().view;
        if (cur && cur.token === v.token) set({ view: { ...cur, error: errorText(err) } });
      }
    },
    setSelected(ids) {
      set({ selected: [...new Set(ids)] });
    },
    toggleSelected(id) {
      set((s) => ({ selected: s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id] }));
    },

    async loadSnapshot(artefactId) {
      const v = get().view;
      if (!v) return;
      const existing = v.snapshots[artefactId];
      if (existing && existing.status !== 'error') return;
      const runId = v.runId;
      const put = (state: SnapshotState) => {
        const cur = get().view;
        if (cur && cur.runId === runId) set({ view: { ...cur, snapshots: { ...cur.snapshots, [artefactId]: state } } });
      };
      put({ status: 'loading' });
      try {
        const snapshot = await api.call('runs.filters', { id: runId, artefactId });
        put({ status: 'ready', snapshot });
      } catch (err) {
        put({ status: 'error', error: errorText(err) });
      }
    },
  }));

  // Pushed events.
  api.on('run.status', (run) => {
    store.setState((s) => ({ runs: { ...s.runs, [run.id]: mergeRecord(s.runs[run.id], run) } }));
  });
  api.on('run.deleted', ({ id }) => {
    store.setState((s) => {
      if (!(id in s.runs)) return {};
      const runs = { ...s.runs };
      delete runs[id];
      return { runs, selected: s.selected.filter((x) => x !== id) };
    });
  });

  api.on('run.metrics', ({ runId, points }) => {
    store.setState((s) => {
      const patch: Partial<AppState> = {};
      const run = s.runs[runId];
      if (run && points.length > 0) {
        // Keep the list's "last value" columns live between status events.
        const summary = { ...run.summary };
        const lastStep: Record<string, number> = {};
        for (const p of points) {
          if (lastStep[p.key] === undefined || p.step >= (lastStep[p.key] as number)) {
            lastStep[p.key] = p.step;
            summary[p.key] = p.value;
          }
        }
        patch.runs = { ...s.runs, [runId]: { ...run, summary } };
      }
      const v = s.view;
      if (v && v.runId === runId) {
        patch.view = v.loaded ? applyMetrics(v, points) : { ...v, buffered: { ...v.buffered, metrics: v.buffered.metrics.concat(points) } };
      }
      return patch;
    });
  });

  api.on('run.log', (log) => {
    store.setState((s) => {
      const v = s.view;
      if (!v || v.runId !== log.runId) return {};
      return { view: v.loaded ? { ...v, logs: mergeLogs(v.logs, [log]) } : { ...v, buffered: { ...v.buffered, logs: v.buffered.logs.concat(log) } } };
    });
  });

  api.on('run.artefact', (artefact) => {
    store.setState((s) => {
      const v = s.view;
      if (!v || v.runId !== artefact.runId || artefact.kind !== 'filters') return {};
      return { view: v.loaded ? applyArtefacts(v, [artefact]) : { ...v, buffered: { ...v.buffered, artefacts: v.buffered.artefacts.concat(artefact) } } };
    });
  });

  // Connection state; reload everything after a reconnect (events may have been missed).
  let wasOpen = client.getConnection().status === 'open';
  client.onConnection((connection) => {
    store.setState({ connection });
    if (connection.status === 'open') {
      const s = store.getState();
      void s.loadSystem();
      void s.loadRuns();
      if (s.view && (wasOpen || s.view.error)) void s.openRun(s.view.runId);
      wasOpen = true;
    }
  });
  if (wasOpen) {
    void store.getState().loadSystem();
    void store.getState().loadRuns();
  }

  return store;
}

/**
 * A pushed status record replaces the stored one, but keeps summary keys that the pushed record
 * lacks (the list updates them live from metrics events).
 */
function mergeRecord(prev: RunRecord | undefined, next: RunRecord): RunRecord {
  if (!prev) return next;
  return { ...next, summary: { ...prev.summary, ...next.summary } };
}
