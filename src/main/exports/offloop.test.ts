/**
 * Exports and large metric queries in the worker (offloop.ts) against a real host on a real
 * SQLite file: the worker's files are byte for byte what the in-thread export made, its series
 * are the in-thread query's, the JSON it encodes is the result's own, and the host's event loop
 * keeps ticking while a 200,000-point export runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportFile, MetricSeries } from '../../shared/api';
import { encodedJson } from '../encoded-reply';
import { createHost, type Host } from '../host';
import type { MetricWrite } from '../store/store';
import { exportRun } from './export';
import { metricsCsv, metricsJson } from './export-formats';
import { OffLoop, seriesResult } from './offloop';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-offloop-'));
let host: Host;
let runId: string;
afterAll(async () => {
  await host?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A few thousand points of three keys: NaN values, a key that CSV must quote, sparse and negative steps, odd numbers. */
function fixture(): MetricWrite[] {
  const out: MetricWrite[] = [];
  for (let i = 0; i < 4000; i++)
    out.push({
      key: 'loss',
      step: i,
      epoch: i / 250,
      wallTime: 1.7e9 + i * 0.0041,
      value: i % 333 === 7 ? Number.NaN : Math.exp(-i / 900) + ((i * 7919) % 101) / 1e4,
    });
  for (let i = -50; i < 1500; i += 3) out.push({ key: 'val "acc", top-1', step: i, epoch: i / 3, wallTime: i * 1e-9, value: i % 2 ? -0 : 1e-7 * i });
  out.push({ key: 'lr', step: 0, epoch: 0, wallTime: 0, value: 1e21 }, { key: 'lr', step: 10, epoch: 0.5, wallTime: 1, value: Number.POSITIVE_INFINITY });
  return out;
}

