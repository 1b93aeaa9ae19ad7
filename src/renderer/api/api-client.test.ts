import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiError } from '../../shared/api';
import { ConnectionError, WsClient, webSocketUrl, type ConnectionState, type SocketLike } from './api-client';

const servers: WebSocketServer[] = [];
const clients: WsClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    for (const ws of s.clients) ws.terminate();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A tiny server speaking the wire format: echoes `system.info`, fails `runs.get`, never answers `runs.stop`. */
async function startServer(port = 0): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer({ port, host: '127.0.0.1' });
  servers.push(wss);
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as { id: number; method: string; input: unknown };
      if (msg.method === 'system.info') ws.send(JSON.stringify({ id: msg.id, ok: true, result: { echo: msg.input } }));
      if (msg.method === 'runs.get') ws.send(JSON.stringify({ id: msg.id, ok: false, error: { message: 'run x not found', code: 'not_found' } }));
    });
  });
  return { wss, port: (wss.address() as { port: number }).port };
}

function client(port: number, extra: Partial<ConstructorParameters<typeof WsClient>[0]> = {}): WsClient {
  const c = new WsClient({
    url: `ws://127.0.0.1:${port}/api`,
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    baseDelayMs: 20,
    maxDelayMs: 100,
    ...extra,
  });
  clients.push(c);
  return c;
}

const waitFor = (c: WsClient, status: ConnectionState['status']) =>
  new Promise<void>((resolve) => {
    if (c.getConnection().status === status) return resolve();
    const off = c.onConnection((s) => {
      if (s.status === status) {
        off();
        resolve();
      }
    });
  });

describe('WsClient', () => {
  it('queues calls made while connecting and resolves them with the result', async () => {
    const { port } = await startServer();
    const c = client(port);
    expect(c.getConnection().status).toBe('connecting');
    await expect(c.api.call('system.info', {})).resolves.toEqual({ echo: {} });
  });

  it('rejects with an ApiError carrying the server code', async () => {
    const { port } = await startServer();
    const c = client(port);
    const err = await c.api.call('runs.get', { id: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('not_found');
    expect((err as ApiError).message).toBe('run x not found');
  });

  it('dispatches pushed events to subscribers until they unsubscribe', async () => {
    const { wss, port } = await startServer();
    const c = client(port);
    await waitFor(c, 'open');
    const seen: string[] = [];
    const off = c.api.on('run.log', (l) => seen.push(l.message));
    const push = (message: string) => {
      for (const ws of wss.clients) ws.send(JSON.stringify({ event: 'run.log', payload: { runId: 'r', ts: 1, level: 'info', message } }));
    };
    push('one');
    await expect.poll(() => seen).toEqual(['one']);
    off();
    push('two');
    await c.api.call('system.info', {}); // a round trip: 'two' has arrived by now
    expect(seen).toEqual(['one']);
  });

  it('rejects in-flight calls when the socket closes, then reconnects', async () => {
    const { wss, port } = await startServer();
    const c = client(port);
    await waitFor(c, 'open');
    const pending = c.api.call('runs.stop', { id: 'r' });
    await new Promise((r) => setTimeout(r, 20));
    for (const ws of wss.clients) ws.terminate();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/^runs\.stop: connection lost/);
    await waitFor(c, 'open');
    await expect(c.api.call('system.info', {})).resolves.toEqual({ echo: {} });
  });

  it('reports closed with a reason and the auth probe result when the server is unreachable', async () => {
    const { port } = await startServer();
    for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
    const c = client(port, { probeUnauthorized: async () => true, baseDelayMs: 5_000, maxDelayMs: 5_000 });
    await waitFor(c, 'closed');
    await expect.poll(() => c.getConnection()).toMatchObject({ status: 'closed', unauthorized: true });
    const err = await c.api.call('system.info', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/not connected .*retrying in \d+ s/);
  });
});

describe('webSocketUrl', () => {
  it('uses the page host, ws or wss, and carries the token', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:8080', search: '' })).toBe('ws://127.0.0.1:8080/api');
    expect(webSocketUrl({ protocol: 'https:', host: 'x.test', search: '?token=a+b/c' })).toBe('wss://x.test/api?token=a%20b%2Fc');
  });
});
