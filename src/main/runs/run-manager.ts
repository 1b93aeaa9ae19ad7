import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Events, EventName, RunPhaseName, RunRecord, RunStatus } from '../../shared/api';
import { ApiError, isTerminal } from '../../shared/api';
import type { EngineToHost } from '../../shared/engine-protocol';
import type { RunSpec } from '../../shared/run-spec';
import { runFolder } from '../store/data-paths';
import { HOST_HEARTBEAT_MS } from '../store/hosts';
import type { Store } from '../store/store';
import { forkEngine, type EngineLauncher, type EngineProcess } from '../engines/engine-process';
import { damageNote, planResume, rewindRun } from './resume';
import { RunPhases, type PhaseMessage } from './run-phases';
import { liveOwner } from './run-view';

/** Statuses a run can be resumed from (in place, from its last good checkpoint). */
export const RESUMABLE: readonly RunStatus[] = ['paused', 'stopped', 'interrupted', 'failed', 'diverged'];

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
  pauseRequested: boolean;
  diverged?: { step: number; loss: number; message: string };
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
  /** Each run's long phase outside its epochs (feature extraction, decoding), added to its record. */
  private readonly phases = new RunPhases();
  private readonly progressListeners = new Set<(runId: string, p: Extract<EngineToHost, { type: 'progress' }>) => void>();
  /** Runs whose end could not be written to the store (a full disk): what the API reports instead. */
  private readonly unrecorded = new Map<string, Partial<RunRecord>>();
  private readonly store: Store;
  private readonly publish: Publish;
  private readonly launcher: EngineLauncher;
  private closed = false;
  /** This workbench process, as recorded on the runs it owns (store/hosts.ts). */
  readonly hostId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly heartbeat: NodeJS.Timeout;
  concurrency: number;

  constructor(private readonly opts: RunManagerOptions) {
    this.store = opts.store;
    this.publish = opts.publish ?? (() => {});
    this.launcher = opts.launcher ?? forkEngine;
    this.concurrency = opts.concurrency ?? 1;
    // Runs a gone workbench process left behind: their engines went with it. Runs of another live
    // process on the same data directory (mlbl serve beside a CLI command) are its own business.
    const { interrupted, queued } = this.store.startHost({ id: this.hostId, pid: process.pid, machine: os.hostname(), now: Date.now() });
    for (const id of interrupted) {
      this.store.insertLog({ runId: id, ts: Date.now(), level: 'warn', message: 'marked interrupted: the workbench stopped while this run was in progress' });
    }
    this.queue.push(...queued);
    this.heartbeat = setInterval(() => {
      try {
        this.store.touchHost(this.hostId, Date.now());
      } catch {
        // A busy or full database: the next beat tries again, and a host is only presumed gone after HOST_STALE_MS.
      }
    }, HOST_HEARTBEAT_MS);
    this.heartbeat.unref();
    setImmediate(() => this.pump());
  }

  runDir(id: string): string {
    return runFolder(this.opts.dataDir, id);
  }

  /** Queues a new run; `sweepId` groups it with the other runs of a sweep (sweeps/). */
  create(spec: RunSpec, opts: { sweepId?: string } = {}): RunRecord {
    if (this.closed) throw new Error('the run manager is shut down');
    const id = newRunId();
    const name = spec.name?.trim() || `${spec.preset} ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
    let run = this.store.createRun({ id, name, spec, createdAt: Date.now() });
    if (opts.sweepId) {
      this.store.setRunSweep(id, opts.sweepId);
      run = this.store.getRun(id) as RunRecord;
    }
    this.store.setRunHost(id, this.hostId);
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
    return this.requestEnd(id, 'stop');
  }

  /**
   * Asks the engine to write a checkpoint and stop (status `paused`, resumable); a queued run is
   * taken off the queue as paused. Other runs: a conflict error.
   */
  pause(id: string): RunRecord {
    const r = this.mustGet(id);
    if (!this.queue.includes(id) && !this.active.has(id))
      throw new ApiError('conflict', `run ${id} is ${r.status}: only a queued or running run can be paused`);
    return this.requestEnd(id, 'pause') ?? this.mustGet(id);
  }

  /**
   * Continues a paused, stopped, interrupted, failed or diverged run in place (same id) from its
   * last good checkpoint: the run is queued again, and when it starts, what it recorded after that
   * checkpoint is deleted and the engine goes on from there (resume.ts). No checkpoint: it starts over.
   */
  resume(id: string): RunRecord {
    if (this.closed) throw new ApiError('conflict', 'the run manager is shut down');
    const r = this.mustGet(id);
    if (this.active.has(id) || this.queue.includes(id))
      throw new ApiError('conflict', `run ${id} is ${r.status}: it is not finished, so there is nothing to resume`);
    if (!RESUMABLE.includes(r.status)) {
      throw new ApiError(
        'conflict',
        `run ${id} is ${r.status}: only ${RESUMABLE.join(', ')} runs can be resumed${r.status === 'completed' ? ' (a completed run has nothing left to train)' : ''}`,
      );
    }
    this.unrecorded.delete(id);
    this.store.updateRun(id, { status: 'queued', endedAt: null, error: null, exitCode: null });
    this.store.setRunHost(id, this.hostId);
    this.log(id, 'info', `resume requested (the run was ${r.status})`);
    this.queue.push(id);
    this.emitStatus(id);
    setImmediate(() => this.pump());
    return this.mustGet(id);
  }

  /** A queued or running run of another live workbench process cannot be stopped, paused or deleted from here. */
  private refuseIfElsewhere(id: string, what: string): void {
    if (this.queue.includes(id) || this.active.has(id)) return;
    const r = this.store.getRun(id);
    const o = r ? this.otherOwner(r) : null;
    if (r && o) {
      throw new ApiError(
        'conflict',
        `run ${id} is ${r.status} in another workbench process (pid ${o.pid}${o.machine !== os.hostname() ? ` on ${o.machine}` : ''}) on this data directory: ${what} it there`,
      );
    }
  }

  private mustGet(id: string): RunRecord {
    const r = this.get(id);
    if (!r) throw new ApiError('not_found', `no run with id ${id}`);
    return r;
  }

  private requestEnd(id: string, how: 'stop' | 'pause'): RunRecord | null {
    this.refuseIfElsewhere(id, how);
    const qi = this.queue.indexOf(id);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.store.updateRun(id, { status: how === 'pause' ? 'paused' : 'stopped', endedAt: Date.now() });
      this.emitStatus(id);
      this.resolveWaiters(id);
    }
    const a = this.active.get(id);
    if (a && !a.stopRequested) {
      a.stopRequested = true;
      a.pauseRequested = how === 'pause';
      a.proc.send({ type: how });
      this.log(id, 'info', how === 'pause' ? 'pause requested: the engine writes a checkpoint and stops' : 'stop requested');
      a.killTimer = setTimeout(() => {
        this.log(id, 'warn', `engine did not stop within ${this.grace()} ms; killed`);
        a.proc.kill();
      }, this.grace());
    }
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    this.refuseIfElsewhere(id, 'delete');
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
    if (deleted) this.publish('run.deleted', { id });
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
    clearInterval(this.heartbeat);
    const waits = [...this.active.keys()].map((id) => this.waitFor(id));
    for (const a of this.active.values()) {
      a.error = 'the workbench shut down during this run';
      a.proc.kill();
    }
    await Promise.all(waits);
    // Gone: the next workbench process on this data directory takes over the queue at once.
    try {
      this.store.removeHost(this.hostId);
    } catch {
      // The row goes stale after HOST_STALE_MS anyway.
    }
  }

  private grace(): number {
    return this.opts.stopGraceMs ?? 10_000;
  }

  /** A stored record as this process reports it: queue position, an unrecorded end, and the run's owner if another process has it. */
  decorate(r: RunRecord): RunRecord {
    const qi = this.queue.indexOf(r.id);
    return { ...r, ...this.unrecorded.get(r.id), queuePosition: qi >= 0 ? qi + 1 : null, owner: this.otherOwner(r), phase: this.phases.get(r.id) };
  }

  private otherOwner(r: RunRecord): RunRecord['owner'] {
    if (this.queue.includes(r.id) || this.active.has(r.id)) return null;
    return liveOwner(this.store, r, this.hostId);
  }

  private pump(): void {
    // Scheduled with setImmediate: the host may have shut down (and closed the store) since.
    if (this.closed) return;
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
    let resumeFrom: string | undefined;
    try {
      // A run that ran before is resumed in place from its last good checkpoint (resume.ts).
      if (run.startedAt !== null) resumeFrom = this.prepareResume(run.id, dir);
      fs.mkdirSync(dir, { recursive: true });
      this.store.updateRun(run.id, run.startedAt !== null ? { status: 'running' } : { status: 'running', startedAt: Date.now() });
      proc = this.launcher(this.opts.engineEnv);
    } catch (e) {
      const what = resumeFrom === undefined && run.startedAt !== null ? 'could not resume' : 'could not start the engine';
      const store = String((e as { code?: unknown }).code ?? '').startsWith('SQLITE_') ? ` (${this.store.file})` : '';
      const error = `${what}: ${(e as Error).message}${store}`;
      this.safely(run.id, () => this.store.updateRun(run.id, { status: 'failed', endedAt: Date.now(), error }), { status: 'failed', error });
      this.emitStatus(run.id);
      this.resolveWaiters(run.id);
      return;
    }
    this.watch(run.id, proc, dir);
    proc.send({ type: 'start', runId: run.id, spec: run.spec, runDir: dir, ...(resumeFrom ? { resumeFrom } : {}) });
  }

  /**
   * Takes a run back that is training elsewhere and whose events `proc` delivers from where this
   * host stopped storing them (a remote run after its coordinator reopened, queue/): the run is
   * running again here, with nothing rewound and no start sent.
   */
  adopt(id: string, proc: EngineProcess): void {
    if (this.closed || this.active.has(id)) return;
    this.store.updateRun(id, { status: 'running', endedAt: null, error: null, exitCode: null });
    this.store.setRunHost(id, this.hostId);
    this.log(id, 'info', 'catching up on what the worker recorded while this workbench was closed');
    this.watch(id, proc, this.runDir(id));
  }

  private watch(runId: string, proc: EngineProcess, dir: string): void {
    const a: Active = { runId, proc, stopRequested: false, pauseRequested: false, finished: false, summary: {} };
    this.active.set(runId, a);
    this.emitStatus(runId);
    proc.onMessage((m) => {
      try {
        this.handle(a, m, dir);
      } catch (e) {
        // A store failure (a full disk, an unwritable data directory) must not take the host down:
        // the run ends failed with the reason and the database file it concerns.
        a.error ??= `host could not record the engine's ${m.type} message in ${this.store.file}: ${(e as Error).message}`;
        proc.kill();
      }
    });
    proc.onExit((code, signal, stderrTail) => this.finish(a, code, signal, stderrTail));
  }

  /** Rewinds the run's records to its last good checkpoint; returns that folder (undefined: start over). */
  private prepareResume(id: string, dir: string): string | undefined {
    const plan = planResume(this.store, id, dir);
    const damage = damageNote(plan);
    if (!plan.checkpoint && damage) {
      // Every checkpoint is damaged: deleting the run's history to restart it would lose what a
      // restored backup could still save, so the resume fails and changes nothing.
      throw new Error(`${damage}. Nothing was deleted: restore the run's folder (${dir}) from a backup and resume again, or train the same spec as a new run`);
    }
    if (damage) this.log(id, 'warn', damage);
    const gone = rewindRun(this.store, id, dir, plan);
    for (const r of plan.rejected) this.log(id, 'warn', `resume: checkpoint ${r}; not used`);
    const removed = `deleted what was recorded after it: ${gone.metrics} metric points, ${gone.samples} samples, ${gone.artefacts} artefacts${gone.folders.length ? `, ${gone.folders.length} files or folders` : ''}`;
    if (plan.checkpoint) {
      this.log(id, 'info', `resuming from the checkpoint at step ${plan.steps} (epoch ${plan.epoch}, ${path.relative(dir, plan.checkpoint)}); ${removed}`);
      return plan.checkpoint;
    }
    this.log(id, 'info', `resuming: no checkpoint was recorded, so the run starts over from step 0; ${removed}`);
    return undefined;
  }

  private handle(a: Active, m: EngineToHost, dir: string): void {
    const id = a.runId;
    switch (m.type) {
      case 'ready':
        return;
      case 'started':
        this.phases.clear(id);
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
        if (this.phases.clear(id)) this.emitStatus(id);
        for (const l of this.progressListeners) l(id, m);
        return;
      case 'phase':
        if (this.phases.update(id, m, Date.now())) this.emitStatus(id);
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
      case 'diverged':
        a.diverged = { step: m.step, loss: m.loss, message: m.message };
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
    let end: { status: RunStatus; error?: string | null; summary?: Record<string, number> };
    let note: { level: 'info' | 'error'; message: string } | null = null;
    if (a.diverged) {
      // Whatever happened next (a stop, an error), a NaN or infinite loss is why this run ended.
      end = { status: 'diverged', error: a.diverged.message, ...(a.outcome ? { summary: a.summary } : {}) };
      note = {
        level: 'error',
        message: `run diverged at step ${a.diverged.step}; it can be resumed from its last good checkpoint, but with the same settings it will likely diverge again (a lower learning rate is the usual fix)`,
      };
    } else if (a.outcome && !a.error) {
      end = { status: a.outcome === 'stopped' && a.pauseRequested ? 'paused' : a.outcome, summary: a.summary };
      note = { level: 'info', message: `run ${end.status}` };
    } else if (this.closed) {
      end = { status: 'interrupted', error: a.error ?? 'the workbench shut down during this run' };
    } else if (a.stopRequested && !a.error) {
      end = { status: a.pauseRequested ? 'paused' : 'stopped' };
    } else {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const msg = a.error ?? `the engine ${how} without finishing${stderrTail ? `: ${stderrTail}` : ''}`;
      end = { status: 'failed', error: msg };
      note = { level: 'error', message: `run failed: ${msg} (engine ${how})` };
    }
    this.phases.clear(id);
    this.safely(id, () => this.store.updateRun(id, { ...end, endedAt: now, exitCode: code }), {
      status: end.status,
      error: end.error ?? null,
      endedAt: now,
      exitCode: code,
    });
    if (note) this.log(id, note.level, note.message);
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

  /** A log line in the store and to subscribers; a store that cannot take it (a full disk) does not stop the caller. */
  private log(runId: string, level: 'info' | 'warn' | 'error', message: string): void {
    const rec = { runId, ts: Date.now(), level, message };
    try {
      this.store.insertLog(rec);
    } catch (e) {
      process.stderr.write(`mlbl: could not record a log line of run ${runId} in ${this.store.file}: ${(e as Error).message}\n`);
    }
    this.publish('run.log', rec);
  }

  /**
   * Runs a store write; if it fails (a full disk), the run's status as `fallback` is what the API
   * reports until the host restarts (which marks an unfinished run interrupted).
   */
  private safely(id: string, write: () => void, fallback: Partial<RunRecord>): void {
    try {
      write();
      this.unrecorded.delete(id);
    } catch (e) {
      const err = `could not record the end of run ${id} in ${this.store.file}: ${(e as Error).message}`;
      process.stderr.write(`mlbl: ${err}\n`);
      this.unrecorded.set(id, { ...fallback, error: [fallback.error, err].filter(Boolean).join('; ') });
    }
  }

  /**
   * A long phase the host does for a run outside its engine (an export's captions), shown like the
   * engine's own phases. A phase the engine is in (extraction, decoding for BLEU) comes first: the
   * export's count then stays out of the run's record rather than restarting the engine's estimate.
   */
  reportPhase(id: string, m: Omit<PhaseMessage, 'type'>): void {
    const cur = this.phases.get(id);
    if (cur && cur.name !== m.name) return;
    if (this.phases.update(id, { type: 'phase', ...m }, Date.now())) this.emitStatus(id);
  }

  /** Ends a phase reportPhase started (done or failed); another phase the run is in by then stays. */
  endPhase(id: string, name: RunPhaseName): void {
    if (this.phases.get(id)?.name !== name) return;
    this.phases.clear(id);
    this.emitStatus(id);
  }

  /** Tells every client the run's record changed (status, or name, tags and notes edited through the API). */
  emitStatus(id: string): void {
    const r = this.get(id);
    if (r) this.publish('run.status', r);
  }
}

function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
