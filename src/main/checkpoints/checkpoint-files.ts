/**
 * Checkpoint and artefact files of a run, found from SQLite and checked to lie inside the run's
 * folder: shared by inspection (activation maps), features (a ConvNet run as an extractor) and
 * exports, which otherwise know nothing of each other.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type ArtefactRecord } from '../../shared/api';
import type { CheckpointChoice, CheckpointMeta } from '../../shared/convnet-spec';
import { runFolder } from '../store/data-paths';
import type { Store } from '../store/store';

/** The artefact's file, checked to lie inside the run's folder. */
export function artefactFile(store: Store, runId: string, artefactId: number, kind: string): string {
  const a = store.artefactPath(runId, artefactId);
  if (!a || a.kind !== kind) throw new ApiError('not_found', `run ${runId} has no ${kind} artefact ${artefactId}`);
  const root = path.resolve(runFolder(store.dataDir, runId));
  if (!path.resolve(a.path).startsWith(root + path.sep)) throw new ApiError('internal', 'artefact outside its run folder');
  return a.path;
}

/** The checkpoint artefact `choice` names: the latest best one, the latest one, or an id. */
export function chooseCheckpoint(list: ArtefactRecord[], choice: CheckpointChoice): ArtefactRecord | undefined {
  if (typeof choice === 'number') return list.find((a) => a.id === choice);
  if (choice === 'best') return list.filter((a) => (a.meta as unknown as CheckpointMeta).best).at(-1) ?? list.at(-1);
  return list.at(-1);
}

/**
 * model.json of a run's checkpoint (TF.js layers format, loadable by any file-system tf.io
 * handler), e.g. for `mlbl features --from-run ID`. A stack with conv1d padding needs
 * src/engine/models/convnet imported first (it registers ZeroPadding1D).
 */
export function checkpointModelJson(store: Store, runId: string, choice: CheckpointChoice = 'best'): { file: string; artefact: ArtefactRecord } {
  const list = store.artefacts(runId, 'checkpoint');
  if (list.length === 0) throw new ApiError('not_found', `run ${runId} has no checkpoints (ConvNet runs write one per epoch unless checkpointEvery is 0)`);
  const ck = chooseCheckpoint(list, choice);
  if (!ck) throw new ApiError('not_found', `run ${runId} has no checkpoint ${String(choice)}`);
  const file = artefactFile(store, runId, ck.id, 'checkpoint');
  if (!fs.existsSync(file)) throw new ApiError('not_found', `checkpoint ${ck.id} of run ${runId} is gone from disk (${path.dirname(file)})`);
  return { file, artefact: ck };
}
