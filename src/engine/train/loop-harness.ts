/**
 * The training-loop machinery both trainers share (ConvNet: convnet-trainer.ts, language models:
 * lm/train.ts): epochs of batches from a resume position, stop and pause requests between
 * batches, divergence (a NaN or infinite loss, or non-finite weights at checkpoint time, ends the
 * run with a 'diverged' message and no checkpoint of those weights), early stopping with
 * patience, checkpoints (the metrics measured before a checkpoint are flushed ahead of it: the
 * host trusts a checkpoint only once it has its message, src/main/runs/resume.ts), metric
 * batching (every 250 ms with a progress message, and whatever was measured when training
 * throws) and injected faults. Each trainer supplies only what is model-specific: its batches,
 * forward/backward, evaluation and checkpoint format, through LoopHooks.
 */
import type { EngineToHost } from '../../shared/engine-protocol';
import { injectedFault } from '../faults';

export interface TrainContext {
  emit(msg: EngineToHost): void;
  /** True once the host asked the run to stop; checked between batches. */
  stopRequested(): boolean;
  /** True once the host asked for a pause: stop, but always write a checkpoint first. */
  pauseRequested?(): boolean;
  /** Resume this run in place from this checkpoint folder (chosen by the host); overrides params.resumeFrom. */
  resumeFrom?: string;
  runDir: string;
}

export type Points = Extract<EngineToHost, { type: 'metrics' }>['points'];

export const METRIC_FLUSH_MS = 250;

/** The sums of the epoch being trained (restored mid-epoch on resume when a trainer records them). */
export interface EpochStats {
  /** Sum of each batch's loss times its weight (LoopHooks.trainBatch). */
  lossSum: number;
  /** Items (images, words) trained on. */
  items: number;
  batches: number;
  /** Milliseconds spent in trainBatch. */
  ms: number;
}

export const emptyStats = (): EpochStats => ({ lossSum: 0, items: 0, batches: 0, ms: 0 });

export interface Best {
  value: number;
  epoch: number;
}

/** Where a checkpoint sits: `batchInEpoch` batches into epoch `epochsDone + 1` (0 at an epoch's end). */
export interface CheckpointAt {
  reason: 'stop' | 'epoch';
  epochsDone: number;
  batchInEpoch: number;
  /** The epoch just evaluated improved on the best (epoch checkpoints only). */
  improved: boolean;
  /** Sums of the partial epoch (stop checkpoints), zero at an epoch's end. */
  stats: EpochStats;
  pausing: boolean;
}

export interface LoopHooks {
  /** An epoch starts (also a resumed one, before its done batches are skipped): learning rate, shuffle. */
  beginEpoch(epoch: number): void;
  /** One optimisation step on batch `batch` of `epoch`: its loss, the items in it and the loss's weight in the epoch's sum (default: items). */
  trainBatch(epoch: number, batch: number): Promise<{ loss: number; items: number; weight?: number }> | { loss: number; items: number; weight?: number };
  /** After a good step (the step count already advanced): periodic samples; its time is not training time. */
  afterBatch?(epoch: number, batch: number): void;
  /**
   * Evaluates an epoch (a partial one when `partial`: a stop with evaluateStoppedEpoch) and adds
   * its points; returns the monitored value early stopping and the best checkpoint compare.
   */
  evaluate(epoch: number, stats: EpochStats, partial: boolean): Promise<number> | number;
  /** After the evaluated epoch's points are flushed: its log line, the best weights, snapshots. */
  epochDone?(epoch: number, improved: boolean, partial: boolean): Promise<void> | void;
  /** An epoch that ends without evaluation (stop, pause, divergence). */
  epochCut?(epoch: number, stats: EpochStats): void;
  /** Whether to write a checkpoint here (the harness already skips step 0 and a step that has one). */
  wantsCheckpoint(at: CheckpointAt): boolean;
  /** Writes a checkpoint at the current step; false (nothing written) when the weights are not finite. */
  writeCheckpoint(at: CheckpointAt): Promise<boolean> | boolean;
  /** The 'diverged' message's text for a bad loss at `step`, or (`loss` NaN, `weights`) weights gone bad by then. */
  divergedMessage(d: { step: number; loss: number; cause: 'loss' | 'weights'; lastCheckpointStep: number }): string;
  /** Patience ran out after `epoch`. */
  earlyStop?(epoch: number, best: Best | null): void;
  /** Sets every weight to NaN (the MLBL_FAULT=nan crash test). */
  poison?(): void;
}

