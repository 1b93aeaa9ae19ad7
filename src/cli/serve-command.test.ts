import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, rawWebSocket, textFrame, upgradeRequest } from '../main/server/testing';

// `mlbl serve` as a real child process, sent the requests that used to kill it.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let child: ChildProcess;
let dir: string;
let port: number;
let token: string;
let stderr = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-serve-cli-'));
  child = spawn(process.execPath, [path.join(root, 'bin/mlbl.js'), 'serve', '--port', '0', '--data-dir', dir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Open (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`mlbl serve exited (${code}): ${stderr}`)));
  });
  const u = new URL(url);
  port = Number(u.port);
  token = u.searchParams.get('token') ?? '';
});
afterAll(async () => {
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const get = (target: string, headers: string[] = []): string =>
  [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headers].join('\r\n') + '\r\n\r\n';

async function systemInfo(): Promise<{ ok: boolean }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const reply = await new Promise<{ ok: boolean }>((r) => {
    ws.once('message', (d) => r(JSON.parse(d.toString()) as { ok: boolean }));
    ws.send(JSON.stringify({ id: 1, method: 'system.info', input: {} }));
  });
  ws.close();
  return reply;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

describe('mlbl serve (the CLI, as a child process)', () => {
  it('answers the requests that used to kill it and stays up', async () => {
    const killers: [string, number][] = [
      [get('/', ['Cookie: mlbl_token=%E0%A4%A']), 401],
      [upgradeRequest(port, '/api', { Cookie: 'mlbl_token=%E0%A4%A' }), 401],
      [get('http://[x'), 400],
      [get(`/%E0%A4%A?token=${token}`), 400],
      [get(`/%c0%ae%c0%ae/x?token=${token}`), 400],
      [get(`/a%00b?token=${token}`), 400],
    ];
    for (const [bytes, status] of killers) {
      expect((await rawRequest(port, bytes)).status).toBe(status);
      await new Promise((r) => setTimeout(r, 50));
      expect(child.exitCode).toBe(null);
    }
    expect(await systemInfo()).toMatchObject({ ok: true });
    expect(stderr).not.toContain('kept serving');
  });

  it('keeps its memory when a client floods it with requests and never reads', async () => {
    const before = rssMb(child.pid as number);
    const { socket } = await rawWebSocket(port, token);
    const N = 20_000;
    for (let i = 0; i < N; i += 500)
      socket.write(Buffer.concat(Array.from({ length: 500 }, (_, k) => textFrame(JSON.stringify({ id: i + k, method: 'x'.repeat(4000), input: {} })))));
    let peak = before;
    for (let t = 0; t < 40; t++) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, rssMb(child.pid as number));
    }
    console.log(
      `mlbl serve RSS: ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB peak while a client sent ${N} requests (${((N * 4) / 1000).toFixed(0)} MB of replies) without reading`,
    );
    expect(peak - before).toBeLessThan(40);
    socket.destroy();
    expect(await systemInfo()).toMatchObject({ ok: true });
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
