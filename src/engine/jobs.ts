/**
 * Host jobs in an engine process (engine-jobs.ts): one at a time; progress and the answer go
 * back with the job's requestId; an error answers the job and leaves the process up for the next.
 * The backend is chosen once (auto: tfjs-node, else wasm, else cpu).
 */
import type { EngineJob } from '../shared/engine-jobs';
import type { HostToEngine } from '../shared/engine-protocol';
import { selectBackend } from './backend';
import type { Channel } from './channel';
import { runFeatureJob } from './features/main-extract';
import { runClassifierEvalJob, runClassifierPredictJob } from './inspect/classifier';
import { runCaptionSplitJob, runDecodeJob, runEvalJob, runRetrieveJob } from './lm/serve';

let backend: Promise<unknown> | null = null;

function dispatch(job: EngineJob, progress: (p: unknown) => void): Promise<unknown> {
  switch (job.kind) {
    case 'features':
      return runFeatureJob(job, progress);
    case 'lm-eval':
      return runEvalJob(job, progress);
    case 'lm-decode':
      return runDecodeJob(job);
    case 'lm-retrieve':
      return runRetrieveJob(job);
    case 'lm-caption-split':
      return runCaptionSplitJob(job, progress);
    case 'classifier-eval':
      return runClassifierEvalJob(job, progress);
    case 'classifier-predict':
      return runClassifierPredictJob(job);
    default:
      return Promise.reject(new Error(`unknown job ${(job as { kind: string }).kind}`));
  }
}

export async function runJob(msg: Extract<HostToEngine, { type: 'job' }>, channel: Channel): Promise<void> {
  const { requestId } = msg;
  try {
    backend ??= selectBackend('auto');
    await backend;
    const result = await dispatch(msg.job, (progress) => channel.send({ type: 'job-progress', requestId, progress }));
    channel.send({ type: 'job-done', requestId, result });
  } catch (e) {
    channel.send({ type: 'job-done', requestId, error: e instanceof Error ? e.message : String(e) });
  }
}
