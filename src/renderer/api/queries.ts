/**
 * Server state through TanStack Query: every request/response read of the Api is a query keyed
 * `[method, input]`, cached and shared by the components that ask for it, and invalidated by the
 * Api's events (a run's status, artefacts and metrics; an import or a feature set finishing; a
 * reconnect, after which events may have been missed). Live client state (the runs list and the
 * open run's streamed series) stays in the zustand store.
 */
import { QueryClient, keepPreviousData, useQuery, type Query } from '@tanstack/react-query';
import type { EventName, MethodInput, MethodName, MethodOutput } from '../../shared/api';
import type { ApiClient } from './api-client';
import { useApi, useApp } from './context';

export interface QueryState<T> {
  /** The last answer; it may belong to a previous key while the next one loads (see `fresh`). */
  data: T | null;
  /** True when `data` answers the current key. */
  fresh: boolean;
  error: string | null;
  /** True until the answer for the current key arrived. */
  loading: boolean;
  reload(): void;
}

export const apiQueryKey = <M extends MethodName>(method: M, input: MethodInput<M>): readonly [M, MethodInput<M>] => [method, input];

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // The Api's events say when an answer is out of date; a failed call is shown with a retry button.
      queries: { staleTime: Infinity, retry: false, refetchOnWindowFocus: false },
    },
  });
}

const errorText = (err: unknown): string | null => (err == null ? null : err instanceof Error ? err.message : String(err));

/** Runs `load` for `key` (null: nothing to ask yet), keeping the last answer while the next one is on its way. */
export function useLoaderQuery<T>(key: readonly unknown[] | null, load: () => Promise<T>): QueryState<T> {
  const connected = useApp((s) => s.connection.status === 'open');
  const q = useQuery({ queryKey: key ?? ['idle'], queryFn: load, enabled: key !== null && connected, placeholderData: keepPreviousData });
  const current = key !== null && q.isSuccess && !q.isPlaceholderData;
  return {
    data: (q.data as T | undefined) ?? null,
    fresh: current,
    error: key !== null && !q.isPlaceholderData ? errorText(q.error) : null,
    loading: key !== null && !current && !q.isError,
    reload: () => void q.refetch(),
  };
}

/** One Api method's answer for `input` (null: nothing to ask yet). */
export function useApiQuery<M extends MethodName>(method: M, input: MethodInput<M> | null): QueryState<MethodOutput<M>> {
  const api = useApi();
  return useLoaderQuery<MethodOutput<M>>(input === null ? null : apiQueryKey(method, input), () => api.call(method, input as MethodInput<M>));
}

/** The queries of one method, optionally only those whose input names `id` (a run's, a dataset's). */
function matching(methods: readonly MethodName[], id?: string) {
  return (q: Query): boolean => {
    const [method, input] = q.queryKey as [unknown, unknown];
    if (!methods.includes(method as MethodName)) return false;
    if (id === undefined) return true;
    const o = input as { id?: unknown; runId?: unknown; datasetId?: unknown } | undefined;
    return o?.id === id || o?.runId === id || o?.datasetId === id;
  };
}

const RUN_READS: readonly MethodName[] = ['runs.get', 'runs.checkpoints', 'runs.artefacts', 'runs.confusion', 'runs.samples', 'runs.logs', 'runs.metrics'];

/** Which queries each event makes out of date. */
export function invalidationsFor(event: EventName, payload: unknown): ((q: Query) => boolean)[] {
  const p = (payload ?? {}) as Record<string, unknown>;
  switch (event) {
    case 'run.status':
    case 'run.deleted':
      return [matching(RUN_READS, String(p.id))];
    case 'run.artefact':
      return [matching(['runs.checkpoints', 'runs.artefacts', 'runs.confusion'], String(p.runId))];
    case 'run.metrics':
      return [matching(['runs.metrics'], String(p.runId))];
    case 'dataset.import.progress':
      return p.phase === 'done' ? [matching(['datasets.list', 'datasets.get'])] : [];
    case 'features.progress':
      return p.done === p.total ? [matching(['features.list'])] : [];
    default:
      return [];
  }
}

const EVENTS: readonly EventName[] = ['run.status', 'run.deleted', 'run.artefact', 'run.metrics', 'dataset.import.progress', 'features.progress'];

/** Invalidates the cached answers the Api's events make out of date, and all of them after a reconnect. */
export function connectQueriesToEvents(client: ApiClient, qc: QueryClient): () => void {
  const offs = EVENTS.map((event) =>
    client.api.on(event, (payload) => {
      for (const predicate of invalidationsFor(event, payload)) void qc.invalidateQueries({ predicate });
    }),
  );
  let wasOpen = client.getConnection().status === 'open';
  offs.push(
    client.onConnection((c) => {
      if (c.status === 'open' && wasOpen) void qc.invalidateQueries();
      if (c.status === 'open') wasOpen = true;
    }),
  );
  return () => offs.forEach((off) => off());
}
