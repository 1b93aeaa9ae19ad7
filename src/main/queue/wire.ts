/**
 * What travels through Redis between a coordinator (the app, `mlbl serve` or `mlbl sweep` that
 * created a run) and the `mlbl worker` that trains it. Jobs carry specs, never code.
 *
 *   BullMQ queue `mlbl-runs`      jobs { runId, spec, resumeFrom? }; jobId `<runId>.<n>`
 *   run:<id>:events  (stream)     every engine message in order, each tagged with its attempt
 *   run:<id>:files:<path>         files an artefact message names (checkpoint folders, filter
 *                                 snapshots), written before the message that announces them
 *   run:<id>:latest               the newest checkpoint folder announced on the stream (set
 *                                 after its message, so it is always one the coordinator records)
 *   job:<jobId>:attempts          INCR per start of a job: above 1, a worker was lost mid-run
 *   control (pub/sub), run:<id>:control   stop / pause / kill for a run's worker
 */
import type { EngineToHost } from '../../shared/engine-protocol';
import type { RunSpec } from '../../shared/run-spec';

export const QUEUE_NAME = 'mlbl-runs';
/** Every key of ours starts with this, so a Redis shared with other things stays readable. */
export const PREFIX = 'mlbl';

export const keys = {
  events: (runId: string) => `${PREFIX}:run:${runId}:events`,
  files: (runId: string, rel: string) => `${PREFIX}:run:${runId}:files:${rel}`,
  latest: (runId: string) => `${PREFIX}:run:${runId}:latest`,
  control: (runId: string) => `${PREFIX}:run:${runId}:control`,
  attempts: (jobId: string) => `${PREFIX}:job:${jobId}:attempts`,
  blob: (sha: string) => `${PREFIX}:blob:${sha}`,
  controlChannel: `${PREFIX}:control`,
};

export interface RunJob {
  runId: string;
  spec: RunSpec;
  /** A checkpoint folder inside the run folder (relative) to resume from; its files are under run:<id>:files:. */
  resumeFrom?: string;
  /** File inputs of the spec (captions, features) by content hash: param -> { sha256, name }. */
  blobs?: Record<string, { sha256: string; name: string }>;
}

/** A message on a run's event stream: an engine message, or the worker's own. */
export type StreamMessage =
  | { type: 'engine'; msg: EngineToHost; files?: string[] }
  | { type: 'worker'; name: string; takeover: boolean; resumeFrom: string | null }
  | { type: 'exit'; code: number | null; signal: string | null; stderrTail: string };

export type ControlMessage = { runId: string; type: 'stop' | 'pause' | 'kill' };