beforeAll(async () => {
  host = createHost({ dataDir: tmp, transport: 'websocket', concurrency: 0 });
  runId = ((await host.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', name: 'offloop', params: {} } })) as { id: string }).id;
  await new Promise((r) => setImmediate(r));
  const pts = fixture();
  for (let i = 0; i < pts.length; i += 700) host.store.insertMetrics(runId, pts.slice(i, i + 700));
});

/** The export as the host made it before the worker (exportRun with no worker). */
function inThread(q: { format: 'csv' | 'json'; keys?: string[] }) {
  return exportRun(
    { store: host.store, runs: host.runs, lm: { checkpoints: () => [], captionSplit: () => Promise.reject(new Error('no captions here')) } },
    { what: 'metrics', id: runId, ...q },
  );
}

describe('metrics export in the worker', () => {
  for (const format of ['csv', 'json'] as const) {
    for (const keys of [undefined, ['val "acc", top-1', 'lr']]) {
      it(`${format}${keys ? ' of two keys' : ''}: the same bytes as the in-thread export, and its own JSON encoded`, async () => {
        const got = (await host.dispatch('runs.export', { what: 'metrics', id: runId, format, keys })) as { files: ExportFile[] };
        const want = await inThread({ format, keys });
        const file = got.files[0] as ExportFile;
        expect(file.content.length).toBeGreaterThan(100_000 / (keys ? 4 : 1));
        expect(Buffer.from(file.content).equals(Buffer.from((want.files[0] as ExportFile).content))).toBe(true);
        expect(got).toEqual(want);
        // The long format itself, from the points the store reads (the formatter the export always used).
        const series = (keys ?? host.store.metricKeys(runId)).map((key) => ({ key, points: host.store.metricPoints(runId, key) }));
        expect(file.content).toBe(format === 'csv' ? metricsCsv(runId, series) : metricsJson(runId, series));
        // What the worker encoded is exactly the reply's JSON.
        const enc = encodedJson(got);
        expect(enc).toBeDefined();
        expect(Buffer.from(enc as Uint8Array).equals(Buffer.from(JSON.stringify(want)))).toBe(true);
      });
    }
  }

  it('refuses unknown keys and runs before any work, with the same messages', async () => {
    await expect(host.dispatch('runs.export', { what: 'metrics', id: runId, format: 'csv', keys: ['nope'] })).rejects.toThrow(
      /has no metric "nope" \(it has: loss, lr, val "acc", top-1\)/,
    );
    await expect(host.dispatch('runs.export', { what: 'metrics', id: 'no-such-run', format: 'csv' })).rejects.toThrow(/no run with id no-such-run/);
  });
});

describe('metric queries in the worker', () => {
  it('return the series the in-thread query returns, for every size and method', async () => {
    const pool = new OffLoop({ size: 1 });
    try {
      for (const method of ['minmax', 'lttb'] as const) {
        for (const maxPoints of [2, 3, 4, 50, 999, 2000, 3999, 4000, 100_000]) {
          const keys = host.store.metricKeys(runId);
          const got = seriesResult(await pool.run({ kind: 'metrics-query', dbFile: host.store.file, runId, keys, maxPoints, method }));
          const want = keys.map((key) => host.store.metricSeries(runId, key, maxPoints, method));
          expect(got, `${method} ${maxPoints}`).toEqual(want);
          expect(Buffer.from(encodedJson(got) as Uint8Array).toString()).toBe(JSON.stringify(want));
        }
      }
      expect(pool.workers).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('runs.metrics sends a query that reads many raw rows to the worker, with the same answer', async () => {
    const many: MetricWrite[] = Array.from({ length: 30_000 }, (_, i) => ({
      key: 'big',
      step: i,
      epoch: i / 1000,
      wallTime: i,
      value: Math.sin(i / 50) + (i === 12_345 ? 9 : 0),
    }));
    host.store.insertMetrics(runId, many);
    const got = (await host.dispatch('runs.metrics', { id: runId, keys: ['big'], maxPoints: 20_000 })) as MetricSeries[];
    expect(encodedJson(got), 'answered by the worker').toBeDefined();
    expect(got).toEqual([host.store.metricSeries(runId, 'big', 20_000)]);
    expect(got[0]?.points.some((p) => p.value > 9)).toBe(true);
    // A query the blocks answer stays in this thread.
    const small = (await host.dispatch('runs.metrics', { id: runId, keys: ['big'], maxPoints: 400 })) as MetricSeries[];
    expect(encodedJson(small)).toBeUndefined();
    expect(small).toEqual([host.store.metricSeries(runId, 'big', 400)]);
  });

  it('a failing job rejects with its error and the pool keeps serving', async () => {
    const pool = new OffLoop({ size: 1 });
    try {
      await expect(pool.run({ kind: 'model-export', runId: 'r-x', dir: path.join(tmp, 'missing'), lm: false })).rejects.toThrow(
        /model export of run r-x: .*missing/,
      );
      await expect(
        pool.run({ kind: 'metrics-query', dbFile: path.join(tmp, 'none.db'), runId, keys: ['loss'], maxPoints: 10, method: 'minmax' }),
      ).rejects.toThrow(/none\.db|unable to open/);
      const ok = seriesResult(await pool.run({ kind: 'metrics-query', dbFile: host.store.file, runId, keys: ['lr'], maxPoints: 10, method: 'minmax' }));
      expect(ok[0]?.points.map((p) => p.value)).toEqual([1e21, Number.NaN]);
    } finally {
      await pool.close();
    }
  });
});

describe("the host's event loop during a big export", () => {
  it('keeps ticking every 10 ms while 200,000 points are exported as CSV', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'big-'));
    const big = createHost({ dataDir: dir, transport: 'websocket', concurrency: 0 });
    try {
      const id = ((await big.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', name: 'big', params: {} } })) as { id: string }).id;
      for (let b = 0; b < 200; b++) {
        big.store.insertMetrics(
          id,
          Array.from({ length: 1000 }, (_, j) => {
            const i = b * 1000 + j;
            return { key: 'loss', step: i, epoch: i / 1000, wallTime: 1.7e9 + i * 0.004, value: Math.exp(-i / 4e4) + (i % 17) / 1000 };
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 200)); // let the inserts' garbage be collected before timing
      const gaps: number[] = [];
      let last = performance.now();
      const tick = setInterval(() => {
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }, 10);
      const t0 = performance.now();
      const r = (await big.dispatch('runs.export', { what: 'metrics', id, format: 'csv' })) as { files: ExportFile[] };
      const ms = performance.now() - t0;
      clearInterval(tick);
      gaps.push(performance.now() - last);
      expect(ms).toBeGreaterThan(100); // the export itself took long enough to have blocked
      expect(gaps.length).toBeGreaterThan(ms / 10 / 3);
      // In the host's thread the export is one gap as long as itself; off it, ticks keep coming. The
      // bound leaves room for a loaded machine (other test files run beside this one) and the GC.
      expect(Math.max(...gaps), `longest gap between ticks in a ${Math.round(ms)} ms export`).toBeLessThan(Math.max(100, ms / 4));
      const text = (r.files[0] as ExportFile).content;
      expect(text.split('\n')).toHaveLength(200_002);
      expect(text.endsWith(`${id},loss,199999,199.999,${1.7e9 + 199_999 * 0.004},${Math.exp(-199_999 / 4e4) + (199_999 % 17) / 1000}\n`)).toBe(true);
    } finally {
      await big.close();
    }
  });
});

describe('an encoded export over the real WebSocket server', () => {
  it('arrives as one text message whose result equals the dispatched one', async () => {
    const { serve } = await import('../server/serve');
    const { WebSocket } = await import('ws');
    const server = await serve({ host, port: 0 });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
      await new Promise((r, j) => {
        ws.once('open', r);
        ws.once('error', j);
      });
      const got = await new Promise<{ id: number; ok: boolean; result: { files: ExportFile[] } }>((resolve) => {
        ws.on('message', (data, isBinary) => {
          if (!isBinary) {
            const m = JSON.parse(data.toString());
            if (m.id === 7) resolve(m);
          }
        });
        ws.send(JSON.stringify({ id: 7, method: 'runs.export', input: { what: 'metrics', id: runId, format: 'csv' } }));
      });
      ws.close();
      const direct = (await host.dispatch('runs.export', { what: 'metrics', id: runId, format: 'csv' })) as { files: ExportFile[] };
      expect(encodedJson(direct)).toBeDefined();
      expect(got).toEqual({ id: 7, ok: true, result: JSON.parse(JSON.stringify(direct)) });
    } finally {
      await server.close();
    }
  });
});

describe("the host's worker pool", () => {
  it('is closed with the host: a job after close() is refused', async () => {
    const h = createHost({ dataDir: fs.mkdtempSync(path.join(tmp, 'close-')), transport: 'websocket', concurrency: 0 });
    let open = true;
    try {
      const id = ((await h.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', params: {} } })) as { id: string }).id;
      h.store.insertMetrics(
        id,
        Array.from({ length: 30_000 }, (_, i) => ({ key: 'big', step: i, epoch: 0, wallTime: i, value: i })),
      );
      expect(encodedJson(await h.dispatch('runs.metrics', { id, keys: ['big'], maxPoints: 20_000 })), 'answered by a worker').toBeDefined();
      expect(h.offloop.workers).toBe(1);
      const dbFile = h.store.file;
      await h.close();
      open = false;
      await expect(h.offloop.run({ kind: 'metrics-query', dbFile, runId: id, keys: ['big'], maxPoints: 10, method: 'minmax' })).rejects.toThrow(
        /shutting down/,
      );
    } finally {
      if (open) await h.close();
    }
  });
});
