/**
 * A remote run whose worker was lost goes on, on another worker, from the newest checkpoint the
 * stream announced. Before the new worker's messages are stored, what the coordinator recorded
 * after that checkpoint is deleted (the same rewind as an in-place resume, resume.ts), so every
 * metric step is stored once and none after the checkpoint is lost.
 */
import path from 'node:path';
import { rewindRun, type ResumePlan } from '../runs/resume';
import type { Store } from '../store/store';

/** Rewinds the run to `checkpoint` (a folder relative to the run folder; null: step 0); returns the log line. */
export function rewindForTakeover(store: Store, runId: string, runDir: string, checkpoint: string | null, worker: string): string {
  const row = checkpoint
    ? store
        .artefacts(runId)
        .filter((a) => (a.kind === 'checkpoint' || a.kind === 'resume') && a.meta.dir === checkpoint && typeof a.meta.steps === 'number')
        .sort((a, b) => b.id - a.id)[0]
    : undefined;
  const plan: ResumePlan = row
    ? {
        checkpoint: path.resolve(runDir, checkpoint as string),
        steps: row.meta.steps as number,
        epoch: row.epoch,
        artefactId: row.id,
        rejected: [],
        damaged: [],
      }
    : { checkpoint: null, steps: 0, epoch: 0, artefactId: null, rejected: [], damaged: [] };
  const gone = rewindRun(store, runId, runDir, plan);
  const removed = `deleted what was recorded after it: ${gone.metrics} metric points, ${gone.samples} samples, ${gone.artefacts} artefacts`;
  return plan.checkpoint
    ? `the worker training this run was lost; worker ${worker} took it over, resuming from the checkpoint at step ${plan.steps} (epoch ${plan.epoch}, ${checkpoint}); ${removed}`
    : `the worker training this run was lost before a checkpoint; worker ${worker} took it over from step 0; ${removed}`;
}
