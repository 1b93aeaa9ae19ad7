import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Events, EventName, RunRecord } from '../../shared/api';
import { isTerminal } from '../../shared/api';
import type { EngineToHost } from '../../shared/engine-protocol';
import type { RunSpec } from '../../shared/run-spec';
import type { Store } from '../store/store';
import { forkEngine, type EngineLauncher, type EngineProcess } from './engine-process';

export type Publish = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface RunManagerOptions {
  store: Store;
  dataDir: string;
  publish?: Publish;
  launcher?: EngineLauncher;
  concurrency?: number;
  /** How long a stopping engine may take to finish its batch before it is killed. */
  stopGraceMs?: number;
  /** Extra environment for engine processes (fault injection in tests). */
  engineEnv?: Record<string, string>;
}

interface Active {
  runId: string;
  proc: EngineProcess;
  stopRequested: boolean;
  killTimer?: NodeJS.Timeout;
  finished: boolean;
  outcome?: 'completed' | 'stopped';
  summary: Record<string, number>;
  error?: string;
}

/** A queue of runs, one engine process per running run; persists what engines report. */
export class RunManager {
  private readonly queue: string[] = [];
  private readonly active = new Map<string, Active>();
  private readonly waiters = new Map<string, ((r: RunRecord) => void)[]>();
  private readonly extraEngines = new Set<EngineProcess>();
  private readonly progressListeners = new Set<(runId: string, p: Extract<EngineToHost, { type: 'progress' }>) => void>();
  private readonly store: Store;
  private readonly publish: Publish;
  private readonly launcher: EngineLauncher;
  private closed = false;
  concurrency: number;

  constructor(private readonly opts: RunManagerOptions) {
    this.store = opts.store;
    this.publish = opts.publish ?? (() => {});
    this.launcher = opts.launcher ?? forkEngine;
    this.concurrency = opts.concurrency ?? 1;
    // A host that died left these behind: their engines are gone with it.
    for (const id of this.store.markInterrupted(Date.now())) {
      this.store.insertLog({ runId: id, ts: Date.now(), level: 'warn', message: 'marked interrupted: the workbench stopped while this run was in progress' });
    }
    this.queue.push(...this.store.queuedRunIds());
    setImmediate(() => this.pump());
  }

  /** A fresh engine process outside the queue, for short jobs (activation maps); the caller ends it, shutdown kills it. */
  spawnEngine(): EngineProcess {
    if (this.closed) throw new Error('the run manager is shut down');
    const proc = this.launcher(this.opts.engineEnv);
    this.extraEngines.add(proc);
    proc.onExit(() => this.extraEngines.delete(proc));
    return proc;
  }

  runDir(id: string): string {
    return path.join(this.opts.dataDir, 'runs', id);
  }

