import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { Host } from '../host';
import { apiClients, type ApiSocketLimits, type ClientStats } from './api-socket';
import { cookieValue, parseTarget } from './request-target';
import { sendStatic } from './static-files';

export interface ServeOptions {
  host: Host;
  bind?: string;
  port?: number;
  token?: string;
  /** The built renderer (vite build output). */
  staticDir?: string;
  maxMessageBytes?: number;
  /** Open sockets served at once; those beyond get a 503 and are closed. */
  maxConnections?: number;
  /** A request's headers must arrive within this (a slow-header client is closed, 408). */
  headersTimeoutMs?: number;
  /** Per-client WebSocket limits (api-socket.ts). */
  api?: Partial<ApiSocketLimits>;
  /** Where errors that a request caused are reported (default stderr); serving goes on. */
  onError?: (where: string, e: unknown) => void;
}

export interface ServerStats {
  connections: number;
  refused: number;
  clients: ClientStats[];
}

export interface Server {
  url: string;
  port: number;
  token: string;
  stats(): ServerStats;
  close(): Promise<void>;
}

const COOKIE = 'mlbl_token';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const DEFAULT_API: ApiSocketLimits = { maxInFlight: 32, pauseAboveBytes: 1 << 20, closeAboveBytes: 16 << 20, heartbeatMs: 30_000 };

export function defaultStaticDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../../../out/renderer', '../../renderer', '../renderer']) {
    const d = path.resolve(here, rel);
    if (fs.existsSync(path.join(d, 'index.html'))) return d;
  }
  return path.resolve(here, '../../../out/renderer');
}

function sameToken(a: string | undefined | null, token: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(token);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The static dir's real path, once it exists (it may be built after the server starts). */
function staticRoot(dir: string): () => string {
  let real: string | undefined;
  return () => {
    if (real) return real;
    try {
      return (real = fs.realpathSync(dir));
    } catch {
      return path.resolve(dir);
    }
  };
}

/**
 * Serves the renderer and the API over a WebSocket, like Jupyter: a random token is needed on every
 * request (query `?token=`, `Authorization: token ...`, or the cookie set when the page is first
 * opened with the token). Host and Origin must be this loopback server, against DNS rebinding.
 * No request can throw out of a handler: malformed targets, cookies and paths are answered 400
 * (401/403/404 where those fit) and the connection is closed.
 */
export async function serve(o: ServeOptions): Promise<Server> {
  const token = o.token ?? randomBytes(24).toString('hex');
  const bind = o.bind ?? '127.0.0.1';
  const staticDir = o.staticDir ?? defaultStaticDir();
  const maxMessage = o.maxMessageBytes ?? 1 << 20;
  const maxConnections = o.maxConnections ?? 256;
  const onError =
    o.onError ?? ((where: string, e: unknown) => process.stderr.write(`mlbl serve: ${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`));
  const root = staticRoot(staticDir);
  let port = o.port ?? 0;

  const allowedHosts = (): Set<string> => new Set([`${bind}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
  const hostOk = (req: http.IncomingMessage): boolean => allowedHosts().has((req.headers.host ?? '').toLowerCase());
  const authed = (req: http.IncomingMessage, query: URLSearchParams): boolean => {
    const auth = req.headers.authorization;
    const header = auth?.startsWith('token ') ? auth.slice(6) : undefined;
    return sameToken(query.get('token'), token) || sameToken(header, token) || sameToken(cookieValue(req.headers.cookie, COOKIE), token);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = parseTarget(req.url);
    if (!target.ok) return deny(res, 400, `Bad request: ${target.reason}`);
    if (!hostOk(req)) return deny(res, 403, 'Forbidden: unexpected Host header');
    if (!authed(req, target.query)) return deny(res, 401, 'Unauthorized: open the URL with the ?token=... that `mlbl serve` printed');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed');
    const headers: Record<string, string> = {
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': CSP,
      'X-Frame-Options': 'DENY',
    };
    if (sameToken(target.query.get('token'), token)) headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    const rel = target.path === '/' || target.path === '' ? '/index.html' : target.path;
    headers['Cache-Control'] = rel === '/index.html' ? 'no-store' : 'max-age=3600';
    if ((await sendStatic(req, res, root(), rel, headers)) === 'sent') return;
    if (rel === '/index.html') return deny(res, 500, `The renderer is not built (${staticDir} has no index.html): run npm run build`);
    return deny(res, 404, 'Not found');
  }

  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024,
      headersTimeout: o.headersTimeoutMs ?? 3_000,
      requestTimeout: 30_000,
      // Node checks the two timeouts above only this often (default 30 s).
      connectionsCheckingInterval: 500,
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      handle(req, res).catch((e: unknown) => {
        onError(`${req.method} request`, e);
        if (!res.headersSent) deny(res, 500, 'Internal error');
        else res.destroy();
      });
    },
  );
  // A socket idle this long (no bytes either way, outside a WebSocket) is closed.
  server.timeout = 120_000;

  // Beyond the cap a socket gets a 503 without ever reaching the HTTP parser; far beyond it
  // (maxConnections below) the kernel's socket is closed unanswered, so refusals stay cheap too.
  const acceptHttp = server.listeners('connection') as ((s: net.Socket) => void)[];
  server.removeAllListeners('connection');
  let served = 0;
  let refused = 0;
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (served >= maxConnections) {
      refused++;
      socket.on('error', () => socket.destroy());
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 27\r\n\r\nToo many open connections.\n',
      );
      socket.resume();
      setTimeout(() => socket.destroy(), 2_000).unref();
      return;
    }
    served++;
    socket.once('close', () => served--);
    for (const l of acceptHttp) l.call(server, socket);
  });
  server.maxConnections = maxConnections + 64;

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessage });
  const api = apiClients(o.host, { ...DEFAULT_API, ...o.api }, onError);
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    // Once upgraded, the HTTP server no longer watches this socket's errors: a reset must not throw.
    socket.on('error', () => socket.destroy());
    const refuse = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      setTimeout(() => socket.destroy(), 1_000).unref();
    };
    try {
      const target = parseTarget(req.url);
      if (!target.ok) return refuse(400, 'Bad Request');
      if (!hostOk(req)) return refuse(403, 'Forbidden');
      const origin = req.headers.origin;
      // Browsers always send Origin on WebSocket upgrades; a foreign page must not drive the API.
      if (origin !== undefined && !allowedHosts().has(origin.replace(/^https?:\/\//, '').toLowerCase())) return refuse(403, 'Forbidden');
      if (!authed(req, target.query)) return refuse(401, 'Unauthorized');
      if (target.path !== '/api') return refuse(404, 'Not Found');
      wss.handleUpgrade(req, socket, head, (ws) => api.attach(ws));
    } catch (e) {
      onError('WebSocket upgrade', e);
      refuse(500, 'Internal Server Error');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, an accept failure (EMFILE, ...) is reported, not thrown.
  server.on('error', (e) => onError('server', e));
  port = (server.address() as { port: number }).port;
  const shownHost = bind.includes(':') ? `[${bind}]` : bind;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    stats: () => ({ connections: served, refused, clients: api.stats() }),
    async close() {
      api.close();
      wss.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

function deny(res: http.ServerResponse, code: number, text: string): void {
  if (res.headersSent) return void res.destroy();
  // Every refusal closes its connection: a client that sent something malformed starts afresh.
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', Connection: 'close' });
  res.end(text + '\n');
}
