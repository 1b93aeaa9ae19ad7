/**
 * Sweeps on the job queue, all real: Debian's redis-server on a free port, two `mlbl worker`
 * processes and a `mlbl sweep --queue` coordinator, a sweep of 4 small LeNet-5 runs. One worker
 * is killed with SIGKILL in the middle of a run (after it finished a run of its own, so both
 * workers trained at least one). BullMQ's stalled-job check hands the job to the other worker,
 * which resumes from the last checkpoint the coordinator holds. All 4 runs complete, every metric
 * step of every run is stored exactly once with none missing, and the database is sound.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../shared/api';
import { range, stepCounts, until } from '../runs/testing';
import { Store } from '../store/store';
import { mlbl, startRedis, type Child, type TestRedis } from './testing';

const dirs: string[] = [];
const children: Child[] = [];
let redis: TestRedis | null = null;
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  await redis?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const tmp = (p: string): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), p));
  dirs.push(d);
  return d;
};

const EPOCHS = 3;
const STEPS_PER_EPOCH = 384 / 32;

describe('a sweep on the job queue survives a worker killed mid-run', () => {
  it('completes all 4 runs, the killed run resumed from a checkpoint, every metric step stored once', { timeout: 300_000 }, async () => {
    redis = await startRedis();
    const workers = ['w1', 'w2'].map((name) => {
      const c = mlbl(['worker', '--queue', redis!.url, '--concurrency', '1', '--name', name, '--lock-ms', '4000', '--data-dir', tmp(`mlbl-${name}-`)]);
      children.push(c);
      return { name, c };
    });
    for (const w of workers) await until(() => /worker \S+ on redis:/.test(w.c.err()), `worker ${w.name} to start`, 60_000);

    const dataDir = tmp('mlbl-coordinator-');
    const sweep = mlbl([
      'sweep',
      '--preset',
      'lenet5-mnist',
      ...['--set', `epochs=${EPOCHS}`, '--set', 'trainLimit=384', '--set', 'batchSize=32', '--set', 'validationLimit=100', '--set', 'testLimit=100'],
      ...['--grid', 'learningRate=0.001,0.002', '--grid', 'seed=1,2'],
      ...['--queue', redis.url, '--json', '--data-dir', dataDir],
    ]);
    children.push(sweep);
    await until(() => sweep.out().includes('"sweep.created"'), 'the sweep to be created', 60_000);

    // Watch the coordinator's database: kill the first worker that has finished a run and is past a checkpoint of its next one.
    const store = new Store(dataDir, { readonly: true });
    let victim: { name: string; runId: string; checkpoints: number } | null = null;
    try {
      victim = await until(
        () => {
          const runs = store.listRuns({ limit: 100 });
          for (const w of workers) {
            if (!runs.some((r) => r.worker === w.name && r.status === 'completed')) continue;
            for (const r of runs.filter((x) => x.worker === w.name && x.status === 'running')) {
              const n = store.artefacts(r.id, 'checkpoint').length;
              if (n >= 1 && n < EPOCHS) return { name: w.name, runId: r.id, checkpoints: n };
            }
          }
          return null;
        },
        'a worker with a finished run to be past a checkpoint of its next run',
        200_000,
      );
    } finally {
      store.close();
    }
    const killed = workers.find((w) => w.name === victim.name)!;
    killed.c.proc.kill('SIGKILL');
    const survivor = workers.find((w) => w.name !== victim.name)!;

    const code = await Promise.race([sweep.exited, new Promise((r) => setTimeout(() => r('timeout'), 200_000))]);
    expect(code, `sweep output:\n${sweep.out()}\n${sweep.err()}`).toBe(0);
    const lines = sweep
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; status?: string; id?: string });
    expect(lines.filter((l) => l.event === 'run.finished').map((l) => l.status)).toEqual(['completed', 'completed', 'completed', 'completed']);

    const db = new Store(dataDir, { readonly: true });
    try {
      const runs: RunRecord[] = db.listRuns({ limit: 100 });
      expect(runs).toHaveLength(4);
      expect(runs.every((r) => r.status === 'completed')).toBe(true);
      // Both workers trained at least one run to the end; the killed run was finished by the survivor.
      expect(runs.filter((r) => r.worker === killed.name).length).toBeGreaterThanOrEqual(1);
      expect(runs.filter((r) => r.worker === survivor.name).length).toBeGreaterThanOrEqual(1);
      const resumed = runs.find((r) => r.id === victim.runId)!;
      expect(resumed.worker).toBe(survivor.name);
      const logs = db.logs(resumed.id, 1000).map((l) => l.message);
      expect(logs.some((m) => new RegExp(`worker ${survivor.name} took it over, resuming from the checkpoint at step \\d+ \\(epoch [1-9]`).test(m))).toBe(true);
      for (const r of runs) {
        // Every step of the loss once, none missing; one validation point per epoch.
        const counts = stepCounts(db, r.id);
        const loss = counts.get('loss')!;
        expect(
          [...loss.keys()].sort((a, b) => a - b),
          `loss steps of ${r.id}`,
        ).toEqual(range(EPOCHS * STEPS_PER_EPOCH));
        expect([...loss.values()].every((n) => n === 1)).toBe(true);
        expect(counts.get('val_accuracy')?.size).toBe(EPOCHS);
        expect(db.artefacts(r.id, 'checkpoint').length).toBe(EPOCHS);
      }
      expect(db.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    for (const w of workers) if (w.c.proc.exitCode === null) w.c.proc.kill('SIGTERM');
  });
});
