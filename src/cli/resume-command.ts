/**
 * `mlbl resume RUN_ID [--json] [--data-dir DIR]`: continue a paused, stopped, interrupted, failed
 * or diverged run in place from its last good checkpoint, in the foreground (like `mlbl train`).
 */
import { parseArgs } from 'node:util';
import type { RunRecord } from '../shared/api';
import { resolveDataDir } from '../main/data-dir';
import { createHost } from '../main/host';
import { progressLine } from './format';

export const RESUME_USAGE = `  mlbl resume RUN_ID [--json] [--data-dir DIR]
      continue a paused, stopped, interrupted, failed or diverged run in place (same id) from its
      last good checkpoint: the step count goes on, nothing is recorded twice`;

export async function cmdResume(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new Error('expected one run id: mlbl resume RUN_ID (see `mlbl runs`)');
  const json = values.json;
  const tty = !json && process.stderr.isTTY;
  const host = createHost({ dataDir: resolveDataDir(values['data-dir']), transport: 'websocket' });
  const out = (o: unknown): void => {
    process.stdout.write(JSON.stringify(o) + '\n');
  };
  host.subscribe((event, payload) => {
    const runId = (payload as { runId?: string }).runId;
    if (runId !== undefined && runId !== id) return;
    if (json) {
      if (event === 'run.metrics') out({ event, points: (payload as { points: unknown[] }).points });
      else if (event === 'run.log') out({ event, ...(payload as object) });
    } else if (event === 'run.log') {
      const l = payload as { level: string; message: string };
      if (tty) process.stderr.write('\r\x1b[K');
      process.stderr.write(`${l.level === 'info' ? '' : l.level + ': '}${l.message}\n`);
    }
  });
  if (tty) host.runs.onProgress((_id, p) => process.stderr.write('\r\x1b[K' + progressLine(p)));
  let run: RunRecord;
  try {
    run = (await host.dispatch('runs.resume', { id })) as RunRecord;
  } catch (e) {
    await host.close();
    throw e;
  }
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\npausing (Ctrl-C again to abort)\n');
    void host.dispatch('runs.pause', { id }).catch((e: Error) => process.stderr.write(`mlbl resume: ${e.message}\n`));
  };
  process.on('SIGINT', onSigint);
  if (json) out({ event: 'run.resumed', run });
  else process.stderr.write(`resuming run ${run.id} (${run.name}) in ${host.dataDir}\n`);
  const final = await host.runs.waitFor(run.id);
  process.off('SIGINT', onSigint);
  await host.close();
  if (tty) process.stderr.write('\r\x1b[K');
  if (json) out({ event: 'run.finished', id: final.id, status: final.status, backend: final.backend, error: final.error, metrics: final.summary });
  else
    process.stdout.write(
      `${final.status}: ${Object.entries(final.summary)
        .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
        .join(', ')}${final.error ? `\nerror: ${final.error}` : ''}\n`,
    );
  if (final.status !== 'completed') {
    if (json) process.stderr.write(`mlbl resume: run ${final.id} ${final.status}${final.error ? `: ${final.error}` : ''}\n`);
    return 1;
  }
  return 0;
}
