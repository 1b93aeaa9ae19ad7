import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../host';
import { serve, type Server } from './serve';

let host: Host;
let server: Server;
let dir: string;
let base: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-serve-'));
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>MLBL</title>');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the static folder');
  host = createHost({ dataDir: path.join(dir, 'data'), transport: 'websocket' });
  server = await serve({ host, port: 0, staticDir, maxMessageBytes: 64 * 1024 });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, method: string, input: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMsg = (d: WebSocket.RawData): void => {
      const m = JSON.parse(d.toString()) as Record<string, unknown>;
      if (m.id === id) {
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ id, method, input }));
  });
}

describe('mlbl serve', () => {
  it('prints a loopback URL with a token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[0-9a-f]{48}$`));
  });

  it('answers 401 over HTTP without the token or with a wrong one', async () => {
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/index.html?token=nope`)).status).toBe(401);
    expect((await fetch(`${base}/`, { headers: { Authorization: `token ${server.token.slice(0, -1)}x` } })).status).toBe(401);
  });

  it('serves the page with the token and sets an HttpOnly cookie that then suffices', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>MLBL</title>');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect((await fetch(`${base}/index.html`, { headers: { cookie: cookie.split(';')[0] as string } })).status).toBe(200);
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await fetch(`${base}/..%2Fsecret.txt?token=${server.token}`);
    expect(res.status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    // fetch() will not send a custom Host header; a raw request does, as a rebinding page's would.
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, headers: { Host: `evil.example:${server.port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(403);
  });

  it('answers 401 to a WebSocket upgrade without the token, 403 from a foreign Origin', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/api`)).rejects.toThrow('HTTP 401');
    await expect(connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('runs the API over the WebSocket with the token, validating input', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` });
    const info = await call(ws, 1, 'system.info', {});
    expect(info.ok).toBe(true);
    expect((info.result as { dataDir: string }).dataDir).toBe(path.join(dir, 'data'));
    expect(await call(ws, 2, 'runs.list', {})).toMatchObject({ ok: true, result: [] });
    const bad = await call(ws, 3, 'runs.create', { spec: { preset: 'lenet5-mnist', params: { epochs: -1 } } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((bad.error as { message: string }).message).toContain('input.spec.params.epochs');
    expect(await call(ws, 4, 'runs.get', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(ws, 5, 'no.such', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    const garbage = new Promise<Record<string, unknown>>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()) as Record<string, unknown>)));
    ws.send('{not json');
    expect(await garbage).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await call(ws, 6, 'runs.list', {})).toMatchObject({ ok: true });
    ws.close();
  });

  it('closes a connection that sends a message over the size limit, and keeps serving', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ id: 1, method: 'runs.list', input: { pad: 'x'.repeat(100 * 1024) } }));
    expect(await closed).toBe(1009);
    expect((await fetch(server.url)).status).toBe(200);
  });
});
