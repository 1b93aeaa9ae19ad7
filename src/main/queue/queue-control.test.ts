/**
 * Remote runs under the user's control, on a real redis-server that requires a password (the
 * URL carries it to the coordinator and the worker; no message shows it): a queued remote run is
 * paused off the queue, resumed onto a worker, and stopped while it trains, each as for a local
 * run; a job whose spec fails validation is refused by the worker, naming the field.
 */
import fs from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../shared/api';
import { lenetSpec, range, stepCounts, TestHosts, until } from '../runs/testing';
import { startRedis, type TestRedis } from './testing';
import { startQueueWorker, type QueueWorker } from './worker';
import { keys, QUEUE_NAME } from './wire';

const t = new TestHosts();
let redis: TestRedis | null = null;
let worker: QueueWorker | null = null;
afterAll(async () => {
  await worker?.close();
  await t.cleanup();
  await redis?.stop();
});

const PASSWORD = 's3cret:/@pw';

/** Polls an async check until it gives something truthy. */
async function eventually<T>(get: () => Promise<T | undefined | null | false>, what: string, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('remote runs: pause, resume and stop through the queue; refused specs', () => {
  it('pauses a queued job off the queue, resumes it on a worker and stops it mid-run', { timeout: 180_000 }, async () => {
    redis = await startRedis(['--requirepass', PASSWORD], PASSWORD);
    expect(redis.url).toContain(encodeURIComponent(PASSWORD));
    const host = t.host({ queue: redis.url });
    const queue = new Queue(QUEUE_NAME, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) });

    // No worker yet: the run waits in the queue; pausing takes it off.
    const run = (await host.dispatch('runs.create', { spec: lenetSpec({ epochs: 50, trainLimit: 512 }) })) as RunRecord;
    await eventually(async () => (await queue.getWaitingCount()) === 1, 'the job to be queued', 30_000);
    await until(() => host.runs.get(run.id)?.status === 'running', 'the run to be handed to the queue', 30_000);
    const paused = (await host.dispatch('runs.pause', { id: run.id })) as RunRecord;
    expect(paused.id).toBe(run.id);
    expect((await host.runs.waitFor(run.id)).status).toBe('paused');
    expect(await queue.getWaitingCount()).toBe(0);

    // A worker (password in its URL) takes the resumed run; the coordinator stores its events and names it.
    const lines: string[] = [];
    const dataDir = t.dir('mlbl-worker-');
    worker = await startQueueWorker({ url: redis.url, concurrency: 1, dataDir, name: 'box-1', log: (l) => lines.push(l) });
    expect(lines.join('\n')).not.toContain(PASSWORD);
    expect(lines.join('\n')).toContain('redis://:***@127.0.0.1');
    await host.dispatch('runs.resume', { id: run.id });
    await until(() => host.store.metricKeys(run.id).includes('loss') && host.runs.get(run.id)?.worker === 'box-1', 'the worker to train the run', 120_000);
    await host.dispatch('runs.stop', { id: run.id });
    const stopped = await host.runs.waitFor(run.id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.worker).toBe('box-1');
    expect(host.store.metricPoints(run.id, 'loss').length).toBeGreaterThan(0);
    // The worker keeps nothing of a finished job.
    await until(() => fs.readdirSync(`${dataDir}/runs`).length === 0, "the worker to remove the run's folder", 10_000);

    // Jobs carry specs, never code: a spec that fails validation is refused and the reason travels back.
    await queue.add(
      'run',
      { runId: 'forged-1', spec: { preset: 'lenet5-mnist', params: { epochs: -3, onEpoch: 'require("child_process")' } } },
      { jobId: 'forged-1.x' },
    );
    const r = new Redis(redis.url);
    const refusal = await eventually(
      async () => {
        const entries = (await r.xrange(keys.events('forged-1'), '-', '+')) as [string, string[]][];
        return entries.map(([, f]) => f[f.indexOf('m') + 1] as string).find((m) => m.includes('refused'));
      },
      'the refusal',
      30_000,
    );
    r.disconnect();
    expect(refusal).toMatch(/worker box-1 refused the job: its spec fails validation: .*spec\.params\.epochs/);
    expect(refusal).toMatch(/spec\.params\.onEpoch: unknown key/);
    await queue.close();
  });

  it('a coordinator closed while its worker trains catches up on everything when it opens again', { timeout: 180_000 }, async () => {
    expect(redis && worker).toBeTruthy();
    const dataDir = t.dir('mlbl-coordinator-');
    const first = t.host({ queue: redis!.url, dataDir });
    const run = first.runs.create(lenetSpec({ epochs: 3, trainLimit: 384 }));
    await until(() => first.store.metricKeys(run.id).includes('loss') && first.runs.get(run.id)?.worker === 'box-1', 'the worker to train the run', 120_000);
    await t.close(first);
    // The worker goes on without its coordinator: wait for the run's end on the stream.
    const r = new Redis(redis!.url);
    await eventually(
      async () => ((await r.xrange(keys.events(run.id), '-', '+')) as [string, string[]][]).some(([, f]) => f.join(' ').includes('"type":"exit"')),
      'the worker to finish the run',
      150_000,
    );
    r.disconnect();
    const second = t.host({ queue: redis!.url, dataDir });
    const done = await second.runs.waitFor(run.id);
    expect(done.status).toBe('completed');
    expect(done.error).toBeNull();
    const counts = stepCounts(second.store, run.id);
    expect([...(counts.get('loss')?.keys() ?? [])].sort((a, b) => a - b)).toEqual(range(3 * 12));
    expect(counts.get('val_accuracy')?.size).toBe(3);
    expect(second.store.artefacts(run.id, 'checkpoint')).toHaveLength(3);
    expect(second.store.logs(run.id, 1000).some((l) => l.message.startsWith('catching up on what the worker recorded'))).toBe(true);
    expect(second.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
