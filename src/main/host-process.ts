/**
 * The desktop app's host process: an Electron utilityProcess started by main (index.ts). SQLite,
 * the run queue, dataset imports, exports and metric queries run here, so a 1M-point export or a
 * slow query never blocks the window's process. It speaks host-protocol.ts over
 * `process.parentPort`; engines are started by main on its behalf (engine-relay.ts says why).
 */
import path from 'node:path';
import { toWireError } from '../shared/api-wire';
import { relayedEngineLauncher } from './electron/engine-relay';
import type { HostToMain, MainToHost } from './electron/host-protocol';
import { createHost, type Host } from './host';
import { resolveQueueUrl } from './queue/queue-url';
import { installSafetyNet } from './server/safety-net';

interface ParentPort {
  postMessage(m: unknown): void;
  on(ev: 'message', cb: (e: { data: unknown }) => void): void;
}
const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) {
  process.stderr.write("host-process.js runs only as the desktop app's utility process (no parentPort)\n");
  process.exit(2);
}
const post = (m: HostToMain): void => port.postMessage(m);
const engines = relayedEngineLauncher(post);
let host: Host | null = null;
let removeNet: (() => void) | undefined;

function init(dataDir: string): void {
  // As in serve mode: what escapes every handler is logged and the host keeps its runs; dying
  // here would interrupt every run it trains. One net for the process, logging to the open folder.
  removeNet?.();
  removeNet = installSafetyNet({ logFile: path.join(dataDir, 'logs', 'host-errors.log') });
  try {
    // MLBL_QUEUE: the app's runs go to `mlbl worker` processes through that Redis (main/queue).
    host = createHost({ dataDir, transport: 'ipc', followOtherProcesses: true, launcher: engines.launcher, queue: resolveQueueUrl() });
  } catch (e) {
    post({ type: 'failed', message: `cannot open the data folder ${dataDir}: ${(e as Error).message}` });
    return;
  }
  host.subscribe((event, payload) => post({ type: 'event', event, payload }));
  host.runs.onProgress((runId, p) =>
    post({ type: 'progress', runId, fraction: Math.min(1, (p.epoch - 1 + p.step / Math.max(1, p.stepsPerEpoch)) / Math.max(1, p.epochs)) }),
  );
  post({ type: 'ready', dataDir });
}

async function call(id: number, method: string, input: unknown): Promise<void> {
  if (!host) {
    post({ type: 'reply', id, reply: { ok: false, error: { code: 'internal', message: 'the host process has no data folder open' } } });
    return;
  }
  try {
    post({ type: 'reply', id, reply: { ok: true, result: await host.dispatch(method, input) } });
  } catch (e) {
    post({ type: 'reply', id, reply: { ok: false, error: toWireError(e) } });
  }
}

port.on('message', (e) => {
  const m = e.data as MainToHost;
  if (engines.receive(m)) return;
  if (m.type === 'init') init(m.dataDir);
  else if (m.type === 'call') void call(m.id, m.method, m.input);
  else if (m.type === 'close') {
    // Runs still training end `interrupted` (resumable), as when serve mode stops.
    void (host?.close() ?? Promise.resolve())
      .catch((err: Error) => process.stderr.write(`mlbl host: close failed: ${err.message}\n`))
      .finally(() => {
        post({ type: 'closed' });
        setTimeout(() => process.exit(0), 50);
      });
  }
});
