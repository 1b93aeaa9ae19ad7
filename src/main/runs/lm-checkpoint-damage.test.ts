/**
 * Damaged language-model checkpoints, with real LBL runs on a small captions file: a truncated
 * resume point makes the resume fall back to the one before it (saying so); a truncated best
 * checkpoint makes `mlbl eval` and the model export name the damaged file instead of failing on
 * a short weights buffer.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../shared/api';
import { lblSpec, ROOT, stepCounts, TestHosts } from './testing';

const execFileAsync = promisify(execFile);
const t = new TestHosts();
afterAll(() => t.cleanup());

let dataDir = '';
let spec: ReturnType<typeof lblSpec>;
let completed: RunRecord;
/** Resume points' steps of the completed run (one per epoch). */
let points: number[] = [];

beforeAll(async () => {
  const src = t.dir('mlbl-lmck-src-');
  const subjects = ['a dog', 'a cat', 'two men', 'a child', 'the woman', 'a bird'];
  const verbs = ['runs on', 'sits on', 'jumps over', 'looks at', 'walks past'];
  const things = ['the grass', 'a red ball', 'the water', 'a wooden fence', 'the snow'];
  const lines = ['image,caption'];
  for (let i = 0; i < 100; i++)
    lines.push(`img${Math.floor(i / 5)}.jpg,${subjects[i % 6] as string} ${verbs[(i * 7) % 5] as string} ${things[(i * 3) % 5] as string}`);
  const captions = path.join(src, 'captions.csv');
  fs.writeFileSync(captions, lines.join('\n') + '\n');
  spec = lblSpec({ captions, epochs: 3 });
  dataDir = t.dir();
  const h = t.host({ dataDir });
  completed = await h.runs.waitFor(h.runs.create(spec).id);
  expect(completed.status, completed.error ?? '').toBe('completed');
  points = h.store.artefacts(completed.id, 'resume').map((a) => a.meta.steps as number);
  expect(points).toHaveLength(3);
  await t.close(h);
}, 180_000);

describe('damaged language-model checkpoints', () => {
  it('falls back from a truncated resume point to the one before it', async () => {
    const [s1, s2] = points as [number, number];
    let h = t.host({ dataDir, engineEnv: { MLBL_FAULT: `throw@${s2 + 1}` } });
    const failed = await h.runs.waitFor(h.runs.create(spec).id);
    expect(failed.status).toBe('failed');
    await t.close(h);
    const newest = path.join(dataDir, 'runs', failed.id, 'resume', `step-${String(s2).padStart(7, '0')}`);
    expect(fs.existsSync(path.join(newest, 'manifest.json'))).toBe(true);
    const size = fs.statSync(path.join(newest, 'arrays.bin')).size;
    fs.truncateSync(path.join(newest, 'arrays.bin'), 94);

    h = t.host({ dataDir });
    await h.dispatch('runs.resume', { id: failed.id });
    const done = await h.runs.waitFor(failed.id);
    expect(done.status, done.error ?? '').toBe('completed');
    const logs = h.store
      .logs(failed.id, 300)
      .map((l) => l.message)
      .join('\n');
    expect(logs).toContain(
      `checkpoint step-${String(s2).padStart(7, '0')} is damaged (arrays.bin has 94 of ${size} bytes); resuming from step-${String(s1).padStart(7, '0')}`,
    );
    expect(logs).toContain(`resuming from the checkpoint at step ${s1}`);
    for (const [key, counts] of stepCounts(h.store, failed.id)) for (const [step, n] of counts) expect(n, `${key} at step ${step}`).toBe(1);
    await t.close(h);
  }, 180_000);

  it('names the damaged checkpoint in `mlbl eval` and the model export', async () => {
    const weights = path.join(dataDir, 'runs', completed.id, 'checkpoint', 'weights.bin');
    const size = fs.statSync(weights).size;
    fs.truncateSync(weights, 94);
    const damaged = `is damaged (weights.bin has 94 of ${size} bytes)`;
    const r = await execFileAsync(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), 'eval', completed.id, '--json', '--data-dir', dataDir], {
      cwd: ROOT,
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(r?.code).toBe(1);
    expect(r?.stderr).toContain(damaged);
    expect(r?.stderr).not.toMatch(/should have|values but has/);
    const h = t.host({ dataDir });
    await expect(h.dispatch('runs.export', { what: 'model', id: completed.id })).rejects.toThrow(damaged);
    await t.close(h);
  }, 120_000);
});
