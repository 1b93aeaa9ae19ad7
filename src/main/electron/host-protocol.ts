/**
 * Messages between Electron's main process and the host process (host-process.ts, an Electron
 * utilityProcess that holds SQLite, the run queue, imports and exports). Main only creates
 * windows, menus and dialogs and relays: API calls go down, replies and events come up.
 *
 * Engines: a utilityProcess cannot start another utilityProcess (the API exists only in the main
 * process), and child_process.fork of Electron's own binary needs ELECTRON_RUN_AS_NODE, which the
 * RunAsNode fuse turns off in the packaged app. So main starts each engine as a utilityProcess on
 * the host's request and relays its messages both ways (engine-relay.ts); the host sees an
 * ordinary EngineProcess.
 */
import type { HostToEngine } from '../../shared/engine-protocol';
import type { EventName } from '../../shared/api';
import type { IpcReply } from '../../shared/api-wire';

export type MainToHost =
  | { type: 'init'; dataDir: string }
  | { type: 'call'; id: number; method: string; input: unknown }
  | { type: 'engine.spawned'; engine: number; pid: number | undefined }
  /** As the engine sent it: the host validates it (receiveEngineMessage). */
  | { type: 'engine.message'; engine: number; msg: unknown }
  | { type: 'engine.exit'; engine: number; code: number | null; tail: string }
  | { type: 'close' };

export type HostToMain =
  | { type: 'ready'; dataDir: string }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; reply: IpcReply }
  | { type: 'event'; event: EventName; payload: unknown }
  /** Training progress of a running run, 0..1 (the taskbar / dock progress). */
  | { type: 'progress'; runId: string; fraction: number }
  | { type: 'engine.spawn'; engine: number; env: Record<string, string> }
  | { type: 'engine.send'; engine: number; msg: HostToEngine }
  | { type: 'engine.kill'; engine: number }
  | { type: 'closed' };