  create(spec: RunSpec): RunRecord {
    if (this.closed) throw new Error('the run manager is shut down');
    const id = newRunId();
    const name = spec.name?.trim() || `${spec.preset} ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
    const run = this.store.createRun({ id, name, spec, createdAt: Date.now() });
    this.queue.push(id);
    this.emitStatus(id);
    setImmediate(() => this.pump());
    return this.decorate(run);
  }

  get(id: string): RunRecord | null {
    const r = this.store.getRun(id);
    return r ? this.decorate(r) : null;
  }

  list(opts: { status?: RunRecord['status']; limit?: number }): RunRecord[] {
    return this.store.listRuns(opts).map((r) => this.decorate(r));
  }

  /** Asks the engine to stop after its current batch; kills it if it has not exited after the grace period. */
  stop(id: string): RunRecord | null {
    const qi = this.queue.indexOf(id);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.store.updateRun(id, { status: 'stopped', endedAt: Date.now() });
      this.emitStatus(id);
      this.resolveWaiters(id);
    }
    const a = this.active.get(id);
    if (a && !a.stopRequested) {
      a.stopRequested = true;
      a.proc.send({ type: 'stop' });
      this.log(id, 'info', 'stop requested');
      a.killTimer = setTimeout(() => {
        this.log(id, 'warn', `engine did not stop within ${this.grace()} ms; killed`);
        a.proc.kill();
      }, this.grace());
    }
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    if (this.active.has(id)) {
      const done = this.waitFor(id);
      const a = this.active.get(id);
      a?.proc.kill();
      await done;
    }
    const qi = this.queue.indexOf(id);
    if (qi >= 0) this.queue.splice(qi, 1);
    const deleted = this.store.deleteRun(id);
    fs.rmSync(this.runDir(id), { recursive: true, force: true });
    return deleted;
  }

  /** Resolves when the run reaches a terminal status. */
  waitFor(id: string): Promise<RunRecord> {
    const r = this.store.getRun(id);
    if (!r) return Promise.reject(new Error(`no run ${id}`));
    if (isTerminal(r.status) && !this.active.has(id)) return Promise.resolve(this.decorate(r));
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** The engine process of a running run (for diagnostics and crash tests). */
  enginePid(id: string): number | undefined {
    return this.active.get(id)?.proc.pid;
  }

  onProgress(cb: (runId: string, p: Extract<EngineToHost, { type: 'progress' }>) => void): () => void {
    this.progressListeners.add(cb);
    return () => this.progressListeners.delete(cb);
  }

  /** Stops accepting work and kills running engines; their runs end `interrupted`. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const p of this.extraEngines) p.kill();
    const waits = [...this.active.keys()].map((id) => this.waitFor(id));
    for (const a of this.active.values()) {
      a.error = 'the workbench shut down during this run';
      a.proc.kill();
    }
    await Promise.all(waits);
  }

  private grace(): number {
    return this.opts.stopGraceMs ?? 10_000;
  }

  private decorate(r: RunRecord): RunRecord {
    const qi = this.queue.indexOf(r.id);
    return { ...r, queuePosition: qi >= 0 ? qi + 1 : null };
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency && this.queue.length) {
      const id = this.queue.shift() as string;
      const run = this.store.getRun(id);
      if (!run || run.status !== 'queued') continue;
      this.startRun(run);
    }
    for (const id of this.queue) this.emitStatus(id);
  }

  private startRun(run: RunRecord): void {
    const dir = this.runDir(run.id);
    let proc: EngineProcess;
    try {
      fs.mkdirSync(dir, { recursive: true });
      proc = this.launcher(this.opts.engineEnv);
    } catch (e) {
      this.store.updateRun(run.id, { status: 'failed', endedAt: Date.now(), error: `could not start the engine: ${(e as Error).message}` });
      this.emitStatus(run.id);
      this.resolveWaiters(run.id);
      return;
    }
    const a: Active = { runId: run.id, proc, stopRequested: false, finished: false, summary: {} };
    this.active.set(run.id, a);
    this.store.updateRun(run.id, { status: 'running', startedAt: Date.now() });
    this.emitStatus(run.id);
    proc.onMessage((m) => {
      try {
        this.handle(a, m, dir);
      } catch (e) {
        // A store failure must not take the host down; the run ends failed with the reason.
        a.error = `host could not record the engine's ${m.type} message: ${(e as Error).message}`;
        proc.kill();
      }
    });
    proc.onExit((code, signal, stderrTail) => this.finish(a, code, signal, stderrTail));
    proc.send({ type: 'start', runId: run.id, spec: run.spec, runDir: dir });
  }

  private handle(a: Active, m: EngineToHost, dir: string): void {
    const id = a.runId;
    switch (m.type) {
      case 'ready':
        return;
      case 'started':
        this.store.updateRun(id, { backend: m.backend, seed: m.seed });
        this.log(id, 'info', `engine started on the ${m.backend} backend (pid ${a.proc.pid ?? '?'})`);
        this.emitStatus(id);
        return;
      case 'metrics': {
        this.store.insertMetrics(id, m.points);
        this.publish('run.metrics', { runId: id, points: m.points });
        return;
      }
      case 'progress':
        for (const l of this.progressListeners) l(id, m);
        return;
      case 'log':
        this.log(id, m.level, m.message);
        return;
      case 'artefact': {
        const file = path.resolve(dir, m.file);
        if (!file.startsWith(path.resolve(dir) + path.sep)) throw new Error(`artefact path ${m.file} leaves the run folder`);
        const rec = this.store.insertArtefact({ runId: id, kind: m.kind, path: file, step: m.step, epoch: m.epoch, meta: m.meta, createdAt: Date.now() });
        this.publish('run.artefact', rec);
        return;
      }
      case 'sample':
        this.store.insertSample({ runId: id, step: m.step, epoch: m.epoch, kind: m.kind, text: m.text, data: m.data, createdAt: Date.now() });
        this.publish('run.sample', { runId: id, step: m.step, epoch: m.epoch, kind: m.kind, text: m.text, data: m.data });
        return;
      case 'done':
        a.outcome = m.outcome;
        a.summary = m.summary;
        return;
      case 'error':
        a.error = m.message;
        if (m.stack) this.log(id, 'error', m.stack);
        return;
    }
  }

  private finish(a: Active, code: number | null, signal: string | null, stderrTail: string): void {
    if (a.finished) return;
    a.finished = true;
    if (a.killTimer) clearTimeout(a.killTimer);
    this.active.delete(a.runId);
    const now = Date.now();
    const id = a.runId;
    try {
      if (a.outcome && !a.error) {
        this.store.updateRun(id, { status: a.outcome, endedAt: now, exitCode: code, summary: a.summary });
        this.log(id, 'info', `run ${a.outcome}`);
      } else if (this.closed) {
        this.store.updateRun(id, { status: 'interrupted', endedAt: now, exitCode: code, error: a.error ?? 'the workbench shut down during this run' });
      } else if (a.stopRequested && !a.error) {
        this.store.updateRun(id, { status: 'stopped', endedAt: now, exitCode: code });
      } else {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const msg = a.error ?? `the engine ${how} without finishing${stderrTail ? `: ${stderrTail}` : ''}`;
        this.store.updateRun(id, { status: 'failed', endedAt: now, exitCode: code, error: msg });
        this.log(id, 'error', `run failed: ${msg} (engine ${how})`);
      }
    } catch (e) {
      process.stderr.write(`mlbl: could not record the end of run ${id}: ${(e as Error).message}\n`);
    }
    this.emitStatus(id);
    this.resolveWaiters(id);
    setImmediate(() => this.pump());
  }

  private resolveWaiters(id: string): void {
    const r = this.get(id);
    const list = this.waiters.get(id);
    this.waiters.delete(id);
    if (r) for (const w of list ?? []) w(r);
  }

  private log(runId: string, level: 'info' | 'warn' | 'error', message: string): void {
    const rec = { runId, ts: Date.now(), level, message };
    this.store.insertLog(rec);
    this.publish('run.log', rec);
  }

  private emitStatus(id: string): void {
    const r = this.get(id);
    if (r) this.publish('run.status', r);
  }
}

function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
