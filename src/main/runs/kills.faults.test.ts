/**
 * Random SIGKILLs under load (`npm run test:faults`): a real LeNet-5 run trains, and at a random
 * moment, at least KILLS times, either its host or its engine is killed with SIGKILL. Host kills
 * hit a real host process (`mlbl train`, then `mlbl resume RUN_ID`), whose engine is orphaned;
 * engine kills hit the engine of a host in this process (which records the run failed and goes
 * on). After each kill the run is resumed in place; a run that completes between kills is
 * checked and a new one started.
 * At the end the last run is resumed to completion, the database passes PRAGMA integrity_check,
 * and for every run every metric key holds each of its steps exactly once: steps 0..last for the
 * loss, the epoch ends for the per-epoch keys (no duplicates, no gaps).
 *
 * Seeded (MLBL_FAULTS_SEED, default 8) so a failure repeats; the figures are printed and written
 * to test-results/kills.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import type { Host } from '../host';
import { lenetSpec, ROOT, range, TestHosts, until } from './testing';

const KILLS = Number(process.env.MLBL_FAULTS_KILLS ?? 22);
const SEED = Number(process.env.MLBL_FAULTS_SEED ?? 8);
const EPOCHS = 6;
const STEPS_PER_EPOCH = 8; // 256 images in batches of 32
// The same spec as lenetSpec({ epochs: EPOCHS }) (testing.ts), for `mlbl train`.
const TRAIN = [
  '--preset',
  'lenet5-mnist',
  '--set',
  `epochs=${EPOCHS}`,
  '--set',
  'trainLimit=256',
  '--set',
  'batchSize=32',
  '--set',
  'validationLimit=100',
  '--set',
  'testLimit=100',
];
const EPOCH_KEYS = ['val_accuracy', 'val_loss', 'train_accuracy', 'epoch_loss', 'images_per_s', 'learning_rate'];

const t = new TestHosts();
afterAll(() => t.cleanup());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Cycle {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function mlbl(args: string[]): Cycle {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

function statusOf(dataDir: string, id: string): string {
  const db = new Database(path.join(dataDir, 'workbench.db'), { readonly: true });
  try {
    return (db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(id) as string | undefined) ?? 'missing';
  } finally {
    db.close();
  }
}

const enginePids = (out: string): number[] => [...out.matchAll(/engine started on the \w+ backend \(pid (\d+)\)/g)].map((m) => Number(m[1]));

describe('random SIGKILLs of hosts and engines during training', () => {
  it(`survives ${KILLS} kills; every metric step is stored exactly once and the database is intact`, async () => {
    const dataDir = t.dir('mlbl-kills-');
    const rand = seededRandom(SEED);
    const runs: string[] = [];
    let current: string | null = null;
    const kills = { host: 0, engine: 0, duringStartup: 0, duringTraining: 0 };
    let completedBetweenKills = 0;
    const t0 = Date.now();
    /** The in-process host used for engine kills (closed before a host child opens the same data directory). */
    let inProc: Host | null = null;
    const closeInProc = async (): Promise<void> => {
      if (inProc) await t.close(inProc);
      inProc = null;
    };

    while (kills.host + kills.engine < KILLS) {
      // Most kills land while the run trains (after its first loss point of this attempt, within
      // 4 s: batches, evaluations, checkpoint writes); one in five earlier, while the engine loads.
      const early = rand() < 0.2;
      const delay = Math.floor(rand() * (early ? 1500 : 4000));
      const killHost = rand() < 0.5;
      if (!killHost) {
        // Engine kill: a host in this process resumes (or creates) the run, then its engine dies.
        inProc ??= t.host({ dataDir });
        const h = inProc;
        const id: string = current ?? h.runs.create(lenetSpec({ epochs: EPOCHS })).id;
        if (!current) {
          current = id;
          runs.push(id);
        } else h.runs.resume(id);
        let sawLoss = false;
        const off = h.subscribe((e, p) => {
          if (e === 'run.metrics' && (p as { runId: string }).runId === id) sawLoss = true;
        });
        const done = h.runs.waitFor(id);
        let finished = false;
        void done.then(() => {
          finished = true;
        });
        const pid = await until(() => h.runs.enginePid(id) ?? (finished ? -1 : 0), 'the engine to start', 120_000);
        if (!early) await until(() => sawLoss || finished, 'the first loss point', 120_000);
        await Promise.race([new Promise((r) => setTimeout(r, delay)), done]);
        off();
        if (finished || !h.runs.enginePid(id)) {
          expect((await done).status).toBe('completed');
          completedBetweenKills++;
          current = null;
          continue;
        }
        process.kill(pid, 'SIGKILL');
        const r = await done;
        if (r.status === 'completed') {
          // The engine had already reported the end of the run when the signal landed: the run did
          // complete (its rows are counted below), but this was not a kill during training.
          completedBetweenKills++;
          current = null;
          continue;
        }
        expect(r.status).toBe('failed');
        expect(r.error).toMatch(/the engine was killed by SIGKILL/);
        kills.engine++;
        if (sawLoss) kills.duringTraining++;
        else kills.duringStartup++;
        continue;
      }
      // Host kill: a real `mlbl train` / `mlbl resume` process is killed; its engine is orphaned.
      await closeInProc();
      const c: Cycle = current ? mlbl(['resume', current, '--json', '--data-dir', dataDir]) : mlbl(['train', ...TRAIN, '--json', '--data-dir', dataDir]);
      if (!current) {
        const created: string = await until<string>(
          () => /"event":"run\.created","run":\{"id":"([^"]+)"/.exec(c.out())?.[1],
          'mlbl train to create its run',
          120_000,
        );
        current = created;
        runs.push(created);
      }
      let ended = false;
      void c.exited.then(() => {
        ended = true;
      });
      const pid = await until(() => enginePids(c.out())[0] ?? (ended ? -1 : 0), 'the engine to start', 120_000);
      if (pid < 0) throw new Error(`the host exited before its engine started:\n${c.out()}`);
      if (!early) await until(() => /"key":"loss"/.test(c.out()) || ended, 'the first loss point', 120_000);
      await Promise.race([new Promise((r) => setTimeout(r, delay)), c.exited]);
      if (ended) {
        expect(c.out(), c.out()).toMatch(/"event":"run\.finished","id":"[^"]+","status":"completed"/);
        completedBetweenKills++;
        current = null;
        continue;
      }
      const training = /"key":"loss"/.test(c.out());
      c.child.kill('SIGKILL');
      await c.exited;
      await until(() => !alive(pid), 'the orphaned engine to exit', 30_000);
      if (statusOf(dataDir, current) === 'completed') {
        // The host had recorded the end of the run when the signal landed (it was shutting down):
        // the run did complete (its rows are counted below), but this was not a kill during training.
        completedBetweenKills++;
        current = null;
        continue;
      }
      kills.host++;
      if (training) kills.duringTraining++;
      else kills.duringStartup++;
    }
    await closeInProc();

    // The last run goes on to the end.
    if (current) {
      const c = mlbl(['resume', current, '--json', '--data-dir', dataDir]);
      expect(await c.exited, c.out()).toBe(0);
    }

    const db = new Database(path.join(dataDir, 'workbench.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      let rows = 0;
      let expected = 0;
      const epochEnds = range(EPOCHS, 1).map((e) => e * STEPS_PER_EPOCH - 1);
      for (const id of runs) {
        const run = db.prepare('SELECT status, error FROM runs WHERE id = ?').get(id) as { status: string; error: string | null };
        expect(run.status, `${id}: ${run.error}`).toBe('completed');
        const byKey = new Map<string, number[]>();
        for (const r of db.prepare('SELECT key, step FROM metrics WHERE run_id = ? ORDER BY key, step').all(id) as { key: string; step: number }[]) {
          const list = byKey.get(r.key) ?? [];
          list.push(r.step);
          byKey.set(r.key, list);
          rows++;
        }
        expect(byKey.get('loss'), `${id} loss`).toEqual(range(EPOCHS * STEPS_PER_EPOCH));
        for (const k of EPOCH_KEYS) expect(byKey.get(k), `${id} ${k}`).toEqual(epochEnds);
        expect(byKey.get('test_accuracy'), `${id} test_accuracy`).toEqual([epochEnds.at(-1)]);
        expected += EPOCHS * STEPS_PER_EPOCH + EPOCH_KEYS.length * EPOCHS + 2;
        // One filter snapshot per epoch (and the initial one), one confusion matrix.
        const filters = db.prepare("SELECT epoch FROM artefacts WHERE run_id = ? AND kind = 'filters' ORDER BY epoch").pluck().all(id);
        expect(filters, `${id} filters`).toEqual(range(EPOCHS + 1));
      }
      const resumes = db.prepare("SELECT COUNT(*) FROM logs WHERE message LIKE 'resuming from the checkpoint at step %'").pluck().get() as number;
      const startsOver = db.prepare("SELECT COUNT(*) FROM logs WHERE message LIKE 'resuming: no checkpoint was recorded%'").pluck().get() as number;
      const figures = {
        seed: SEED,
        kills: kills.host + kills.engine,
        ...kills,
        runs: runs.length,
        completedBetweenKills,
        resumesFromCheckpoint: resumes,
        resumesFromScratch: startsOver,
        metricRows: rows,
        expectedRows: expected,
        rowsLost: expected - rows,
        integrity: 'ok',
        seconds: Math.round((Date.now() - t0) / 1000),
      };
      process.stdout.write(`faults: ${JSON.stringify(figures)}\n`);
      fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
      fs.writeFileSync(path.join(ROOT, 'test-results', 'kills.json'), JSON.stringify(figures, null, 2));
      expect(rows).toBe(expected);
      expect(kills.host).toBeGreaterThan(0);
      expect(kills.engine).toBeGreaterThan(0);
      expect(resumes).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});