export interface LoopOptions {
  ctx: TrainContext;
  epochs: number;
  stepsPerEpoch: number;
  /** 0 = no early stopping. */
  patience: number;
  /** True when `value` is better than `than` (the monitored metric's direction). */
  better(value: number, than: number): boolean;
  /** performance.now() at the run's start (the points' wallTime). */
  startedAt?: number;
  /** A stop (not a pause) still evaluates the partial epoch (the language models); otherwise a stop ends promptly. */
  evaluateStoppedEpoch?: boolean;
  /** The resume position and early-stopping state; a fresh run starts at step 0, epoch 1. */
  resume?: {
    step: number;
    epochsDone: number;
    batchInEpoch: number;
    /** Sums of the partial epoch at `batchInEpoch` (zero when the trainer does not record them). */
    stats?: EpochStats;
    best: Best | null;
    sinceBest: number;
    /** The step of the checkpoint resumed from (a stop at this very step writes no other). */
    lastCheckpointStep?: number;
  };
  /** The best before any training (the language models' epoch-0 validation perplexity). */
  initialBest?: Best | null;
}

export interface LoopResult {
  /** A stop or pause request ended the loop. */
  stopped: boolean;
  /** The step a bad loss (or bad weights) was found at, or null. */
  divergedAt: number | null;
  stoppedEarly: boolean;
  /** The last epoch evaluated in full (startEpoch - 1 when none). */
  lastEpochDone: number;
}

/** Runs the epochs; the trainer reads step, best and sinceBest for its own checkpoints and logs. */
export class TrainingLoop {
  step: number;
  best: Best | null;
  sinceBest: number;
  lastCheckpointStep: number;
  /** Items and training milliseconds of this process (every batch, evaluated or not). */
  readonly totals = { items: 0, ms: 0 };
  stopped = false;
  divergedAt: number | null = null;
  private pending: Points = [];
  private lastFlush = performance.now();
  private readonly t0: number;
  readonly startEpoch: number;
  private readonly skipBatches: number;
  private readonly resumedStats: EpochStats | null;

  constructor(
    private readonly o: LoopOptions,
    private readonly hooks: LoopHooks,
  ) {
    const r = o.resume;
    this.t0 = o.startedAt ?? performance.now();
    this.step = r?.step ?? 0;
    this.best = r ? r.best : (o.initialBest ?? null);
    this.sinceBest = r?.sinceBest ?? 0;
    this.lastCheckpointStep = r?.lastCheckpointStep ?? -1;
    this.startEpoch = (r?.epochsDone ?? 0) + 1;
    this.skipBatches = r?.batchInEpoch ?? 0;
    this.resumedStats = r?.stats ?? null;
  }

  /** Seconds since the run started. */
  wall(): number {
    return (performance.now() - this.t0) / 1000;
  }

  point(key: string, step: number, epoch: number, value: number): void {
    this.pending.push({ key, step, epoch, wallTime: this.wall(), value });
  }

  /** Sends the points measured so far. */
  flush(): void {
    if (this.pending.length) this.o.ctx.emit({ type: 'metrics', points: this.pending });
    this.pending = [];
    this.lastFlush = performance.now();
  }

  get diverged(): boolean {
    return this.divergedAt !== null;
  }

  private diverge(step: number, loss: number, cause: 'loss' | 'weights'): void {
    this.divergedAt = step;
    const message = this.hooks.divergedMessage({ step, loss, cause, lastCheckpointStep: this.lastCheckpointStep });
    this.o.ctx.emit({ type: 'log', level: 'error', message });
    this.o.ctx.emit({ type: 'diverged', step, loss, message });
  }

