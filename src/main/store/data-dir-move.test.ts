/**
 * A data directory moved (copied elsewhere, the old one deleted): a database written the old way
 * (absolute paths in artefact rows, feature sets and run folders' inputs.json) is migrated, and a
 * completed run's checkpoints are listed, evaluated (`mlbl eval`) and exported, cached features
 * are reused, and a failed run resumes, all from the new place. Real runs, real files, real SQLite.
 */
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckpointInfo, RunRecord } from '../../shared/api';
import { RunSpec } from '../../shared/run-spec';
import type { ImportReport } from '../../shared/dataset-schema';
import { writeImage, writeText } from '../datasets/testing';
import type { Host } from '../host';
import { readLmInputs } from '../lm/lm-inputs';
import type { EvalReport } from '../lm/lm-service';
import { lenetSpec, range, ROOT, steps, TestHosts } from '../runs/testing';
import { fromStored, relativeToDataDir, relocatedRunFile, toStored } from './data-paths';

const execFileAsync = promisify(execFile);
const t = new TestHosts();
afterAll(() => t.cleanup());

/** What the workbench stored before paths were relative: every path inside `dataDir` absolute, schema version 6. */
function makeOld(dataDir: string, runIds: string[]): void {
  const db = new Database(path.join(dataDir, 'workbench.db'));
  const abs = (p: string): string => (path.isAbsolute(p) ? p : path.join(dataDir, p));
  for (const r of db.prepare('SELECT id, path FROM artefacts').all() as { id: number; path: string }[])
    db.prepare('UPDATE artefacts SET path = ? WHERE id = ?').run(abs(r.path), r.id);
  for (const r of db.prepare('SELECT id, path, model_path FROM feature_sets').all() as { id: string; path: string; model_path: string }[]) {
    db.prepare('UPDATE feature_sets SET path = ?, model_path = ? WHERE id = ?').run(abs(r.path), abs(r.model_path), r.id);
  }
  // Undo what later migrations added, so that they run again on this database as on a real one.
  db.exec('ALTER TABLE runs DROP COLUMN active_ms; ALTER TABLE runs DROP COLUMN running_since;'); // migration 8
  db.exec(
    'DROP INDEX runs_sweep; ALTER TABLE runs DROP COLUMN sweep_id; ALTER TABLE runs DROP COLUMN worker; ' +
      'ALTER TABLE runs DROP COLUMN queue_job; ALTER TABLE runs DROP COLUMN queue_cursor; DROP TABLE sweeps;',
  ); // migration 9
  db.pragma('user_version = 6');
  db.close();
  for (const id of runIds) {
    const file = path.join(dataDir, 'runs', id, 'inputs.json');
    if (!fs.existsSync(file)) continue;
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { captions: string; features: string | null };
    fs.writeFileSync(file, JSON.stringify({ ...j, captions: abs(j.captions), features: j.features && abs(j.features) }));
  }
}

/** A captioned dataset of 10 real JPEGs (made with sharp) in `dir`, outside the data directory; 6/2/2 split. */
async function importCaptioned(h: Host, dir: string): Promise<{ id: string }> {
  const words = ['a dog runs on grass', 'a cat sits on a mat', 'two people walk a dog', 'a child plays with a ball', 'a man rides a bike'];
  const lines = ['image,caption'];
  for (let i = 0; i < 10; i++) {
    await writeImage(path.join(dir, 'images', `im${i}.jpg`), { width: 48, height: 40, seed: i + 1 });
    for (let c = 0; c < 3; c++) lines.push(`im${i}.jpg,${words[(i + c) % words.length] as string}`);
  }
  writeText(path.join(dir, 'captions.csv'), lines.join('\n') + '\n');
  const report = (await h.dispatch('datasets.import', {
    path: path.join(dir, 'captions.csv'),
    images: path.join(dir, 'images'),
    format: 'auto',
    name: 'moved10',
    verify: 'header',
    split: { seed: 1, train: 0.6, validation: 0.2, test: 0.2, keepSourceSplits: true },
  })) as ImportReport;
  return { id: report.dataset.id };
}

function move(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  fs.rmSync(from, { recursive: true, force: true });
}

