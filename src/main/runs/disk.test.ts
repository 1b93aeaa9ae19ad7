/**
 * Disk trouble: an unwritable data directory, a full disk during training, a database that
 * cannot grow. Each gives a clear error naming the path, leaves no corrupt database
 * (PRAGMA integrity_check), keeps what was stored before, and the run resumes once there is room.
 *
 * The full disk is real where possible: as root (CI and this machine), a 3 MB tmpfs is mounted as
 * the data directory; elsewhere the engine's file writes fail with ENOSPC by fault injection
 * (MLBL_FAULT=enospc@STEP). The database that cannot grow is real SQLite (PRAGMA max_page_count:
 * SQLITE_FULL, as on a full disk). Root ignores chmod, so the unwritable directory is tested with
 * the CLI run as the unprivileged user `nobody` when this test runs as root.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { lenetSpec, range, ROOT, steps, TestHosts } from './testing';

const t = new TestHosts();
const mounts: string[] = [];
afterAll(async () => {
  await t.cleanup();
  for (const m of mounts) {
    try {
      execFileSync('umount', [m]);
    } catch {
      /* already gone */
    }
    fs.rmSync(m, { recursive: true, force: true });
  }
});

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** Runs the real CLI (as `nobody` when we are root, so permissions apply); resolves with its exit code and output. */
function mlblAs(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: '/tmp' },
      ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    // `nobody` must be able to run this Node (e.g. not one installed under root's 0700 home).
    child.once('error', (e) => reject(new Error(`cannot run ${process.execPath} as nobody: ${e.message}`)));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** A 3 MB tmpfs (root only); null where mounting is not possible. */
function smallDisk(): string | null {
  if (!isRoot) return null;
  const dir = t.dir('mlbl-tmpfs-');
  t.dirs.splice(t.dirs.indexOf(dir), 1);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
  mounts.push(dir);
  return dir;
}

describe('an unwritable data directory', () => {
  it('refuses to start with an error naming the folder, and leaves an existing database intact', async () => {
    const parent = t.dir('mlbl-ro-');
    // A database with a run in it, then the folder made read-only.
    const h = t.host({ dataDir: parent, concurrency: 0 });
    const run = h.runs.create(lenetSpec());
    h.store.insertMetrics(
      run.id,
      range(5).map((s) => ({ key: 'loss', step: s, epoch: 0, wallTime: s, value: 1 / (s + 1) })),
    );
    await t.close(h);
    fs.chmodSync(parent, 0o555);
    fs.chmodSync(path.join(parent, 'workbench.db'), 0o444);
    try {
      const inside = await mlblAs(['runs', '--data-dir', path.join(parent, 'new')]);
      expect(inside.code).toBe(1);
      expect(inside.out).toContain(`cannot create the data directory ${path.join(parent, 'new')}`);
      expect(inside.out).toMatch(/EACCES|permission denied|read-only/i);
      const existing = await mlblAs(['runs', '--data-dir', parent]);
      expect(existing.code).toBe(1);
      expect(existing.out).toContain(`cannot open database ${path.join(parent, 'workbench.db')}`);
    } finally {
      fs.chmodSync(parent, 0o755);
      fs.chmodSync(path.join(parent, 'workbench.db'), 0o644);
    }
    expect(integrity(path.join(parent, 'workbench.db'))).toBe('ok');
    const again = t.host({ dataDir: parent, concurrency: 0 });
    expect(again.runs.get(run.id)?.status).toBe('queued');
    expect(steps(again.store, run.id, 'loss')).toEqual(range(5));
  });
});

describe('a full disk during training', () => {
  it('fails the run with an error naming the file, keeps the database intact, and resumes once there is room', async () => {
    const disk = smallDisk();
    const dataDir = disk ?? t.dir('mlbl-full-');
    // Epoch checkpoints (model + Adam moments, about 0.75 MB each) fill 3 MB within a few epochs;
    // without a tmpfs, every file write from step 20 on fails with ENOSPC.
    let h = t.host({ dataDir, engineEnv: disk ? {} : { MLBL_FAULT: 'enospc@20' } });
    const spec = lenetSpec({ epochs: 12 });
    const run = await h.runs.waitFor(h.runs.create(spec).id);
    expect(run.status).toBe('failed');
    process.stdout.write(`full disk (${disk ? '3 MB tmpfs' : 'injected ENOSPC'}): ${run.error}\n`);
    expect(run.error).toMatch(/ENOSPC|no space left on device|database or disk is full/i);
    expect(run.error).toContain(dataDir);
    const stored = steps(h.store, run.id, 'loss');
    expect(stored).toEqual(range(stored.length)); // what was stored has no gaps
    // The host serves on.
    expect(((await h.dispatch('runs.list', {})) as unknown[]).length).toBe(1);
    await t.close(h);
    expect(integrity(path.join(dataDir, 'workbench.db'))).toBe('ok');
    const good = new Set(fs.readdirSync(path.join(dataDir, 'runs', run.id, 'checkpoints')).filter((n) => !n.includes('.partial-')));
    expect(
      [...good].some((n) => n.startsWith('epoch-')),
      'an earlier checkpoint survives',
    ).toBe(true);

    // Room again: keep only the newest checkpoint, then resume without the fault.
    const ckRoot = path.join(dataDir, 'runs', run.id, 'checkpoints');
    const epochs = fs
      .readdirSync(ckRoot)
      .filter((n) => n.startsWith('epoch-'))
      .sort();
    for (const n of epochs.slice(0, -1)) fs.rmSync(path.join(ckRoot, n), { recursive: true });
    h = t.host({ dataDir });
    h.store.db.prepare("UPDATE runs SET spec_json = json_set(spec_json, '$.params.checkpointEvery', 0) WHERE id = ?").run(run.id);
    await h.dispatch('runs.resume', { id: run.id });
    const done = await h.runs.waitFor(run.id);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(steps(h.store, run.id, 'loss')).toEqual(range(12 * 8));
  });
});

describe('a database that cannot grow', () => {
  it('fails the run with an error naming the database file, keeps earlier records, and resumes once it can grow', async () => {
    const h = t.host();
    // Earlier history that must survive.
    h.store.createRun({ id: 'before', name: 'before', spec: lenetSpec(), createdAt: 1 });
    h.store.insertMetrics(
      'before',
      range(200).map((s) => ({ key: 'loss', step: s, epoch: s / 8, wallTime: s, value: Math.exp(-s / 50) })),
    );
    h.store.updateRun('before', { status: 'completed', endedAt: 2 });
    const before = h.store.metricPoints('before', 'loss');
    const created = h.runs.create(lenetSpec({ epochs: 8 }));
    // From here SQLite refuses to grow the file: SQLITE_FULL, exactly as on a full disk.
    h.store.db.pragma(`max_page_count = ${h.store.db.pragma('page_count', { simple: true }) as number}`);
    const run = await h.runs.waitFor(created.id);
    expect(run.status).toBe('failed');
    process.stdout.write(`database cannot grow: ${run.error}\n`);
    expect(run.error).toContain('database or disk is full');
    expect(run.error).toContain(h.store.file);
    expect(h.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(h.store.metricPoints('before', 'loss')).toEqual(before);
    const stored = steps(h.store, run.id, 'loss');
    expect(stored).toEqual(range(stored.length));

    h.store.db.pragma('max_page_count = 1073741823');
    await h.dispatch('runs.resume', { id: run.id });
    const done = await h.runs.waitFor(run.id);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(steps(h.store, run.id, 'loss')).toEqual(range(8 * 8));
  });
});
