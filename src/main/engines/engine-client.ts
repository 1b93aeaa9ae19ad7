/**
 * The one request client of an engine process outside the run queue: host jobs (engine-jobs.ts:
 * feature extraction, LM eval/decode/retrieval, sent as 'job') and activation maps (sent as
 * 'inspect'). Started on the first job, it answers jobs in order and ends `idleMs` after the last
 * one (0 = right away), or when its owner closes. A crashed engine fails its pending jobs with the
 * reason; the owner starts a fresh one for the next job (see `dead`).
 */
import { ApiError } from '../../shared/api';
import type { ActivationsJob } from '../../shared/convnet-spec';
import type { EngineJob } from '../../shared/engine-jobs';
import type { EngineToHost } from '../../shared/engine-protocol';
import type { EngineProcess } from './engine-process';

/** How long a warm inspection engine (activation maps, a language model's decoder) waits for the next request before it ends. */
export const INSPECT_IDLE_MS = 60_000;

interface Pending {
  resolve(r: unknown): void;
  reject(e: Error): void;
  progress?: (p: unknown) => void;
  timer: NodeJS.Timeout | null;
}

export interface EngineClientOptions {
  /** What the engine is for, in error messages (e.g. "feature extraction", "activation maps"). */
  name: string;
  idleMs: number;
  /** Jobs taking longer fail and the engine is killed (0 = no limit). */
  timeoutMs?: number;
  onDead?: () => void;
}

/** A job's error message, classified: problems with the request (missing files, bad images) are bad_request. */
function jobError(name: string, message: string): ApiError {
  const bad = /cannot decode|no row|does not exist|no such file|ENOENT|not an? |expected a data URL|holds no bytes|has no |needs |outside|takes \[/i.test(
    message,
  );
  return new ApiError(bad ? 'bad_request' : 'internal', `${name}: ${message}`);
}

export class EngineClient {
  private readonly proc: EngineProcess;
  private readonly ready: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idle: NodeJS.Timeout | null = null;
  dead = false;

  constructor(
    spawn: () => EngineProcess,
    private readonly o: EngineClientOptions,
  ) {
    this.proc = spawn();
    let markReady = (): void => {};
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    this.proc.onMessage((m: EngineToHost) => {
      if (m.type === 'ready') markReady();
      else if (m.type === 'job-progress') this.pending.get(m.requestId)?.progress?.(m.progress);
      else if (m.type === 'job-done' || m.type === 'inspected') this.settle(m.requestId, m.error, m.result);
    });
    this.proc.onExit((code, signal, tail) => {
      this.die();
      markReady();
      const err = new ApiError('internal', `the ${o.name} engine ended (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`);
      for (const p of this.pending.values()) {
        if (p.timer) clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  async run<R>(job: EngineJob | ActivationsJob, progress?: (p: unknown) => void): Promise<R> {
    if (this.dead) throw new ApiError('internal', `the ${this.o.name} engine has ended`);
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      if (this.o.timeoutMs) {
        timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new ApiError('internal', `${this.o.name} took longer than ${Math.round((this.o.timeoutMs as number) / 1000)} s; engine killed`));
          this.stop();
        }, this.o.timeoutMs);
      }
      this.pending.set(id, { resolve, reject, progress, timer });
    });
    answer.catch(() => {});
    await this.ready;
    if (this.dead) {
      const p = this.pending.get(id);
      if (p) {
        if (p.timer) clearTimeout(p.timer);
        this.pending.delete(id);
        p.reject(new ApiError('internal', `the ${this.o.name} engine ended before it was ready`));
      }
    } else {
      // Activation maps have a message of their own in the engine protocol; every other job is a 'job'.
      this.proc.send(job.kind === 'activations' ? { type: 'inspect', requestId: id, job } : { type: 'job', requestId: id, job });
    }
    return answer as Promise<R>;
  }

  stop(): void {
    this.die();
    this.proc.kill();
  }

  private die(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.idle) clearTimeout(this.idle);
    this.o.onDead?.();
  }

  private settle(id: number, error: string | undefined, result: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if (error !== undefined) p.reject(jobError(this.o.name, error));
    else p.resolve(result);
    if (this.pending.size === 0 && !this.dead) {
      if (this.o.idleMs <= 0) this.stop();
      else {
        this.idle = setTimeout(() => this.stop(), this.o.idleMs);
        this.idle.unref();
      }
    }
  }
}
