/** Typed messages between the run manager (src/main/runs) and an engine process. */
import type { MetricPoint } from './api';
import type { RunSpec } from './run-spec';
import type { ActivationsJob, ActivationsResult } from './convnet-spec';

export type HostToEngine =
  | { type: 'start'; runId: string; spec: RunSpec; runDir: string }
  | { type: 'stop' }
  /**
   * A short job outside any run (activation maps from a checkpoint), answered by 'inspected' with
   * the same requestId. The process stays up for further jobs until 'stop' (or the host's exit).
   */
  | { type: 'inspect'; requestId: number; job: ActivationsJob };

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
  | { type: 'inspected'; requestId: number; result?: ActivationsResult; error?: string };
