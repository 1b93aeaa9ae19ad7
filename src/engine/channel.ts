import type { EngineToHost, HostToEngine } from '../shared/engine-protocol';

/**
 * The engine's link to its host: Electron's utilityProcess exposes `process.parentPort`,
 * `child_process.fork` exposes `process.send`. The engine does not care which.
 */
interface ParentPort { postMessage(m: unknown): void; on(ev: 'message', cb: (e: { data: unknown }) => void): void }

export interface Channel {
  send(msg: EngineToHost): void;
  onMessage(cb: (msg: HostToEngine) => void): void;
}

export function parentChannel(): Channel {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: (m) => port.postMessage(m),
      onMessage: (cb) => port.on('message', (e) => cb(e.data as HostToEngine)),
    };
  }
  if (!process.send) throw new Error('the engine must be started by the workbench (no IPC channel to a parent process)');
  // A host that dies (even by kill -9) closes the channel: do not train on as an orphan.
  process.on('disconnect', () => process.exit(2));
  return {
    send: (m) => { process.send?.(m); },
    onMessage: (cb) => { process.on('message', (m) => cb(m as HostToEngine)); },
  };
}