describe('a moved data directory', () => {
  it('stores paths relative to the data directory, and keeps absolute the ones outside it', () => {
    expect(toStored('/d/data', '/d/data/runs/r1/checkpoints/epoch-0001/model.json')).toBe('runs/r1/checkpoints/epoch-0001/model.json');
    expect(toStored('/d/data', '/d/shared/datasets/x')).toBe('/d/shared/datasets/x');
    expect(toStored('/d/data', '/d/data-other/x')).toBe('/d/data-other/x');
    expect(fromStored('/e/moved', 'runs/r1/x.json')).toBe(path.join('/e/moved', 'runs', 'r1', 'x.json'));
    // Moved before the upgrade: found by the run's own folder; a dataset source elsewhere named "runs" is not touched.
    expect(relativeToDataDir('/e/moved', '/d/data/runs/r1/x.json', 'runs/r1/')).toBe('runs/r1/x.json');
    expect(relativeToDataDir('/e/moved', '/d/shared/runs/other/x.json', 'runs/r1/')).toBe('/d/shared/runs/other/x.json');
  });

  it('migrates a database written with absolute paths, then evaluates, lists, exports, reuses features and resumes from the new place', async () => {
    const a = t.dir('mlbl-move-a-');
    const sources = t.dir('mlbl-move-src-');
    // A run that fails at step 12, after its first checkpoint (step 8).
    let h = t.host({ dataDir: a, engineEnv: { MLBL_FAULT: 'throw@12' } });
    const failed = await h.runs.waitFor(h.runs.create(lenetSpec()).id);
    expect(failed.status).toBe('failed');
    await t.close(h);
    h = t.host({ dataDir: a });
    const ds = await importCaptioned(h, sources);
    const lenet = await h.runs.waitFor(h.runs.create(lenetSpec({ epochs: 1, trainLimit: 128 })).id);
    expect(lenet.status, lenet.error ?? '').toBe('completed');
    const lm = await h.runs.waitFor(
      h.runs.create(
        RunSpec.parse({ preset: 'mlbl-b', params: { dataset: ds.id, extractor: lenet.id, epochs: 1, K: 16, evalEvery: 0, testAtEnd: false, patience: 0 } }),
      ).id,
    );
    expect(lm.status, lm.error ?? '').toBe('completed');
    const setBefore = h.features.list(ds.id);
    expect(setBefore).toHaveLength(1);
    const cksBefore = (await h.dispatch('runs.checkpoints', { id: lm.id })) as CheckpointInfo[];
    await t.close(h);

    makeOld(a, [failed.id, lenet.id, lm.id]);
    const b = path.join(t.dir('mlbl-move-b-'), 'moved');
    move(a, b);

    h = t.host({ dataDir: b });
    // The migration made every path inside the data directory relative.
    const arts = h.store.db.prepare('SELECT path FROM artefacts').pluck().all() as string[];
    expect(arts.length).toBeGreaterThan(5);
    for (const p of arts) expect(p).toMatch(/^runs\/[A-Za-z0-9_-]+\//);
    const fsRow = h.store.db.prepare('SELECT path, model_path FROM feature_sets').get() as { path: string; model_path: string };
    expect(fsRow.path).toMatch(new RegExp(`^datasets/${ds.id}/features/`));
    expect(fsRow.model_path).toMatch(new RegExp(`^runs/${lenet.id}/checkpoints/`));
    // The LM run's inputs.json (absolute paths under the old place) is read where the data directory is now.
    const inputs = readLmInputs(h.runs.runDir(lm.id));
    expect(inputs?.captions).toBe(path.join(b, 'runs', lm.id, 'inputs', 'captions.csv'));
    expect(inputs?.features?.startsWith(path.join(b, 'datasets', ds.id, 'features') + path.sep)).toBe(true);

    // Checkpoints listed, the ConvNet model exported, its confusion matrix read, features reused.
    expect(await h.dispatch('runs.checkpoints', { id: lm.id })).toEqual(cksBefore);
    const exported = (await h.dispatch('runs.export', { what: 'model', id: lenet.id })) as { files: { name: string }[] };
    expect(exported.files.map((f) => f.name)).toContain('model.json');
    await expect(h.dispatch('runs.confusion', { id: lenet.id })).resolves.toMatchObject({ labels: expect.any(Array) });
    const again = await h.features.extract({ datasetId: ds.id, fromRun: lenet.id });
    expect(again.cached).toBe(true);
    expect(again.set.id).toBe(setBefore[0]?.id);
    expect(again.set.path.startsWith(b + path.sep)).toBe(true);

    // The failed run resumes from its checkpoint at step 8, in the new place.
    await h.dispatch('runs.resume', { id: failed.id });
    const done: RunRecord = await h.runs.waitFor(failed.id);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(steps(h.store, failed.id, 'loss')).toEqual(range(24));
    expect(
      h.store
        .logs(failed.id, 200)
        .map((l) => l.message)
        .join('\n'),
    ).toContain('resuming from the checkpoint at step 8 (epoch 1, checkpoints/epoch-0001)');
    await t.close(h);

    // `mlbl eval` of the completed LM run, after a second move (rows already relative).
    const c = path.join(t.dir('mlbl-move-c-'), 'again');
    move(b, c);
    const { stdout } = await execFileAsync(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), 'eval', lm.id, '--json', '--data-dir', c], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    });
    const r = JSON.parse(stdout.trim().split('\n').at(-1) as string) as EvalReport;
    expect(r).toMatchObject({ runId: lm.id, dataset: ds.id, split: 'test' });
    expect(Number.isFinite(r.perplexity)).toBe(true);
    // The LM checkpoint names its extractor (the ConvNet run's model.json) by the path it had when trained: found again here.
    const meta = JSON.parse(fs.readFileSync(path.join(c, 'runs', lm.id, 'checkpoint', 'model.json'), 'utf8')) as { features: { model: string } };
    expect(meta.features.model.startsWith(a + path.sep)).toBe(true);
    const extractor = relocatedRunFile(c, meta.features.model);
    expect(extractor.startsWith(path.join(c, 'runs', lenet.id) + path.sep)).toBe(true);
    expect(fs.existsSync(extractor)).toBe(true);
  }, 400_000);
});
