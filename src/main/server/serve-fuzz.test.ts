import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../shared/api';
import { createHost, type Host } from '../host';
import { serve, type Server } from './serve';
import { seededRandom } from '../../shared/random';

// A bounded fuzz of the WebSocket API: random and malformed messages must get error answers and
// leave the server up. Seeded, so a failure repeats.
let host: Host;
let server: Server;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-fuzz-'));
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
  // concurrency 0: a fuzzed runs.create that happens to be valid must not start training here.
  host = createHost({ dataDir: path.join(dir, 'data'), transport: 'websocket', concurrency: 0 });
  server = await serve({ host, port: 0, staticDir });
});
afterAll(async () => {
  await server.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 2 ? 6 : 9));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor((r() - 0.5) * 1e9);
    case 3:
      return r() < 0.2 ? Number.MAX_SAFE_INTEGER : (r() - 0.5) * 1e6;
    case 4:
      return ['', '../../etc/passwd', 'x'.repeat(Math.floor(r() * 5000)), '\u0000\uffff', 'runs.list', 'lenet5-mnist'][Math.floor(r() * 6)];
    case 5:
      return undefined;
    case 6:
      return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (const key of ['id', 'spec', 'preset', 'params', 'epochs', 'limit', 'maxPoints', 'keys', 'artefactId', '__proto__', 'constructor'].filter(
        () => r() < 0.4,
      ))
        o[key] = randomValue(r, depth + 1);
      return o;
    }
  }
}

describe('WebSocket API fuzz', () => {
  it('answers 600 random and malformed messages with errors and stays up', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const replies = new Map<number, { ok: boolean; error?: { code: string } }>();
    let malformedReplies = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { id?: number; ok?: boolean; error?: { code: string }; event?: string };
      if (m.event) return;
      if (m.id === -1) malformedReplies++;
      else if (typeof m.id === 'number') replies.set(m.id, m as { ok: boolean });
    });
    const r = seededRandom(42);
    let sentValid = 0;
    let sentMalformed = 0;
    for (let i = 0; i < 600; i++) {
      const kind = r();
      if (kind < 0.15) {
        ws.send(['{', '[]', 'null', '"x"', '{"id":"1"}', '{"method":1}', '\u0000', '{"id":1e999,"method":"runs.list"}'][Math.floor(r() * 8)] as string);
        sentMalformed++;
      } else {
        const method =
          r() < 0.8
            ? METHOD_NAMES[Math.floor(r() * METHOD_NAMES.length)]
            : ['', 'runs', 'constructor', '__proto__', 'runs.list.x', 'toString'][Math.floor(r() * 6)];
        ws.send(JSON.stringify({ id: i, method, input: randomValue(r) }));
        sentValid++;
      }
    }
    const deadline = Date.now() + 30_000;
    while ((replies.size < sentValid || malformedReplies < sentMalformed) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(replies.size).toBe(sentValid);
    expect(malformedReplies).toBe(sentMalformed);
    const errors = [...replies.values()].filter((m) => !m.ok);
    expect(errors.length).toBeGreaterThan(sentValid * 0.5);
    for (const e of errors) expect(['bad_request', 'not_found', 'unknown_method', 'conflict', 'not_available']).toContain(e.error?.code);
    ws.close();
    // Still serving, on a fresh connection.
    const ws2 = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((res, j) => {
      ws2.once('open', res);
      ws2.once('error', j);
    });
    const answer = await new Promise<{ ok: boolean }>((res) => {
      ws2.once('message', (d) => res(JSON.parse(d.toString()) as { ok: boolean }));
      ws2.send(JSON.stringify({ id: 1, method: 'system.info', input: {} }));
    });
    expect(answer.ok).toBe(true);
    ws2.close();
  });
});
