import { checkHostToEngine, type EngineToHost, type HostToEngine } from '../shared/engine-protocol';

/**
 * The engine's link to its host: Electron's utilityProcess exposes `process.parentPort`,
 * `child_process.fork` exposes `process.send`. The engine does not care which. Every message
 * from the host is checked against the protocol; an invalid one is dropped with a warning (on
 * stderr and back to the host, which logs it), never acted on.
 */
interface ParentPort {
  postMessage(m: unknown): void;
  on(ev: 'message', cb: (e: { data: unknown }) => void): void;
}

export interface Channel {
  send(msg: EngineToHost): void;
  onMessage(cb: (msg: HostToEngine) => void): void;
}

function checked(send: (m: EngineToHost) => void, cb: (msg: HostToEngine) => void): (m: unknown) => void {
  return (m) => {
    const r = checkHostToEngine(m);
    if (r.ok) return cb(r.msg);
    const message = `engine: dropped a message from the host: ${r.error}`;
    process.stderr.write(`${message}\n`);
    send({ type: 'log', level: 'warn', message });
  };
}

export function parentChannel(): Channel {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    const send = (m: EngineToHost): void => port.postMessage(m);
    return { send, onMessage: (cb) => port.on('message', (e) => checked(send, cb)(e.data)) };
  }
  if (!process.send) throw new Error('the engine must be started by the workbench (no IPC channel to a parent process)');
  // A host that dies (even by kill -9) closes the channel: do not train on as an orphan.
  process.on('disconnect', () => process.exit(2));
  const send = (m: EngineToHost): void => {
    process.send?.(m);
  };
  return {
    send,
    onMessage: (cb) => {
      process.on('message', checked(send, cb));
    },
  };
}
