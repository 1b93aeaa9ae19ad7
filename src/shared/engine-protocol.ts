/** Typed messages between the run manager (src/main/runs) and an engine process. */
import type { MetricPoint } from './api';
import type { RunSpec } from './run-spec';
import type { ActivationsJob, ActivationsResult } from './convnet-spec';
import type { EngineJob } from './engine-jobs';

export type HostToEngine =
  /**
   * `resumeFrom`: continue this run in place from a checkpoint folder the host chose (its last
   * good one, inside runDir): the step count, optimizer state and random streams go on from there.
   */
  | { type: 'start'; runId: string; spec: RunSpec; runDir: string; resumeFrom?: string }
  | { type: 'stop' }
  /** Like 'stop', but always writes a checkpoint first (the run ends `paused`, resumable). */
  | { type: 'pause' }
  /**
   * A short job outside any run (activation maps from a checkpoint), answered by 'inspected' with
   * the same requestId. The process stays up for further jobs until 'stop' (or the host's exit).
   */
  | { type: 'inspect'; requestId: number; job: ActivationsJob }
  /** A host job (feature extraction, LM eval/decode/retrieval; engine-jobs.ts), answered by 'job-progress'* and one 'job-done'. */
  | { type: 'job'; requestId: number; job: EngineJob };

export type EngineToHost =
  | { type: 'ready' }
  | { type: 'started'; backend: string; seed: number; skipped: { backend: string; reason: string }[] }
  | { type: 'metrics'; points: (MetricPoint & { key: string })[] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'artefact'; kind: string; file: string; step: number; epoch: number; meta: Record<string, unknown> }
  | { type: 'progress'; epoch: number; epochs: number; step: number; stepsPerEpoch: number }
  | { type: 'sample'; step: number; epoch: number; kind: string; text: string; data: unknown }
  | { type: 'done'; outcome: 'completed' | 'stopped'; summary: Record<string, number> }
  | { type: 'error'; message: string; stack?: string }
  /** A NaN or infinite loss (or weights) at `step`: the run ends `diverged`; no checkpoint is written from those weights. */
  | { type: 'diverged'; step: number; loss: number; message: string }
  | { type: 'inspected'; requestId: number; result?: ActivationsResult; error?: string }
  | { type: 'job-progress'; requestId: number; progress: unknown }
  | { type: 'job-done'; requestId: number; result?: unknown; error?: string };