  /** A checkpoint at the current step, after the points measured before it; false when the weights went bad (the run has diverged). */
  private async checkpoint(at: CheckpointAt): Promise<boolean> {
    if (this.step === 0 || this.step === this.lastCheckpointStep || !this.hooks.wantsCheckpoint(at)) return true;
    this.flush();
    if (!(await this.hooks.writeCheckpoint(at))) {
      this.diverge(Math.max(0, this.step - 1), Number.NaN, 'weights');
      return false;
    }
    this.lastCheckpointStep = this.step;
    return true;
  }

  async run(): Promise<LoopResult> {
    const { o, hooks } = this;
    const { ctx, stepsPerEpoch } = o;
    const fault = injectedFault();
    let stoppedEarly = false;
    let lastEpochDone = this.startEpoch - 1;
    try {
      for (let epoch = this.startEpoch; epoch <= o.epochs; epoch++) {
        hooks.beginEpoch(epoch);
        const first = epoch === this.startEpoch ? this.skipBatches : 0;
        const stats = first > 0 && this.resumedStats ? { ...this.resumedStats } : emptyStats();
        let pausing = false;
        for (let b = first; b < stepsPerEpoch; b++) {
          // `send` passes the garbage fault's malformed messages on unchecked: that is its point.
          if (fault?.step === this.step) fault.fire({ poison: hooks.poison, send: (m) => ctx.emit(m as EngineToHost) });
          if (ctx.stopRequested()) {
            this.stopped = true;
            pausing = ctx.pauseRequested?.() ?? false;
            await this.checkpoint({ reason: 'stop', epochsDone: epoch - 1, batchInEpoch: b, improved: false, stats: { ...stats }, pausing });
            break;
          }
          const t = performance.now();
          const r = await hooks.trainBatch(epoch, b);
          if (!Number.isFinite(r.loss)) {
            this.diverge(this.step, r.loss, 'loss');
            break;
          }
          const ms = performance.now() - t;
          stats.ms += ms;
          stats.lossSum += r.loss * (r.weight ?? r.items);
          stats.items += r.items;
          stats.batches++;
          this.totals.items += r.items;
          this.totals.ms += ms;
          this.point('loss', this.step, epoch - 1 + (b + 1) / stepsPerEpoch, r.loss);
          this.step++;
          hooks.afterBatch?.(epoch, b);
          if (performance.now() - this.lastFlush > METRIC_FLUSH_MS) {
            this.flush();
            ctx.emit({ type: 'progress', epoch, epochs: o.epochs, step: b + 1, stepsPerEpoch });
          }
          // Let the stop message (a macrotask) through between batches.
          await new Promise((r) => setImmediate(r));
        }
        // A pause (and, unless the trainer evaluates partial epochs, a stop) ends promptly: the partial epoch is not evaluated.
        const partial = this.stopped;
        if (this.diverged || stats.items === 0 || (partial && (pausing || !o.evaluateStoppedEpoch))) {
          hooks.epochCut?.(epoch, stats);
          break;
        }
        const value = await hooks.evaluate(epoch, stats, partial);
        const improved = this.best === null || o.better(value, this.best.value);
        if (improved) {
          this.best = { value, epoch };
          this.sinceBest = 0;
        } else {
          this.sinceBest++;
        }
        if (!partial) lastEpochDone = epoch;
        this.flush();
        await hooks.epochDone?.(epoch, improved, partial);
        if (partial) break;
        if (!(await this.checkpoint({ reason: 'epoch', epochsDone: epoch, batchInEpoch: 0, improved, stats: emptyStats(), pausing: false }))) break;
        if (o.patience > 0 && this.sinceBest >= o.patience && epoch < o.epochs) {
          stoppedEarly = true;
          hooks.earlyStop?.(epoch, this.best);
          break;
        }
      }
      this.flush();
      return { stopped: this.stopped, divergedAt: this.divergedAt, stoppedEarly, lastEpochDone };
    } finally {
      // Whatever ended the loop (an error included), the points measured so far reach the host.
      this.flush();
    }
  }
}
