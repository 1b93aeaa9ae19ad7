/**
 * `mlbl runs` and `mlbl info` beside a real `mlbl train` on the same data directory: they change
 * nothing in it. The trainer is frozen (SIGSTOP) while they run so that it writes nothing either;
 * its WAL is checkpointed into workbench.db first (TRUNCATE: an empty -wal), so any write by the
 * commands shows as -wal bytes, as a changed database header (its change counter), or in the
 * tables' checksums. A writing command run the same way (`mlbl datasets delete`, a host with a run
 * queue) is the control: the same measurement sees its write.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, SystemInfo } from '../shared/api';
import { createHost, openReadOnlyHost } from './host';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mlbl = path.join(root, 'bin/mlbl.js');
const run = promisify(execFile);
let dir: string;
let db: string;
let trainer: ChildProcess;
let runId: string;

/** Every table's rows, hashed (the hosts table on its own too), read through a read-only connection. */
function tableSums(): Record<string, string> {
  const c = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const tables = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    const out: Record<string, string> = {};
    // Rows in a fixed order whatever the table's keys (some are WITHOUT ROWID).
    for (const t of tables)
      out[t] = createHash('sha256')
        .update(
          (c.prepare(`SELECT * FROM "${t}"`).raw().all() as unknown[])
            .map((r) => JSON.stringify(r))
            .sort()
            .join('\n'),
        )
        .digest('hex');
    return out;
  } finally {
    c.close();
  }
}

const fileHash = (f: string): string => (fs.existsSync(f) ? createHash('sha256').update(fs.readFileSync(f)).digest('hex') : 'absent');
const walBytes = (): number => (fs.existsSync(`${db}-wal`) ? fs.statSync(`${db}-wal`).size : 0);

/** Folds the trainer's WAL into workbench.db and empties it; the trainer is stopped, so nothing refills it. */
async function checkpoint(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const c = new Database(db, { fileMustExist: true });
    c.pragma('busy_timeout = 2000');
    const [r] = c.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    c.close();
    if (r?.busy === 0 && walBytes() === 0) return;
    // Frozen inside a write transaction: let it finish it, then freeze it again.
    trainer.kill('SIGCONT');
    await new Promise((res) => setTimeout(res, 300));
    trainer.kill('SIGSTOP');
  }
  throw new Error('could not checkpoint the WAL of the frozen trainer');
}

function snapshot(): { db: string; walBytes: number; tables: Record<string, string> } {
  return { db: fileHash(db), walBytes: walBytes(), tables: tableSums() };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-readonly-'));
  db = path.join(dir, 'workbench.db');
  trainer = spawn(
    process.execPath,
    [
      mlbl,
      'train',
      '--preset',
      'lenet5-mnist',
      '--json',
      '--data-dir',
      dir,
      '--set',
      'epochs=200',
      '--set',
      'trainLimit=256',
      '--set',
      'batchSize=32',
      '--set',
      'validationLimit=100',
      '--set',
      'testLimit=0',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  trainer.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // Training for real: the run is created and its first metrics are stored.
  runId = await new Promise<string>((resolve, reject) => {
    let out = '';
    let id: string | null = null;
    trainer.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      id ??= /"event":"run.created","run":\{"id":"([^"]+)"/.exec(out)?.[1] ?? null;
      if (id && out.includes('"event":"run.metrics"')) resolve(id);
    });
    trainer.once('exit', (code) => reject(new Error(`mlbl train exited (${code}) before training: ${stderr}`)));
  });
}, 180_000);

afterAll(async () => {
  if (trainer.exitCode === null && trainer.signalCode === null) {
    trainer.kill('SIGCONT');
    trainer.kill('SIGINT');
    const exited = new Promise((r) => trainer.once('exit', r));
    const timer = setTimeout(() => trainer.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('read-only commands beside a training process', () => {
  it('mlbl runs --json and mlbl info --json change neither workbench.db, its WAL, the hosts table nor any table', async () => {
    trainer.kill('SIGSTOP');
    try {
      await checkpoint();
      const before = snapshot();
      expect(before.walBytes).toBe(0);
      expect(Object.keys(before.tables)).toContain('hosts');

      const runs = JSON.parse((await run(process.execPath, [mlbl, 'runs', '--json', '--data-dir', dir], { cwd: root })).stdout) as RunRecord[];
      const info = JSON.parse((await run(process.execPath, [mlbl, 'info', '--json', '--data-dir', dir], { cwd: root })).stdout) as SystemInfo;
      const listed = await run(process.execPath, [mlbl, 'datasets', '--json', '--data-dir', dir], { cwd: root });

      // What they report: the other process's run, still running and owned by it.
      const mine = runs.find((r) => r.id === runId);
      expect(mine).toMatchObject({ status: 'running', owner: { pid: trainer.pid } });
      expect(info.dataDir).toBe(dir);
      expect(JSON.parse(listed.stdout)).toEqual([]);

      const after = snapshot();
      expect(after.walBytes).toBe(0);
      expect(after.tables.hosts).toBe(before.tables.hosts);
      expect(after.tables).toEqual(before.tables);
      expect(after.db).toBe(before.db);

      // The control: a command with a run queue registers itself in the hosts table (and removes
      // itself again), which this measurement sees.
      await run(process.execPath, [mlbl, 'datasets', 'delete', 'no-such-dataset', '--data-dir', dir], { cwd: root }).catch(() => undefined);
      const control = snapshot();
      expect(control.walBytes > 0 || control.db !== before.db).toBe(true);
    } finally {
      trainer.kill('SIGCONT');
    }
  }, 180_000);
});

describe('the read-only host', () => {
  it('refuses writing methods, and shows a run its gone owner left running as interrupted without recording it', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-readonly-gone-'));
    try {
      const h = createHost({ dataDir: own, transport: 'websocket', concurrency: 0 });
      const id = ((await h.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', params: {} } })) as RunRecord).id;
      // As a process killed mid-run leaves it: running, owned by a host that is gone.
      h.store.updateRun(id, { status: 'running', startedAt: Date.now() });
      await h.close();

      const ro = openReadOnlyHost({ dataDir: own, transport: 'websocket' });
      try {
        expect(await ro.dispatch('runs.get', { id })).toMatchObject({ id, status: 'interrupted', owner: null, queuePosition: null });
        await expect(ro.dispatch('runs.create', { spec: { preset: 'lenet5-mnist', params: {} } })).rejects.toMatchObject({ code: 'not_available' });
        await expect(ro.dispatch('datasets.delete', { id: 'x' })).rejects.toThrow(/read-only/);
        // Validation still comes first, with the same messages as the UI's transport.
        await expect(ro.dispatch('runs.list', { limit: 0 })).rejects.toMatchObject({ code: 'bad_request' });
      } finally {
        ro.close();
      }
      const stored = new Database(path.join(own, 'workbench.db'), { readonly: true });
      expect(stored.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(id)).toBe('running');
      stored.close();
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });
});
