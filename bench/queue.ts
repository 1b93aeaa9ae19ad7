/**
 * Job-queue benchmark (issue 15, `npm run bench -- --only queue`), on Debian's redis-server started
 * on a free port:
 *
 * 1. Overhead of the queue path: the same LeNet-5 spec trained by a local host (its own engine
 *    process) and through the queue (coordinator host -> BullMQ -> an in-process `mlbl worker` ->
 *    the same engine; every event back through a Redis stream into the coordinator's SQLite),
 *    wall time from runs.create to the run's completed record, alternating local and queue for
 *    `rounds` rounds; reported as the median of each and (queue - local) / local.
 * 2. Events per second the coordinator stores from 8 concurrent remote runs: the worker's engines
 *    are synthetic (in-process, emitting `messages` metric messages of `points` points each as
 *    fast as they can), so what is measured is the path stream -> coordinator -> SQLite, not
 *    training. Counted: messages and metric points stored, over the wall time from the first
 *    create to the last completed record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineProcess, EngineLauncher } from '../src/main/engines/engine-process';
import { createHost } from '../src/main/host';
import { startRedis } from '../src/main/queue/testing';
import { startQueueWorker } from '../src/main/queue/worker';
import type { EngineToHost, HostToEngine } from '../src/shared/engine-protocol';
import { RunSpec, type RunSpecInput } from '../src/shared/run-spec';

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export interface QueueBenchOptions {
  /** LeNet-5 training images for the overhead runs (2 epochs; 6,000 is about a minute here). */
  trainLimit: number;
  rounds: number;
  remoteRuns: number;
  messages: number;
  points: number;
}

export const QUEUE_DEFAULTS: QueueBenchOptions = { trainLimit: 6_000, rounds: 2, remoteRuns: 8, messages: 2_000, points: 10 };

/** An engine in the worker's process that emits metric messages as fast as the worker forwards them. */
function syntheticLauncher(messages: number, points: number): EngineLauncher {
  return () => {
    const onMsg: ((m: EngineToHost) => void)[] = [];
    const onExit: ((c: number | null, s: string | null, t: string) => void)[] = [];
    const emit = (m: EngineToHost): void => onMsg.forEach((cb) => cb(m));
    let stopped = false;
    const proc: EngineProcess = {
      pid: undefined,
      send(m: HostToEngine) {
        if (m.type !== 'start') {
          stopped = true;
          return;
        }
        setImmediate(async () => {
          emit({ type: 'started', backend: 'synthetic', seed: 1, skipped: [] });
          for (let i = 0; i < messages && !stopped; i++) {
            const step = i * points;
            emit({
              type: 'metrics',
              points: Array.from({ length: points }, (_, j) => ({ key: 'loss', step: step + j, epoch: 0, wallTime: Date.now(), value: 1 / (step + j + 1) })),
            });
            if (i % 200 === 199) await new Promise((r) => setImmediate(r));
          }
          emit({ type: 'done', outcome: 'completed', summary: { loss: 0 } });
          onExit.forEach((cb) => cb(0, null, ''));
        });
      },
      onMessage: (cb) => void onMsg.push(cb),
      onExit: (cb) => void onExit.push(cb),
      kill: () => {
        stopped = true;
      },
    };
    return proc;
  };
}

export async function benchQueue(o: QueueBenchOptions, say: (m: string) => void): Promise<Record<string, unknown>> {
  const redis = await startRedis();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-bench-queue-'));
  const dir = (n: string): string => fs.mkdtempSync(path.join(tmp, n));
  try {
    const spec = RunSpec.parse({
      preset: 'lenet5-mnist',
      params: { epochs: 2, trainLimit: o.trainLimit, batchSize: 64, validationLimit: 500, testLimit: 500, augmentShift: 0 },
    } satisfies RunSpecInput);
    const worker = await startQueueWorker({ url: redis.url, concurrency: 1, dataDir: dir('worker-'), name: 'bench', log: () => {} });
    const local: number[] = [];
    const queued: number[] = [];
    try {
      // Untimed: the first run of a process pays for loading MNIST and compiling the backend's kernels.
      {
        const host = createHost({ dataDir: dir('warm-'), transport: 'websocket' });
        await host.runs.waitFor(host.runs.create({ ...spec, params: { ...spec.params, trainLimit: 256, epochs: 1 } } as RunSpec).id);
        await host.close();
      }
      for (let r = 0; r < o.rounds; r++) {
        for (const mode of ['local', 'queue'] as const) {
          const host = createHost({ dataDir: dir(`${mode}-`), transport: 'websocket', ...(mode === 'queue' ? { queue: redis.url } : {}) });
          const t0 = performance.now();
          const run = host.runs.create(spec);
          const done = await host.runs.waitFor(run.id);
          const s = (performance.now() - t0) / 1000;
          await host.close();
          if (done.status !== 'completed') throw new Error(`${mode} run ${done.status}: ${done.error}`);
          (mode === 'local' ? local : queued).push(s);
          say(`round ${r + 1}: ${mode} ${s.toFixed(1)} s`);
        }
      }
    } finally {
      await worker.close();
    }

    // 8 concurrent remote runs of synthetic engines: the coordinator's storing rate.
    const fast = await startQueueWorker({
      url: redis.url,
      concurrency: o.remoteRuns,
      dataDir: dir('fast-'),
      name: 'synthetic',
      launcher: syntheticLauncher(o.messages, o.points),
      log: () => {},
    });
    let eventsPerS = 0;
    let pointsPerS = 0;
    let stored = 0;
    let seconds = 0;
    try {
      const host = createHost({ dataDir: dir('coord-'), transport: 'websocket', queue: redis.url });
      let messages = 0;
      host.subscribe((e) => {
        if (e === 'run.metrics') messages++;
      });
      const t0 = performance.now();
      const runs = Array.from({ length: o.remoteRuns }, () => host.runs.create(spec));
      const ends = await Promise.all(runs.map((r) => host.runs.waitFor(r.id)));
      seconds = (performance.now() - t0) / 1000;
      if (ends.some((e) => e.status !== 'completed')) throw new Error(`remote runs ended ${ends.map((e) => e.status).join(', ')}`);
      stored = runs.reduce((n, r) => n + (host.store.db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ?').get(r.id) as { n: number }).n, 0);
      await host.close();
      if (stored !== o.remoteRuns * o.messages * o.points) throw new Error(`stored ${stored} metric points, expected ${o.remoteRuns * o.messages * o.points}`);
      eventsPerS = messages / seconds;
      pointsPerS = stored / seconds;
      say(`${o.remoteRuns} remote runs: ${messages} metric messages, ${stored} points in ${seconds.toFixed(1)} s`);
    } finally {
      await fast.close();
    }
    const l = median(local);
    const q = median(queued);
    return {
      queue_overhead_local_s: round(l, 2),
      queue_overhead_queue_s: round(q, 2),
      queue_overhead_pct: round((100 * (q - l)) / l, 1),
      queue_overhead_rounds: { local: local.map((x) => round(x, 2)), queue: queued.map((x) => round(x, 2)) },
      queue_overhead_spec: { preset: 'lenet5-mnist', epochs: 2, trainLimit: o.trainLimit, batchSize: 64 },
      queue_remote_runs: o.remoteRuns,
      queue_events_per_s: Math.round(eventsPerS),
      queue_points_per_s: Math.round(pointsPerS),
      queue_events_seconds: round(seconds, 2),
      queue_events_points_stored: stored,
    };
  } finally {
    await redis.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
