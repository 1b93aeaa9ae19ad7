import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientMessage, ServerMessage } from '../../shared/api';
import { toWireError } from '../api-handlers';
import type { Host } from '../host';

export interface ServeOptions {
  host: Host;
  bind?: string;
  port?: number;
  token?: string;
  /** The built renderer (vite build output). */
  staticDir?: string;
  maxMessageBytes?: number;
}

export interface Server {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'mlbl_token';
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2', '.map': 'application/json',
};
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

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

function cookieToken(req: http.IncomingMessage): string | undefined {
  const c = req.headers.cookie;
  if (!c) return undefined;
  for (const part of c.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/**
 * Serves the renderer and the API over a WebSocket, like Jupyter: a random token is needed on every
 * request (query `?token=`, `Authorization: token ...`, or the cookie set when the page is first
 * opened with the token). Host and Origin must be this loopback server, against DNS rebinding.
 */
export async function serve(o: ServeOptions): Promise<Server> {
  const token = o.token ?? randomBytes(24).toString('hex');
  const bind = o.bind ?? '127.0.0.1';
  const staticDir = o.staticDir ?? defaultStaticDir();
  const maxMessage = o.maxMessageBytes ?? 1 << 20;
  let port = o.port ?? 0;

  const allowedHosts = (): Set<string> => new Set([`${bind}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
  const hostOk = (req: http.IncomingMessage): boolean => allowedHosts().has((req.headers.host ?? '').toLowerCase());
  const authed = (req: http.IncomingMessage, url: URL): boolean => {
    const auth = req.headers.authorization;
    const header = auth?.startsWith('token ') ? auth.slice(6) : undefined;
    return sameToken(url.searchParams.get('token'), token) || sameToken(header, token) || sameToken(cookieToken(req), token);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (!hostOk(req)) return deny(res, 403, 'Forbidden: unexpected Host header');
    if (!authed(req, url)) return deny(res, 401, 'Unauthorized: open the URL with the ?token=... that `mlbl serve` printed');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed');
    const headers: Record<string, string> = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Content-Security-Policy': CSP, 'X-Frame-Options': 'DENY' };
    if (sameToken(url.searchParams.get('token'), token)) headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(staticDir, '.' + rel);
    if (!file.startsWith(path.resolve(staticDir) + path.sep)) return deny(res, 404, 'Not found');
    fs.readFile(file, (err, body) => {
      if (err) {
        if (rel === '/index.html') return deny(res, 500, `The renderer is not built (${staticDir} has no index.html): run npm run build`);
        return deny(res, 404, 'Not found');
      }
      res.writeHead(200, { ...headers, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': rel === '/index.html' ? 'no-store' : 'max-age=3600' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessage });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const refuse = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostOk(req)) return refuse(403, 'Forbidden');
    const origin = req.headers.origin;
    // Browsers always send Origin on WebSocket upgrades; a foreign page must not drive the API.
    if (origin !== undefined && !allowedHosts().has(origin.replace(/^https?:\/\//, '').toLowerCase())) return refuse(403, 'Forbidden');
    if (!authed(req, url)) return refuse(401, 'Unauthorized');
    if (url.pathname !== '/api') return refuse(404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  const clients = new Set<WebSocket>();
  const unsubscribe = o.host.subscribe((event, payload) => {
    const msg = JSON.stringify({ event, payload } satisfies ServerMessage);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(msg);
  });

  function attach(ws: WebSocket): void {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      const reply = (m: ServerMessage): void => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m)); };
      let msg: ClientMessage;
      try {
        if (isBinary) throw new Error('binary messages are not accepted');
        const parsed = JSON.parse(data.toString()) as unknown;
        if (!parsed || typeof parsed !== 'object' || !Number.isSafeInteger((parsed as ClientMessage).id) || typeof (parsed as ClientMessage).method !== 'string') {
          throw new Error('a request is {"id": integer, "method": string, "input": ...}');
        }
        msg = parsed as ClientMessage;
      } catch (e) {
        return reply({ id: -1, ok: false, error: { message: `malformed message: ${(e as Error).message}`, code: 'bad_request' } });
      }
      o.host.dispatch(msg.method, msg.input).then(
        (result) => reply({ id: msg.id, ok: true, result }),
        (e: unknown) => reply({ id: msg.id, ok: false, error: toWireError(e) }),
      );
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const shownHost = bind.includes(':') ? `[${bind}]` : bind;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function deny(res: http.ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(text + '\n');
}
