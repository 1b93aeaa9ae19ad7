/**
 * The renderer's one way to the Node side. The transport is picked once at start-up:
 * - Electron: the preload exposes exactly `{ call, on }` of the Api interface as `window.mlbl`.
 * - Browser (`mlbl serve`): a WebSocket to `/api` on the page's own host. The server
 *   authenticates with an HttpOnly cookie set when the page was loaded with `?token=...`; the
 *   token from the page URL, when present, is also appended to the WebSocket URL.
 *
 * The WebSocket client reconnects with exponential backoff, rejects calls still in flight when
 * the socket closes, and reports its state so the UI can show a connection banner.
 */
import {
  ApiError,
  type Api,
  type ApiErrorCode,
  type ClientMessage,
  type EventName,
  type Events,
  type MethodInput,
  type MethodName,
  type MethodOutput,
} from '../../shared/api';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser. */
    mlbl?: Api;
  }
}

export type ConnectionState =
  | { status: 'connecting'; attempt: number }
  | { status: 'open'; since: number }
  | { status: 'closed'; attempt: number; retryAt: number; reason: string; unauthorized: boolean };

export interface ApiClient {
  readonly api: Api;
  readonly transport: 'ipc' | 'websocket';
  getConnection(): ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** Skips the backoff wait and tries to connect now (no-op when open or over IPC). */
  reconnectNow(): void;
  close(): void;
}

