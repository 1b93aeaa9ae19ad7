/** The import, off the main thread: one worker_threads Worker per import. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ImportOptions, ImportProgress, ImportReport } from '../../shared/dataset-schema';
import { FileRefusedError } from '../safe-files';
import { SourceError } from './detect';
import { DuplicateSourceError, ImportCancelled, runImport } from './importer';

export type WorkerIn = { type: 'cancel' };
export type WorkerOut =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; report: ImportReport }
  | { type: 'error'; kind: 'source' | 'duplicate' | 'cancelled' | 'internal'; message: string; existing?: { id: string; name: string } };

export interface WorkerData {
  entry?: string;
  opts: ImportOptions;
  dbFile: string;
  concurrency?: number;
}

const port = parentPort;
if (port) {
  const data = workerData as WorkerData;
  const signal = { aborted: false };
  port.on('message', (m: WorkerIn) => {
    if (m.type === 'cancel') signal.aborted = true;
  });
  const send = (m: WorkerOut): void => port.postMessage(m);
  runImport(data.opts, { dbFile: data.dbFile, signal, concurrency: data.concurrency, onProgress: (progress) => send({ type: 'progress', progress }) })
    .then((report) => send({ type: 'done', report }))
    .catch((e: unknown) => {
      const err = e as Error;
      if (e instanceof DuplicateSourceError) send({ type: 'error', kind: 'duplicate', message: err.message, existing: e.existing });
      else if (e instanceof ImportCancelled) send({ type: 'error', kind: 'cancelled', message: err.message });
      else if (e instanceof SourceError || e instanceof FileRefusedError) send({ type: 'error', kind: 'source', message: err.message });
      else send({ type: 'error', kind: 'internal', message: err.stack ?? err.message });
    })
    .finally(() => port.close());
}
