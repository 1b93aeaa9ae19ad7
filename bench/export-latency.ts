/**
 * Export-latency benchmark (issue 14, `--only export-latency`): does one client's big export
 * stall every other client of `mlbl serve`?
 *
 * A real host on a real SQLite file gets one run with 1,000,000 metric points (a noisy loss
 * curve, through Store.insertMetrics as an engine's batches would arrive), served by the real
 * WebSocket server (serve.ts). Two clients, each in its own process (bench/ws-client.mjs), so
 * parsing a 70 MB reply never stalls the server being measured: one sends `system.info` every
 * 20 ms on a fixed schedule, the other asks for the run's metrics as CSV (`runs.export`), then for
 * `runs.metrics` with maxPoints 100,000. Reported per phase: the probe's latency p50/p99/max (ms,
 * requests sent while the call was in flight; unanswered ones count with their wait so far), the
 * call's duration as its client saw it, and the host's own event-loop delay (perf_hooks).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createHost } from '../src/main/host';
import { serve } from '../src/main/server/serve';
import type { MetricWrite } from '../src/main/store/store';
import { seededRandom } from '../src/shared/random';

const here = path.dirname(fileURLToPath(import.meta.url));
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

export interface ExportLatencyOptions {
  points: number;
  probeEveryMs: number;
}
export const EXPORT_LATENCY_DEFAULTS: ExportLatencyOptions = { points: 1_000_000, probeEveryMs: 20 };

interface Sample {
  sentAt: number;
  ms: number;
  ok: boolean;
  unanswered?: boolean;
}
interface CallDone {
  startedAt: number;
  ms: number;
  bytes: number;
  ok: boolean;
  error?: { message: string };
  contentChars: number | null;
  points: number | null;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

function client(role: 'probe' | 'call', url: string, every: number): { child: ChildProcess; next: <T>() => Promise<T> } {
  const child = fork(path.join(here, 'ws-client.mjs'), [role, url, String(every)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  child.on('message', (m) => {
    if ((m as { error?: string }).error) throw new Error(`${role} client: ${(m as { error: string }).error}`);
    const w = waiting.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  return { child, next: <T>() => new Promise<T>((r) => (inbox.length ? r(inbox.shift() as T) : waiting.push(r as (m: unknown) => void))) };
}

function insertPoints(host: ReturnType<typeof createHost>, runId: string, n: number): void {
  const rand = seededRandom(11);
  for (let b = 0; b < n; b += 1000) {
    const batch: MetricWrite[] = [];
    for (let i = b; i < Math.min(n, b + 1000); i++)
      batch.push({ key: 'loss', step: i, epoch: i / 1000, wallTime: 1.7e9 + i * 0.004, value: 2.3 * Math.exp(-i / (n / 5)) + 0.05 + 0.1 * (rand() - 0.5) });
    host.store.insertMetrics(runId, batch);
  }
}

/** One call by the calling client while the probe runs: the probe's latencies in its window, the call's time, the host's loop delay. */
async function phase(
  name: string,
  call: { method: string; input: unknown },
  url: string,
  every: number,
  say: (m: string) => void,
): Promise<Record<string, unknown>> {
  const probe = client('probe', url, every);
  const caller = client('call', url, every);
  const ready = await probe.next<{ clock: number }>();
  await caller.next();
  await new Promise((r) => setTimeout(r, 1000)); // idle latencies first
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  caller.child.send({ call });
  const done = await caller.next<CallDone>();
  loop.disable();
  await new Promise((r) => setTimeout(r, 300));
  probe.child.send({ stop: true });
  const { samples } = await probe.next<{ samples: Sample[] }>();
  if (!done.ok) throw new Error(`${name}: ${call.method} failed: ${done.error?.message}`);
  const t0 = done.startedAt - ready.clock;
  const during = samples
    .filter((s) => s.sentAt >= t0 && s.sentAt <= t0 + done.ms)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const idle = samples
    .filter((s) => s.sentAt < t0)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const out = {
    [`${name}_ms`]: round(done.ms),
    [`${name}_reply_mb`]: round(done.bytes / 2 ** 20, 1),
    [`${name}_system_info_p50_ms`]: round(quantile(during, 0.5)),
    [`${name}_system_info_p99_ms`]: round(quantile(during, 0.99)),
    [`${name}_system_info_max_ms`]: round(during.at(-1) ?? Number.NaN),
    [`${name}_system_info_requests`]: during.length,
    [`${name}_system_info_unanswered`]: samples.filter((s) => s.unanswered).length,
    [`${name}_idle_system_info_p50_ms`]: round(quantile(idle, 0.5)),
    [`${name}_host_loop_delay_max_ms`]: round(loop.max / 1e6),
    [`${name}_host_loop_delay_p99_ms`]: round(loop.percentile(99) / 1e6),
  };
  say(
    `${name}: ${round(done.ms)} ms, system.info p50 ${out[`${name}_system_info_p50_ms`]} / p99 ${out[`${name}_system_info_p99_ms`]} / max ${out[`${name}_system_info_max_ms`]} ms over ${during.length} requests`,
  );
  return { ...out, [`${name}_check`]: done.contentChars ?? done.points };
}

export async function benchExportLatency(o: ExportLatencyOptions, say: (m: string) => void): Promise<Record<string, unknown>> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-bench-export-'));
  const host = createHost({ dataDir: tmp, transport: 'websocket', concurrency: 0 });
  const server = await serve({ host, port: 0, staticDir: tmp });
  try {
    const run = (await host.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', name: 'export latency bench', params: {} } })) as { id: string };
    await new Promise((r) => setImmediate(r));
    say(`export-latency: inserting ${o.points} points ...`);
    insertPoints(host, run.id, o.points);
    // The fill's garbage (a million point objects) is collected now, not charged to the first phase.
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
    await new Promise((r) => setTimeout(r, 500));
    const url = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
    const exp = await phase('export_csv', { method: 'runs.export', input: { what: 'metrics', id: run.id, format: 'csv' } }, url, o.probeEveryMs, say);
    const query = await phase('metrics_1e5', { method: 'runs.metrics', input: { id: run.id, keys: ['loss'], maxPoints: 100_000 } }, url, o.probeEveryMs, say);
    if (exp.export_csv_check !== null && (exp.export_csv_check as number) < o.points * 30)
      throw new Error(`the export is too short: ${String(exp.export_csv_check)} characters`);
    return {
      export_latency_points: o.points,
      export_latency_probe_every_ms: o.probeEveryMs,
      ...exp,
      ...query,
      goal_export_csv_system_info_p99_ms: 100,
      export_latency_timed:
        "system.info round trips from a client in another process, sent every 20 ms on a fixed schedule while the other client's call was in flight; call time as that client saw it (request sent to reply parsed)",
    };
  } finally {
    await server.close();
    await host.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
