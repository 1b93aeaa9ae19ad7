/**
 * `mlbl worker --queue redis://HOST:PORT [--concurrency N] [--data-dir DIR] [--name NAME]`: trains
 * runs from the job queue until Ctrl-C / SIGTERM (src/main/queue/worker.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../main/data-dir';
import { resolveQueueUrl } from '../main/queue/queue-url';
import { startQueueWorker } from '../main/queue/worker';

export const WORKER_USAGE = `  mlbl worker --queue redis://[:PASSWORD@]HOST:PORT [--concurrency N] [--data-dir DIR] [--name NAME] [--lock-ms MS]
      train runs from the job queue (rediss:// for TLS; MLBL_QUEUE works too); every event goes back
      to the app or \`mlbl serve\`/\`mlbl sweep\` that created the run. Run folders live under DIR/worker
      while they train; a worker lost mid-run costs at most the steps since the last checkpoint (its job
      goes to another worker once its lock, --lock-ms, default 30000, lapses)`;

export async function cmdWorker(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      queue: { type: 'string' },
      concurrency: { type: 'string' },
      'data-dir': { type: 'string' },
      name: { type: 'string' },
      'lock-ms': { type: 'string' },
    },
  });
  const url = resolveQueueUrl(values.queue);
  if (!url) throw new Error('--queue redis://HOST:PORT is required (or MLBL_QUEUE)');
  const concurrency = values.concurrency === undefined ? Math.max(1, Math.floor(os.cpus().length / 2)) : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency ${values.concurrency}: expected a whole number of at least 1`);
  const lockMs = values['lock-ms'] === undefined ? undefined : Number(values['lock-ms']);
  if (lockMs !== undefined && (!Number.isInteger(lockMs) || lockMs < 1000))
    throw new Error(`--lock-ms ${values['lock-ms']}: expected milliseconds, at least 1000`);
  const dataDir = path.join(resolveDataDir(values['data-dir']), 'worker');
  const w = await startQueueWorker({ url, concurrency, dataDir, name: values.name, lockMs });
  await new Promise<void>((resolve) => {
    const end = (): void => {
      process.stderr.write(`worker ${w.name}: stopping\n`);
      resolve();
    };
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
  });
  await w.close();
  return 0;
}
