import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost } from '../host';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(get: () => T | undefined | null | false, what: string, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('host killed with SIGKILL mid-run', () => {
  it('leaves an intact database; the orphaned engine exits; on restart the run is interrupted', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-hostkill-'));
    dirs.push(dataDir);
    const cli = spawn(
      process.execPath,
      [path.join(root, 'bin/mlbl.js'), 'train', '--preset', 'lenet5-mnist', '--set', 'epochs=30', '--set', 'trainLimit=2000', '--json', '--data-dir', dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    cli.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<void>((r) => cli.once('exit', () => r()));
    const dbFile = path.join(dataDir, 'workbench.db');
    const enginePid = await until(() => Number(/engine started on the \w+ backend \(pid (\d+)\)/.exec(out)?.[1]) || null, 'the engine to start');
    await until(() => (out.match(/"key":"loss"/g) ?? []).length >= 10, 'ten loss points');

    cli.kill('SIGKILL');
    await exited;
    await until(() => !alive(enginePid), 'the orphaned engine to exit', 30_000);

    const raw = new Database(dbFile, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = (raw.prepare("SELECT COUNT(*) AS n FROM metrics WHERE key = 'loss'").get() as { n: number }).n;
    const steps = (raw.prepare("SELECT step FROM metrics WHERE key = 'loss' ORDER BY step").all() as { step: number }[]).map((r) => r.step);
    raw.close();
    expect(rows).toBeGreaterThanOrEqual(1);
    expect(steps).toEqual(steps.map((_, i) => i)); // no gaps, no duplicates in what was stored

    const host = createHost({ dataDir, transport: 'websocket', concurrency: 0 });
    const [run] = host.runs.list({});
    expect(run?.status).toBe('interrupted');
    expect(run?.error).toMatch(/stopped while this run was in progress/);
    await host.close();
  });
});
