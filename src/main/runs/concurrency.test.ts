/**
 * Two runs at once (a LeNet-5 and an LBL language model, concurrency 2) watched by two WebSocket
 * UI clients of a real `serve`: every metric point the engines emitted (counted on the messages
 * that arrive from the real engine processes) is stored exactly once, and both clients saw the
 * same events.
 */
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../shared/api';
import type { EngineToHost } from '../../shared/engine-protocol';
import { serve } from '../server/serve';
import { forkEngine, type EngineLauncher } from '../engines/engine-process';
import { lblSpec, lenetSpec, stepCounts, TestHosts, until } from './testing';

const t = new TestHosts();
afterAll(() => t.cleanup());

interface Client {
  ws: WebSocket;
  events: { event: string; payload: unknown }[];
  call(method: string, input: unknown): Promise<unknown>;
}

async function client(port: number, token: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const events: Client['events'] = [];
  const pending = new Map<number, (m: { ok: boolean; result?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { id?: number; event?: string; payload?: unknown; ok?: boolean };
    if (m.event) events.push({ event: m.event, payload: m.payload });
    else if (typeof m.id === 'number') pending.get(m.id)?.(m as never);
  });
  let next = 1;
  return {
    ws,
    events,
    call: (method, input) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error?.message))));
        ws.send(JSON.stringify({ id, method, input }));
      }),
  };
}

describe('two runs at once, two UI clients', () => {
  it('stores every metric point the engines emitted exactly once, and both clients see the same events', async () => {
    // What the engine processes really sent, counted where their messages arrive (the real fork launcher).
    const emitted = new Map<string, string[]>();
    const counting: EngineLauncher = (env) => {
      const proc = forkEngine(env);
      let runId = '';
      const send = proc.send.bind(proc);
      proc.send = (m) => {
        if (m.type === 'start') runId = m.runId;
        send(m);
      };
      proc.onMessage((m: EngineToHost) => {
        if (m.type !== 'metrics') return;
        const list = emitted.get(runId) ?? [];
        for (const p of m.points) list.push(`${p.key}@${p.step}`);
        emitted.set(runId, list);
      });
      return proc;
    };
    const dataDir = t.dir();
    const staticDir = path.join(dataDir, 'static');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
    const host = t.host({ dataDir, concurrency: 2, launcher: counting });
    const server = await serve({ host, port: 0, staticDir });
    try {
      const a = await client(server.port, server.token);
      const b = await client(server.port, server.token);
      const conv = (await a.call('runs.create', { spec: lenetSpec({ epochs: 2 }) })) as RunRecord;
      const lm = (await b.call('runs.create', { spec: lblSpec({ epochs: 1 }) })) as RunRecord;
      const [cd, ld] = await Promise.all([host.runs.waitFor(conv.id), host.runs.waitFor(lm.id)]);
      expect(cd.status, cd.error ?? '').toBe('completed');
      expect(ld.status, ld.error ?? '').toBe('completed');
      // They ran at the same time.
      expect(cd.startedAt as number).toBeLessThan(ld.endedAt as number);
      expect(ld.startedAt as number).toBeLessThan(cd.endedAt as number);
      const finished = (c: Client) => c.events.filter((e) => e.event === 'run.status' && ['completed'].includes((e.payload as RunRecord).status)).length >= 2;
      await until(() => finished(a) && finished(b), 'both clients to see both runs complete', 10_000);

      let total = 0;
      for (const id of [conv.id, lm.id]) {
        const sent = emitted.get(id) ?? [];
        expect(sent.length, id).toBeGreaterThan(10);
        expect(new Set(sent).size, `${id}: an engine emitted a (key, step) twice`).toBe(sent.length);
        const counts = stepCounts(host.store, id);
        const stored: string[] = [];
        for (const [key, m] of counts)
          for (const [step, n] of m) {
            expect(n).toBe(1);
            stored.push(`${key}@${step}`);
          }
        expect(stored.sort()).toEqual([...sent].sort());
        expect(host.store.countMetrics(id)).toBe(sent.length);
        // What each client received as run.metrics events: the same points.
        for (const c of [a, b]) {
          const seen = c.events
            .filter((e) => e.event === 'run.metrics' && (e.payload as { runId: string }).runId === id)
            .flatMap((e) => (e.payload as { points: { key: string; step: number }[] }).points.map((p) => `${p.key}@${p.step}`));
          expect(seen.sort()).toEqual([...sent].sort());
        }
        total += sent.length;
      }
      // Both clients saw the same events in the same order (every kind, both runs).
      expect(b.events.length).toBe(a.events.length);
      expect(b.events).toEqual(a.events);
      expect(total).toBeGreaterThan(100);
      process.stdout.write(
        `concurrency: ${JSON.stringify({ runs: 2, clients: 2, emittedPoints: total, storedPoints: host.store.countMetrics(conv.id) + host.store.countMetrics(lm.id), eventsPerClient: a.events.length })}\n`,
      );
      a.ws.close();
      b.ws.close();
    } finally {
      await server.close();
    }
  });
});
