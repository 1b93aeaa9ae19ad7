import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fs from 'node:fs';
import { receiveEngineMessage, type EngineToHost, type HostToEngine } from '../../shared/engine-protocol';

/** One engine process, whatever started it (child_process.fork here, utilityProcess in Electron). */
export interface EngineProcess {
  readonly pid: number | undefined;
  send(msg: HostToEngine): void;
  onMessage(cb: (msg: EngineToHost) => void): void;
  /** Called once; `stderrTail` holds the last lines the process wrote to stderr. */
  onExit(cb: (code: number | null, signal: string | null, stderrTail: string) => void): void;
  kill(): void;
}

export type EngineLauncher = (env?: Record<string, string>) => EngineProcess;

/**
 * The engine entry: the bundled file when built (out/main/engine.js beside this bundle, inside the
 * asar of a packaged app), the TypeScript source (through tsx) in development.
 */
export function engineEntry(): { file: string; execArgv: string[] } {
  for (const rel of ['./engine.js', '../engine/main.js']) {
    const built = fileURLToPath(new URL(rel, import.meta.url));
    if (import.meta.url.endsWith('.js') && fs.existsSync(built)) return { file: built, execArgv: [] };
  }
  const src = fileURLToPath(new URL('../../engine/main.ts', import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { file: src, execArgv: ['--import', tsx] };
}

export const forkEngine: EngineLauncher = (env = {}) => {
  const { file, execArgv } = engineEntry();
  const child = fork(file, [], {
    execArgv: [...execArgv, '--max-old-space-size=8192'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d);
    tail = (tail + d.toString()).slice(-4000);
  });
  return {
    pid: child.pid,
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (cb) => {
      child.on('message', (m) => receiveEngineMessage(m, cb));
    },
    onExit: (cb) => {
      child.once('exit', (code, signal) => cb(code, signal, tail.trim().split('\n').slice(-5).join('\n')));
    },
    kill: () => {
      child.kill('SIGKILL');
    },
  };
};