/** Raised for calls that could not complete because the connection is not (or no longer) open. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

type Handler = (payload: unknown) => void;

class EventHub {
  private readonly handlers = new Map<string, Set<Handler>>();

  on(event: string, handler: Handler): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  emit(event: string, payload: unknown): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(payload);
      } catch (err) {
        console.error(`handler for ${event} threw`, err);
      }
    }
  }
}

/** The subset of the DOM WebSocket the client uses (the `ws` package's client fits it too). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  url: string;
  createSocket?: SocketFactory;
  /**
   * Asked after a connection attempt failed before opening: is the failure an authentication
   * problem? Browsers hide the HTTP status of a refused upgrade, so the default probes the page.
   */
  probeUnauthorized?: () => Promise<boolean>;
  /** Backoff: min(maxDelayMs, baseDelayMs * 2^attempt), plus up to 20 % jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

const OPEN = 1;

export class WsClient implements ApiClient {
  readonly transport = 'websocket' as const;
  readonly api: Api;
  private socket: SocketLike | null = null;
  private state: ConnectionState = { status: 'connecting', attempt: 0 };
  private readonly listeners = new Set<(s: ConnectionState) => void>();
  private readonly events = new EventHub();
  private readonly pending = new Map<number, Pending>();
  /** Requests issued while the socket was still connecting; sent on open. */
  private queue: ClientMessage[] = [];
  private nextId = 1;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closedByUser = false;
  private readonly createSocket: SocketFactory;
  private readonly probeUnauthorized: () => Promise<boolean>;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: WsClientOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.probeUnauthorized = options.probeUnauthorized ?? (async () => false);
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    const call = <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => this.request(method, input) as Promise<MethodOutput<M>>;
    const on = <E extends EventName>(event: E, handler: (payload: Events[E]) => void): (() => void) => this.events.on(event, handler as Handler);
    this.api = { call, on };
    this.connect();
  }

  getConnection(): ConnectionState {
    return this.state;
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  reconnectNow(): void {
    if (this.closedByUser || this.state.status !== 'closed') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  close(): void {
    this.closedByUser = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.onerror = null;
      s.onopen = null;
      s.close(1000, 'client closed');
    }
    this.failAll('the client was closed');
    this.setState({ status: 'closed', attempt: this.attempt, retryAt: Number.POSITIVE_INFINITY, reason: 'closed', unauthorized: false });
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const l of [...this.listeners]) {
      try {
        l(state);
      } catch (err) {
        console.error('connection listener threw', err);
      }
    }
  }

  private request(method: string, input: unknown): Promise<unknown> {
    if (this.state.status === 'closed') {
      const wait = Math.max(0, Math.ceil((this.state.retryAt - Date.now()) / 1000));
      const retry = Number.isFinite(wait) ? ` (retrying in ${wait} s)` : '';
      return Promise.reject(new ConnectionError(`${method}: not connected to the workbench server${retry}`));
    }
    const id = this.nextId++;
    const msg: ClientMessage = { id, method, input: input ?? {} };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      if (this.state.status === 'open' && this.socket && this.socket.readyState === OPEN) this.send(msg);
      else this.queue.push(msg);
    });
  }

  private send(msg: ClientMessage): void {
    try {
      this.socket?.send(JSON.stringify(msg));
    } catch (err) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      p?.reject(new ConnectionError(`${msg.method}: could not send (${err instanceof Error ? err.message : String(err)})`));
    }
  }

  private connect(): void {
    this.setState({ status: 'connecting', attempt: this.attempt });
    let opened = false;
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.options.url);
    } catch (err) {
      this.handleClose(false, `could not open a WebSocket: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.setState({ status: 'open', since: Date.now() });
      const queued = this.queue;
      this.queue = [];
      for (const m of queued) if (this.pending.has(m.id)) this.send(m);
    };
    socket.onmessage = (ev) => this.handleMessage(ev.data);
    socket.onerror = () => {
      // A close event always follows; it carries the details.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.handleClose(opened, closeReason(opened, ev.code, ev.reason));
    };
  }

  private handleClose(wasOpen: boolean, reason: string): void {
    this.failAll(reason);
    if (this.closedByUser) return;
    const attempt = this.attempt++;
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt) * (1 + Math.random() * 0.2);
    const retryAt = Date.now() + delay;
    this.setState({ status: 'closed', attempt, retryAt, reason, unauthorized: false });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    if (!wasOpen) {
      void this.probeUnauthorized().then(
        (unauthorized) => {
          if (unauthorized && this.state.status === 'closed' && this.state.retryAt === retryAt) {
            this.setState({ ...this.state, unauthorized: true, reason: 'the server refused the connection (401 Unauthorized)' });
          }
        },
        () => undefined,
      );
    }
  }

  private failAll(reason: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.queue = [];
    for (const p of pending) p.reject(new ConnectionError(`${p.method}: ${reason}; the call may or may not have taken effect`));
  }

  private handleMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      console.error('unparseable message from server', data.slice(0, 200));
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    const m = msg as Record<string, unknown>;
    if (typeof m.event === 'string') {
      this.events.emit(m.event, m.payload);
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok === true) {
      p.resolve(m.result);
    } else {
      const e = (m.error ?? {}) as { message?: unknown; code?: unknown };
      const code = (typeof e.code === 'string' ? e.code : 'internal') as ApiErrorCode;
      p.reject(new ApiError(code, typeof e.message === 'string' ? e.message : `${p.method} failed`));
    }
  }
}

function closeReason(wasOpen: boolean, code: number, reason: string): string {
  const detail = reason ? `${reason}, code ${code}` : code === 1006 ? 'no close frame, code 1006' : `code ${code}`;
  if (!wasOpen) return `could not reach the workbench server (${detail})`;
  if (code === 1001) return `the server went away (${detail})`;
  if (code === 1009) return `a message was too large (${detail})`;
  return `connection lost (${detail})`;
}

/** Electron: the preload's object, always connected. */
export function ipcClient(api: Api): ApiClient {
  const state: ConnectionState = { status: 'open', since: Date.now() };
  return {
    transport: 'ipc',
    api: { call: (method, input) => api.call(method, input), on: (event, handler) => api.on(event, handler) },
    getConnection: () => state,
    onConnection: () => () => undefined,
    reconnectNow: () => undefined,
    close: () => undefined,
  };
}

/** `ws(s)://host/api`, with the page's `?token=` appended when present. */
export function webSocketUrl(loc: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  const token = new URLSearchParams(loc.search).get('token');
  return `${scheme}://${loc.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** Picks the transport once; call at start-up. */
export function createApiClient(): ApiClient {
  if (window.mlbl) return ipcClient(window.mlbl);
  return new WsClient({
    url: webSocketUrl(window.location),
    probeUnauthorized: async () => {
      const res = await fetch(window.location.pathname + window.location.search, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' });
      return res.status === 401;
    },
  });
}
