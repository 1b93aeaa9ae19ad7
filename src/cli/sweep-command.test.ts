/**
 * A local sweep through the real `mlbl sweep` command (no Redis): 4 small LeNet-5 runs from a
 * 2x2 grid, 2 at a time on the host's run queue. Every run completes with the grid's values in
 * its spec, the runs are grouped under the sweep, two of them overlapped in time, and the summary
 * names the run with the highest validation accuracy.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../main/store/store';
import { ROOT } from '../main/runs/testing';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

export const SMALL_LENET = ['--set', 'epochs=1', '--set', 'trainLimit=256', '--set', 'validationLimit=100', '--set', 'testLimit=100'];

describe('mlbl sweep (local)', () => {
  it('trains a 2x2 grid of LeNet-5 runs two at a time and names the best', { timeout: 240_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-sweep-'));
    dirs.push(dataDir);
    const args = ['sweep', '--preset', 'lenet5-mnist', ...SMALL_LENET, '--grid', 'learningRate=0.001,0.002', '--grid', 'batchSize=32,64'];
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), ...args, '--concurrency', '2', '--json', '--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...process.env, MLBL_QUEUE: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const created = lines.find((l) => l.event === 'sweep.created') as { id: string; runs: { id: string; values: Record<string, number> }[] };
    const finished = lines.filter((l) => l.event === 'run.finished') as { id: string; status: string; metrics: Record<string, number> }[];
    const summary = lines.find((l) => l.event === 'sweep.finished') as { id: string; best: { id: string; value: number }; counts: Record<string, number> };
    expect(created.runs.map((r) => r.values)).toEqual([
      { learningRate: 0.001, batchSize: 32 },
      { learningRate: 0.001, batchSize: 64 },
      { learningRate: 0.002, batchSize: 32 },
      { learningRate: 0.002, batchSize: 64 },
    ]);
    expect(finished.map((f) => f.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(summary.counts).toEqual({ completed: 4 });
    const accs = finished.map((f) => f.metrics.val_accuracy as number);
    expect(summary.best.value).toBe(Math.max(...accs));
    expect(finished.find((f) => f.id === summary.best.id)?.metrics.val_accuracy).toBe(summary.best.value);

    const store = new Store(dataDir, { readonly: true });
    try {
      const runs = store.listRuns({ limit: 100 });
      expect(runs).toHaveLength(4);
      expect(new Set(runs.map((r) => r.sweepId))).toEqual(new Set([summary.id]));
      for (const c of created.runs) {
        const r = runs.find((x) => x.id === c.id);
        const p = r?.spec.params as { learningRate: number; batchSize: number; epochs: number };
        expect([p.learningRate, p.batchSize, p.epochs]).toEqual([c.values.learningRate, c.values.batchSize, 1]);
      }
      // Concurrency 2: at least two runs were training at the same time; never more than two.
      const spans = runs.map((r) => [r.startedAt as number, r.endedAt as number] as const);
      const overlapping = (t: number): number => spans.filter(([s, e]) => s <= t && t < e).length;
      const most = Math.max(...spans.map(([s]) => overlapping(s)));
      expect(most).toBe(2);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      store.close();
    }
  });
});
