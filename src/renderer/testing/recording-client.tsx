/**
 * For component tests: an ApiClient whose answers the test gives and whose calls it records,
 * and a render helper with the app's providers. A stand-in, not the host: the renderer layer may
 * not import src/main (lint), and the e2e tests drive the real `mlbl serve` end to end.
 */
import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import type { Api, EventName, Events, MethodName } from '../../shared/api';
import type { ApiClient, ConnectionState } from '../api/api-client';
import { AppContext } from '../api/context';
import { createAppStore } from '../api/store';
import { QueryClientProvider } from '@tanstack/react-query';
import { connectQueriesToEvents, createQueryClient } from '../api/queries';

export type Answers = Partial<Record<MethodName, unknown | ((input: unknown) => unknown)>>;

export const SYSTEM_INFO = { versions: {}, dataDir: '/d', transport: 'websocket', backends: [], defaultBackend: 'cpu', concurrency: 1 };

export function recordingClient(answers: Answers = {}) {
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  const calls: { method: MethodName; input: unknown }[] = [];
  const all: Answers = { 'system.info': SYSTEM_INFO, 'runs.list': [], ...answers };
  const api: Api = {
    call: ((method: MethodName, input: unknown) => {
      calls.push({ method, input });
      const a = all[method];
      if (a === undefined) return Promise.reject(new Error(`no answer for ${method} in this test`));
      return Promise.resolve(typeof a === 'function' ? (a as (i: unknown) => unknown)(input) : a);
    }) as Api['call'],
    on: ((event: EventName, h: (p: unknown) => void) => {
      const set = handlers.get(event) ?? new Set();
      handlers.set(event, set);
      set.add(h);
      return () => set.delete(h);
    }) as Api['on'],
  };
  const state: ConnectionState = { status: 'open', since: 0 };
  const client: ApiClient = {
    api,
    transport: 'websocket',
    getConnection: () => state,
    onConnection: () => () => undefined,
    reconnectNow: () => undefined,
    close: () => undefined,
  };
  const emit = <E extends EventName>(e: E, p: Events[E]) => handlers.get(e)?.forEach((h) => h(p));
  return { client, calls, emit };
}

/** Renders `ui` inside the app's providers over a recording client. */
export function renderWithApp(ui: ReactNode, answers: Answers = {}) {
  const rec = recordingClient(answers);
  const store = createAppStore(rec.client);
  const queryClient = createQueryClient();
  connectQueriesToEvents(rec.client, queryClient);
  const result = render(
    <QueryClientProvider client={queryClient}>
      <AppContext.Provider value={{ client: rec.client, store }}>{ui}</AppContext.Provider>
    </QueryClientProvider>,
  );
  return { ...rec, store, queryClient, ...result };
}
