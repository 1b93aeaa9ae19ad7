import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../host';
import { serve, type Server } from './serve';
import { frameReader, parseFrames, rawRequest, rawWebSocket, textFrame, upgradeRequest } from './testing';

// Raw bytes at the real server over net.Socket: malformed request lines, headers, cookies and
// paths. Each must be refused with a status and a closed connection, and the server must still
// answer a good request afterwards (before the fix several of these killed the process).
let host: Host;
let server: Server;
let dir: string;
let T: string;
let P: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-hostile-'));
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>MLBL</title>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'x'.repeat(300_000));
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the static folder');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(staticDir, 'escape.txt'));
  fs.symlinkSync('/dev/zero', path.join(staticDir, 'zero.js'));
  execFileSync('mkfifo', [path.join(staticDir, 'pipe.js')]);
  host = createHost({ dataDir: path.join(dir, 'data'), transport: 'websocket', concurrency: 0 });
  server = await serve({ host, port: 0, staticDir });
  T = server.token;
  P = server.port;
});
afterAll(async () => {
  await server.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const get = (target: string, headers: string[] = []): string => [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${P}`, ...headers].join('\r\n') + '\r\n\r\n';

async function stillServes(): Promise<void> {
  const page = await rawRequest(P, get(`/?token=${T}`, ['Connection: close']));
  expect(page.status).toBe(200);
  expect(page.text).toContain('<title>MLBL</title>');
}

describe('hostile HTTP at the real server', () => {
  const cases: [string, () => string | Buffer, number][] = [
    ['a cookie that is not percent-encoded UTF-8', () => get('/', ['Cookie: mlbl_token=%E0%A4%A']), 401],
    ['the bad cookie among others, on a page', () => get('/index.html', ['Cookie: a=1; mlbl_token=%; b=%ZZ']), 401],
    ['the bad cookie on a WebSocket upgrade', () => upgradeRequest(P, '/api', { Cookie: 'mlbl_token=%E0%A4%A' }), 401],
    ['an unparsable absolute-form target', () => get('http://[x'), 400],
    ['the same on a WebSocket upgrade', () => upgradeRequest(P, 'http://[x'), 400],
    ['an absolute-form target with the token', () => get(`http://127.0.0.1:${P}/?token=${T}`), 400],
    ['an asterisk target', () => get('*'), 400],
    ['a truncated percent-escape in the path', () => get(`/%E0%A4%A?token=${T}`), 400],
    ['overlong UTF-8 dots', () => get(`/%c0%ae%c0%ae/x?token=${T}`), 400],
    ['a NUL in the path', () => get(`/a%00b?token=${T}`), 400],
    ['a newline in the path', () => get(`/a%0Ab?token=${T}`), 400],
    ['a bad path on a WebSocket upgrade', () => upgradeRequest(P, `/%E0%A4%A?token=${T}`), 400],
    ['a NUL path on a WebSocket upgrade', () => upgradeRequest(P, `/a%00pi?token=${T}`), 400],
    ['a 20 KB header', () => get('/', [`X-Big: ${'a'.repeat(20_000)}`]), 431],
    ['a 100 KB request line', () => get(`/${'a'.repeat(100_000)}`), 431],
    ['binary garbage', () => Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]), 400],
    [
      'raw 0xff bytes in the target',
      () => Buffer.concat([Buffer.from('GET /'), Buffer.from([0xff, 0xfe]), Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1:${P}\r\n\r\n`)]),
      400,
    ],
    ['a header without a colon', () => `GET / HTTP/1.1\r\nHost: 127.0.0.1:${P}\r\nnonsense\r\n\r\n`, 400],
    ['HTTP/9.9', () => `GET / HTTP/9.9\r\nHost: 127.0.0.1:${P}\r\n\r\n`, 400],
    ['a directory', () => get(`/assets?token=${T}`), 404],
    ['a directory with a slash', () => get(`/assets/?token=${T}`), 404],
    ['a symlink out of the static folder', () => get(`/escape.txt?token=${T}`), 404],
    ['a symlink to a device', () => get(`/zero.js?token=${T}`), 404],
    ['a FIFO', () => get(`/pipe.js?token=${T}`), 404],
    ['an encoded ../', () => get(`/..%2Fsecret.txt?token=${T}`), 404],
  ];
  for (const [name, bytes, status] of cases) {
    it(`refuses ${name} with ${status}, closes, and keeps serving`, async () => {
      const reply = await rawRequest(P, bytes());
      expect(reply.status).toBe(status);
      expect(reply.closed).toBe(true);
      expect(reply.text).not.toContain('outside the static folder');
      await stillServes();
    });
  }

  it('survives a client that resets its socket right after a refused upgrade', async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const s = net.connect(P, '127.0.0.1', () => {
          s.write(upgradeRequest(P, '/api', { Cookie: 'mlbl_token=%E0%A4%A' }));
          setImmediate(() => {
            s.resetAndDestroy();
            resolve();
          });
        });
        s.on('error', () => resolve());
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    await stillServes();
  });

  it('answers every good request after 300 malformed ones', async () => {
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const [, bytes] = cases[i % cases.length] as [string, () => string | Buffer, number];
      if ((await rawRequest(P, bytes())).status >= 400) refused++;
    }
    expect(refused).toBe(300);
    const good = await Promise.all(Array.from({ length: 50 }, () => rawRequest(P, get(`/assets/app.js?token=${T}`, ['Connection: close']))));
    expect(good.map((g) => g.status)).toEqual(Array(50).fill(200));
    expect(good.every((g) => g.text.length > 300_000)).toBe(true);
  });

  it('closes a client that sends half a header line within a few seconds', async () => {
    const reply = await rawRequest(P, `GET /?token=${T} HTTP/1.1\r\nHost: 127.0.0.1:${P}\r\nX-Slow: abc`, 15_000);
    expect(reply.closed).toBe(true);
    expect(reply.ms).toBeLessThan(5_000);
    expect(reply.status).toBe(408);
    const silent = await rawRequest(P, '', 15_000);
    expect(silent.closed).toBe(true);
    expect(silent.ms).toBeLessThan(5_000);
  });

  it('caps open connections at 256: those beyond get a 503 and are closed', async () => {
    const sockets: net.Socket[] = [];
    const replies = new Map<net.Socket, string>();
    for (let i = 0; i < 300; i++) {
      const s = net.connect(P, '127.0.0.1');
      s.on('data', (d) => replies.set(s, (replies.get(s) ?? '') + d.toString('latin1')));
      s.on('error', () => undefined);
      sockets.push(s);
      await new Promise((r) => s.once('connect', r));
    }
    await new Promise((r) => setTimeout(r, 300));
    const refused = sockets.filter((s) => replies.get(s)?.startsWith('HTTP/1.1 503'));
    expect(server.stats().connections).toBeLessThanOrEqual(256);
    expect(refused.length).toBeGreaterThanOrEqual(300 - 256);
    expect(refused.length).toBeLessThan(300 - 256 + 10);
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 300));
    await stillServes();
  });
});

describe('WebSocket clients that do not read', () => {
  it("a client that sends 80 MB of requests and never reads does not grow the host's buffers", async () => {
    const { socket } = await rawWebSocket(P, T);
    // An unknown method's error names it: a 4 KB name makes a 4 KB reply, answered at once.
    const N = 20_000;
    const request = (i: number): Buffer => textFrame(JSON.stringify({ id: i, method: 'x'.repeat(4000), input: {} }));
    for (let i = 0; i < N; i += 500) socket.write(Buffer.concat(Array.from({ length: 500 }, (_, k) => request(i + k))));
    let maxBuffered = 0;
    for (let t = 0; t < 30; t++) {
      await new Promise((r) => setTimeout(r, 100));
      for (const c of server.stats().clients) maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
    }
    console.log(`never-reading client, ${N} requests of 4 KB replies: the host's max bufferedAmount ${(maxBuffered / 1048576).toFixed(2)} MB`);
    expect(maxBuffered).toBeLessThan(3 << 20);
    expect(server.stats().clients.some((c) => c.paused)).toBe(true);
    // Once it reads, every request is answered: pausing lost nothing.
    const read = frameReader();
    let answered = 0;
    socket.on('data', (d: Buffer) => {
      answered += read(d).filter((f) => f.opcode === 1 && f.payload.includes('"code":"unknown_method"')).length;
    });
    socket.resume();
    const deadline = Date.now() + 60_000;
    while (answered < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(N);
    socket.destroy();
    await stillServes();
  });

  it('pings, and drops a client that never answers', async () => {
    // 500 ms between pings: a real client must answer in time even on a loaded 2-core machine.
    const s2 = await serve({ host, port: 0, staticDir: path.join(dir, 'static'), api: { heartbeatMs: 500 } });
    try {
      const { socket } = await rawWebSocket(s2.port, s2.token);
      const closed = new Promise<number>((r) => {
        const t0 = Date.now();
        socket.once('close', () => r(Date.now() - t0));
      });
      socket.resume();
      // A real client answers pings by itself and stays.
      const ws = new WebSocket(`ws://127.0.0.1:${s2.port}/api?token=${s2.token}`);
      await new Promise((r, j) => {
        ws.once('open', r);
        ws.once('error', j);
      });
      expect(await closed).toBeLessThan(3_000);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      // One that floods and never reads is paused (its pongs cannot be read), then closed with a reason.
      const flood = await rawWebSocket(s2.port, s2.token);
      for (let i = 0; i < 10_000; i += 500)
        flood.socket.write(Buffer.concat(Array.from({ length: 500 }, (_, k) => textFrame(JSON.stringify({ id: i + k, method: 'x'.repeat(4000), input: {} })))));
      for (let t = 0; t < 100 && !s2.stats().clients.some((c) => c.paused); t++) await new Promise((r) => setTimeout(r, 20));
      expect(s2.stats().clients.some((c) => c.paused)).toBe(true);
      const read = frameReader();
      const frames: { opcode: number; payload: Buffer }[] = [];
      const floodClosed = new Promise((r) => flood.socket.once('close', r));
      await new Promise((r) => setTimeout(r, 1_000));
      flood.socket.on('data', (d: Buffer) => frames.push(...read(d)));
      flood.socket.resume();
      await floodClosed;
      expect(
        frames
          .find((f) => f.opcode === 8)
          ?.payload.subarray(2)
          .toString(),
      ).toMatch(/^not reading/);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close();
    } finally {
      await s2.close();
    }
  });

  it('closes, with a reason, a client whose unread replies pass the limit', async () => {
    const s2 = await serve({
      host,
      port: 0,
      staticDir: path.join(dir, 'static'),
      api: { pauseAboveBytes: 64 << 20, maxInFlight: 1e6, closeAboveBytes: 256 << 10 },
    });
    try {
      const { socket } = await rawWebSocket(s2.port, s2.token);
      for (let i = 0; i < 2_000; i += 500)
        socket.write(Buffer.concat(Array.from({ length: 500 }, (_, k) => textFrame(JSON.stringify({ id: i + k, method: 'x'.repeat(4000), input: {} })))));
      await new Promise((r) => setTimeout(r, 2_000));
      let got = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
      });
      const closed = new Promise((r) => socket.once('close', r));
      socket.resume();
      await closed;
      const close = parseFrames(got).find((f) => f.opcode === 8);
      expect(close?.payload.readUInt16BE(0)).toBe(1008);
      expect(close?.payload.subarray(2).toString()).toMatch(/^not reading: \d+\.\d MB/);
      for (let t = 0; t < 50 && s2.stats().clients.length > 0; t++) await new Promise((r) => setTimeout(r, 20));
      expect(s2.stats().clients).toHaveLength(0);
    } finally {
      await s2.close();
    }
  });
});
