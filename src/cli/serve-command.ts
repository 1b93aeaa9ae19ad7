import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../main/data-dir';
import { createHost } from '../main/host';
import { resolveQueueUrl } from '../main/queue/queue-url';
import { installSafetyNet } from '../main/server/safety-net';
import { serve } from '../main/server/serve';

/** `mlbl serve`: the UI and API on a loopback port until SIGINT/SIGTERM. */
export async function cmdServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8765' },
      'data-dir': { type: 'string' },
      queue: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: expected a port number 0..65535`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(values.host)) {
    process.stderr.write(`mlbl serve: warning: binding ${values.host} exposes the workbench beyond this machine; the token is the only protection\n`);
  }
  const dataDir = resolveDataDir(values['data-dir']);
  const logFile = path.join(dataDir, 'logs', 'serve-errors.log');
  // Whatever a request manages to throw past the handlers is logged; the runs this host trains go on.
  const removeNet = installSafetyNet({ logFile });
  // With a queue URL (--queue or MLBL_QUEUE), new runs are jobs for `mlbl worker` processes (main/queue).
  const host = createHost({ dataDir, transport: 'websocket', followOtherProcesses: true, queue: resolveQueueUrl(values.queue) });
  const server = await serve({ host, bind: values.host, port });
  process.stdout.write(`MLBL Workbench is serving ${dataDir}\nOpen ${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await host.close();
  removeNet();
  return 0;
}
