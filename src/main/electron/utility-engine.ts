import { utilityProcess } from 'electron';
import { receiveEngineMessage, type HostToEngine } from '../../shared/engine-protocol';
import type { EngineLauncher } from '../runs/engine-process';

/** Engine processes in the app are Electron utility processes (Node without the browser). */
export function utilityEngineLauncher(entry: string): EngineLauncher {
  return (env = {}) => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'MLBL engine', stdio: 'pipe', env: { ...process.env, ...env } });
    let tail = '';
    child.stderr?.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
    return {
      get pid() { return child.pid; },
      send: (m: HostToEngine) => child.postMessage(m),
      onMessage: (cb) => { child.on('message', (m: unknown) => receiveEngineMessage(m, cb)); },
      onExit: (cb) => { child.once('exit', (code: number) => cb(code, null, tail.trim().split('\n').slice(-5).join('\n'))); },
      kill: () => { child.kill(); },
    };
  };
}
