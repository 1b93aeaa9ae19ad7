/**
 * Damaged checkpoints at resume, with real engine processes and real files: a truncated
 * weights.bin or a flipped byte makes the resume fall back to the newest good checkpoint and say
 * why (run log and `mlbl resume` output); a checkpoint written before manifests existed still
 * loads; when no good checkpoint is left the resume fails and deletes nothing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../shared/api';
import { lenetSpec, range, ROOT, stepCounts, steps, TestHosts } from './testing';

const execFileAsync = promisify(execFile);
const t = new TestHosts();
afterAll(() => t.cleanup());

const spec = lenetSpec();
let dataDir = '';
/** Runs that failed at step 20 (checkpoints epoch-0001 at step 8, epoch-0002 at step 16), and one at step 12 (epoch-0001 only). */
let twoA: RunRecord;
let twoB: RunRecord;
let one: RunRecord;

const ck = (runId: string, name: string): string => path.join(dataDir, 'runs', runId, 'checkpoints', name);

beforeAll(async () => {
  dataDir = t.dir();
  let h = t.host({ dataDir, engineEnv: { MLBL_FAULT: 'throw@20' } });
  twoA = await h.runs.waitFor(h.runs.create(spec).id);
  twoB = await h.runs.waitFor(h.runs.create(spec).id);
  await t.close(h);
  h = t.host({ dataDir, engineEnv: { MLBL_FAULT: 'throw@12' } });
  one = await h.runs.waitFor(h.runs.create(spec).id);
  await t.close(h);
  for (const r of [twoA, twoB, one]) expect(r.status).toBe('failed');
}, 300_000);

describe('damaged checkpoints at resume', () => {
  it('writes a manifest with every file size and sha256', () => {
    for (const r of [twoA, twoB]) expect(fs.existsSync(path.join(ck(r.id, 'epoch-0002'), 'manifest.json'))).toBe(true);
    const m = JSON.parse(fs.readFileSync(path.join(ck(twoA.id, 'epoch-0002'), 'manifest.json'), 'utf8')) as {
      files: { name: string; bytes: number; sha256: string }[];
    };
    expect(m.files.map((f) => f.name).sort()).toEqual(['model.json', 'optimizer.bin', 'optimizer.json', 'state.json', 'weights.bin']);
    const w = m.files.find((f) => f.name === 'weights.bin');
    expect(w?.bytes).toBe(fs.statSync(path.join(ck(twoA.id, 'epoch-0002'), 'weights.bin')).size);
    expect(w?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('falls back from a truncated weights.bin to the newest good checkpoint, saying which and why', async () => {
    const weights = path.join(ck(twoA.id, 'epoch-0002'), 'weights.bin');
    const size = fs.statSync(weights).size;
    fs.truncateSync(weights, 94);
    const h = t.host({ dataDir });
    await h.dispatch('runs.resume', { id: twoA.id });
    const done = await h.runs.waitFor(twoA.id);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(steps(h.store, twoA.id, 'loss')).toEqual(range(24));
    for (const [key, counts] of stepCounts(h.store, twoA.id)) for (const [step, n] of counts) expect(n, `${key} at step ${step}`).toBe(1);
    const logs = h.store
      .logs(twoA.id, 200)
      .map((l) => l.message)
      .join('\n');
    expect(logs).toContain(`checkpoint epoch-0002 is damaged (weights.bin has 94 of ${size} bytes); resuming from epoch-0001`);
    expect(logs).toContain('resuming from the checkpoint at step 8 (epoch 1, checkpoints/epoch-0001)');
    // The resumed run wrote a sound epoch-0002 again.
    expect(fs.statSync(weights).size).toBe(size);
    await t.close(h);
  }, 180_000);

  it('falls back from a flipped byte (checksum mismatch) in `mlbl resume`, to a checkpoint without a manifest (written the old way)', async () => {
    const weights = path.join(ck(twoB.id, 'epoch-0002'), 'weights.bin');
    const buf = fs.readFileSync(weights);
    buf[100] = (buf[100] as number) ^ 0x40;
    fs.writeFileSync(weights, buf);
    fs.rmSync(path.join(ck(twoB.id, 'epoch-0001'), 'manifest.json'), { force: true });
    const r = await execFileAsync(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), 'resume', twoB.id, '--data-dir', dataDir], { maxBuffer: 1 << 24 });
    expect(r.stderr).toContain('checkpoint epoch-0002 is damaged (weights.bin does not match its sha256 checksum); resuming from epoch-0001');
    expect(r.stdout).toMatch(/^completed: /);
    const h = t.host({ dataDir });
    expect(steps(h.store, twoB.id, 'loss')).toEqual(range(24));
    await t.close(h);
  }, 180_000);

  it('fails with a clear message and deletes nothing when no good checkpoint is left', async () => {
    const weights = path.join(ck(one.id, 'epoch-0001'), 'weights.bin');
    const size = fs.statSync(weights).size;
    fs.truncateSync(weights, 94);
    const h = t.host({ dataDir });
    const before = h.store.countMetrics(one.id);
    await h.dispatch('runs.resume', { id: one.id });
    const done = await h.runs.waitFor(one.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain(
      `could not resume: checkpoint epoch-0001 is damaged (weights.bin has 94 of ${size} bytes); no good checkpoint is left. Nothing was deleted: restore the run's folder`,
    );
    expect(h.store.countMetrics(one.id)).toBe(before);
    expect(fs.existsSync(weights)).toBe(true);
    expect(h.store.artefacts(one.id, 'checkpoint')).toHaveLength(1);
    await t.close(h);
  }, 60_000);
});
