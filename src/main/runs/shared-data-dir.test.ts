/**
 * Two workbench processes on one data directory, as when `mlbl train` runs beside `mlbl serve`:
 * real CLI child processes training LeNet-5 at the same time, and a third host opened in this
 * process. Nothing may interrupt, fail or lose the points of a run that another live process owns.
 * (Before runs recorded their owner, the second process marked the first one's run interrupted,
 * and a metric write could fail on a stale read snapshot: "database is locked".)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost } from '../host';
import { ROOT as root, until } from './testing';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Cli {
  pid: number;
  out: () => string;
  exit: Promise<number | null>;
}

function train(dataDir: string, name: string): Cli {
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'bin/mlbl.js'),
      'train',
      '--preset',
      'lenet5-mnist',
      '--set',
      `name=${name}`,
      '--set',
      'epochs=2',
      '--set',
      'trainLimit=1200',
      '--set',
      'validationLimit=300',
      '--set',
      'testLimit=300',
      '--json',
      '--data-dir',
      dataDir,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { pid: child.pid as number, out: () => out, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** The metric points a CLI printed for its run, by key. */
function emitted(out: string): Map<string, number> {
  const n = new Map<string, number>();
  for (const line of out.split('\n')) {
    if (!line.startsWith('{"event":"run.metrics"')) continue;
    for (const p of (JSON.parse(line) as { points: { key: string }[] }).points) n.set(p.key, (n.get(p.key) ?? 0) + 1);
  }
  return n;
}

const runId = (out: string): string | undefined => /"event":"run.created","run":\{"id":"([^"]+)"/.exec(out)?.[1];

describe('two workbench processes on one data directory', () => {
  it('neither interrupts nor starves the other: both runs complete with every point stored once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-shared-'));
    dirs.push(dataDir);
    const a = train(dataDir, 'first');
    await until(() => (a.out().match(/"key":"loss"/g) ?? []).length >= 5, 'the first run to train');
    const idA = runId(a.out()) as string;

    // A second process opens the same folder while the first one trains (as mlbl serve would).
    const host = createHost({ dataDir, transport: 'websocket', concurrency: 0 });
    try {
      expect(host.runs.get(idA)?.status).toBe('running');
      // The UI learns who runs it (and so disables stop and pause there).
      expect(host.runs.get(idA)?.owner).toEqual({ pid: a.pid, machine: os.hostname() });
      await expect(host.dispatch('runs.stop', { id: idA })).rejects.toThrow(
        new RegExp(`run ${idA} is running in another workbench process \\(pid \\d+\\) on this data directory: stop it there`),
      );
      await expect(host.dispatch('runs.delete', { id: idA })).rejects.toThrow(/in another workbench process/);

      // A third process trains at the same time: both write metrics into one database file.
      const b = train(dataDir, 'second');
      await until(() => runId(b.out()), 'the second run to be created');
      const idB = runId(b.out()) as string;
      expect([await a.exit, await b.exit]).toEqual([0, 0]);

      const raw = new Database(path.join(dataDir, 'workbench.db'), { readonly: true });
      try {
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
        for (const [id, cli] of [
          [idA, a],
          [idB, b],
        ] as const) {
          const run = raw.prepare('SELECT status, error FROM runs WHERE id = ?').get(id) as { status: string; error: string | null };
          expect(run, `run ${id}`).toEqual({ status: 'completed', error: null });
          const sent = emitted(cli.out());
          expect(sent.get('loss')).toBeGreaterThan(20);
          for (const [key, n] of sent) {
            expect((raw.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ? AND key = ?').get(id, key) as { n: number }).n, `${id} ${key}`).toBe(n);
          }
        }
      } finally {
        raw.close();
      }
      // The finished runs are this host's to manage now.
      expect(host.runs.get(idA)?.status).toBe('completed');
      expect(host.runs.get(idA)?.owner).toBeNull();
    } finally {
      await host.close();
    }
  }, 300_000);
});
