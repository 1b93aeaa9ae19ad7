/**
 * Engines of the desktop app: started by main as utility processes on the host process's request,
 * their messages relayed both ways (host-protocol.ts says why). Both halves are plain functions
 * over message callbacks, so the built bundles run them under the stand-in Electron in tests.
 */
import { receiveEngineMessage, type EngineToHost, type HostToEngine } from '../../shared/engine-protocol';
import type { EngineLauncher, EngineProcess } from '../engines/engine-process';
import type { HostToMain, MainToHost } from './host-protocol';

/** Host side: an EngineLauncher whose processes live in main; `post` sends to main. */
export function relayedEngineLauncher(post: (m: HostToMain) => void) {
  let next = 1;
  const engines = new Map<
    number,
    {
      pid?: number;
      message?: (m: EngineToHost) => void;
      exit?: (code: number | null, signal: string | null, tail: string) => void;
      queued: EngineToHost[];
      ended?: { code: number | null; tail: string };
    }
  >();
  const launcher: EngineLauncher = (env = {}) => {
    const id = next++;
    const e: {
      pid?: number;
      message?: (m: EngineToHost) => void;
      exit?: (code: number | null, signal: string | null, tail: string) => void;
      queued: EngineToHost[];
      ended?: { code: number | null; tail: string };
    } = { queued: [] };
    engines.set(id, e);
    post({ type: 'engine.spawn', engine: id, env });
    const proc: EngineProcess = {
      get pid() {
        return e.pid;
      },
      send: (msg: HostToEngine) => {
        if (!e.ended) post({ type: 'engine.send', engine: id, msg });
      },
      onMessage: (cb) => {
        e.message = cb;
        for (const m of e.queued.splice(0)) cb(m);
      },
      onExit: (cb) => {
        e.exit = cb;
        if (e.ended) cb(e.ended.code, null, e.ended.tail);
      },
      kill: () => {
        if (!e.ended) post({ type: 'engine.kill', engine: id });
      },
    };
    return proc;
  };
  /** Feeds main's engine.* messages to the right process; false for any other message. */
  const receive = (m: MainToHost): boolean => {
    if (m.type !== 'engine.spawned' && m.type !== 'engine.message' && m.type !== 'engine.exit') return false;
    const e = engines.get(m.engine);
    if (!e) return true;
    if (m.type === 'engine.spawned') e.pid = m.pid;
    // Checked here, in the host, as forkEngine checks what a child process sends: main only relays.
    else if (m.type === 'engine.message')
      receiveEngineMessage(m.msg, (msg) => {
        if (e.message) e.message(msg);
        else e.queued.push(msg);
      });
    else {
      e.ended = { code: m.code, tail: m.tail };
      engines.delete(m.engine);
      e.exit?.(m.code, null, m.tail);
    }
    return true;
  };
  return { launcher, receive };
}

/** What main needs of one utility process (Electron's UtilityProcess, or the test stand-in). */
export interface UtilityLike {
  readonly pid: number | undefined;
  postMessage(m: unknown): void;
  on(event: 'message', cb: (m: unknown) => void): unknown;
  on(event: 'exit', cb: (code: number) => void): unknown;
  kill(): boolean;
  stderr?: NodeJS.ReadableStream | null;
}

/** Main side: starts engines for one host process and relays; `killAll` when that host goes away. */
export function engineRelay(forkEngine: (env: Record<string, string>) => UtilityLike, toHost: (m: MainToHost) => void) {
  const live = new Map<number, UtilityLike>();
  const receive = (m: HostToMain): boolean => {
    if (m.type === 'engine.spawn') {
      const child = forkEngine(m.env);
      live.set(m.engine, child);
      let tail = '';
      child.stderr?.on('data', (d: Buffer) => {
        process.stderr.write(d);
        tail = (tail + d.toString()).slice(-4000);
      });
      toHost({ type: 'engine.spawned', engine: m.engine, pid: child.pid });
      child.on('message', (msg) => toHost({ type: 'engine.message', engine: m.engine, msg }));
      child.on('exit', (code) => {
        live.delete(m.engine);
        toHost({ type: 'engine.exit', engine: m.engine, code, tail: tail.trim().split('\n').slice(-5).join('\n') });
      });
      return true;
    }
    if (m.type === 'engine.send') {
      live.get(m.engine)?.postMessage(m.msg);
      return true;
    }
    if (m.type === 'engine.kill') {
      live.get(m.engine)?.kill();
      return true;
    }
    return false;
  };
  return {
    receive,
    killAll: () => {
      for (const c of live.values()) c.kill();
      live.clear();
    },
    get count() {
      return live.size;
    },
  };
}
