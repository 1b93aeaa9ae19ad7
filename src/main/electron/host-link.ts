/**
 * Main's side of the host process: starts it on a data folder, relays API calls and events, starts
 * its engines (engine-relay.ts) and closes it (runs still training end interrupted, resumable).
 * Plain code over UtilityLike, so it runs under the stand-in Electron in tests.
 */
import { ApiError, type IpcReply } from '../../shared/api-wire';
import type { EventName } from '../../shared/api';
import { engineRelay, type UtilityLike } from './engine-relay';
import type { HostToMain, MainToHost } from './host-protocol';

export interface HostLinkOptions {
  dataDir: string;
  forkHost: () => UtilityLike;
  forkEngine: (env: Record<string, string>) => UtilityLike;
  onEvent: (event: EventName, payload: unknown) => void;
  onProgress?: (runId: string, fraction: number) => void;
  /** The host process ended without being asked to (crash, killed): the app says so. */
  onUnexpectedExit?: (code: number) => void;
}

export interface HostLink {
  readonly dataDir: string;
  /** Resolves when the host opened the data folder; rejects with the reason when it could not. */
  readonly ready: Promise<void>;
  call(method: string, input: unknown): Promise<IpcReply>;
  /** Asks the host to close (waits at most `timeoutMs`, then kills it) and kills its engines. */
  close(timeoutMs?: number): Promise<void>;
}

export function startHostLink(o: HostLinkOptions): HostLink {
  const child = o.forkHost();
  const send = (m: MainToHost): void => child.postMessage(m);
  const engines = engineRelay(o.forkEngine, send);
  const pending = new Map<number, (r: IpcReply) => void>();
  let nextId = 1;
  let exited = false;
  let closing = false;
  let onClosed: (() => void) | null = null;
  let settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  ready.catch(() => {}); // the caller awaits it; an unobserved rejection must not end main

  child.on('message', (raw) => {
    const m = raw as HostToMain;
    if (engines.receive(m)) return;
    switch (m.type) {
      case 'ready':
        settle?.resolve();
        return;
      case 'failed':
        settle?.reject(new Error(m.message));
        return;
      case 'reply':
        pending.get(m.id)?.(m.reply);
        pending.delete(m.id);
        return;
      case 'event':
        o.onEvent(m.event, m.payload);
        return;
      case 'progress':
        o.onProgress?.(m.runId, m.fraction);
        return;
      case 'closed':
        onClosed?.();
        return;
    }
  });
  child.on('exit', (code) => {
    exited = true;
    engines.killAll();
    settle?.reject(new Error(`the host process exited (code ${code}) before it opened ${o.dataDir}`));
    for (const r of pending.values()) r({ ok: false, error: { code: 'internal', message: `the host process exited (code ${code})` } });
    pending.clear();
    onClosed?.();
    if (!closing) o.onUnexpectedExit?.(code);
  });
  send({ type: 'init', dataDir: o.dataDir });

  return {
    dataDir: o.dataDir,
    ready,
    call(method, input) {
      if (exited) return Promise.resolve({ ok: false, error: { code: 'internal', message: 'the host process is not running' } });
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        send({ type: 'call', id, method, input });
      });
    },
    async close(timeoutMs = 15_000) {
      closing = true;
      if (!exited) {
        await new Promise<void>((resolve) => {
          onClosed = resolve;
          const t = setTimeout(() => {
            child.kill();
            resolve();
          }, timeoutMs);
          t.unref?.();
          send({ type: 'close' });
        });
      }
      engines.killAll();
    },
  };
}

/** A Dispatch (api-handlers.ts) over the link: the reply's error becomes an ApiError again. */
export function linkDispatch(link: () => HostLink) {
  return async (method: string, input: unknown): Promise<unknown> => {
    const r = await link().call(method, input);
    if (!r.ok) throw new ApiError(r.error.code, r.error.message);
    return r.result;
  };
}
