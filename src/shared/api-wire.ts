/**
 * The part of the API contract that needs no zod: error type and codes, event names and the wire
 * messages. The sandboxed preload bundles this module (it may require nothing but `electron` at
 * run time); api.ts re-exports it, so the contract is still declared once.
 */
import type { EventName } from './api';

/** Every event the host publishes (the keys of Events in api.ts, which checks at compile time that none is missing). */
export const EVENT_NAMES = [
  'run.status',
  'run.deleted',
  'run.metrics',
  'run.log',
  'run.artefact',
  'run.sample',
  'dataset.import.progress',
  'features.progress',
] as const satisfies readonly EventName[];

/** not_available: the method exists but not on this transport (native dialogs in a browser). */
export type ApiErrorCode = 'bad_request' | 'not_found' | 'conflict' | 'internal' | 'unknown_method' | 'not_available';

export class ApiError extends Error {
  constructor(
    public readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Wire format of the WebSocket transport (IPC uses the same request/response objects). */
export type ClientMessage = { id: number; method: string; input: unknown };
export type ServerMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; code: ApiErrorCode } }
  | { event: EventName; payload: unknown };

/** One IPC reply from Electron's main process to the preload. */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: { message: string; code: ApiErrorCode } };

/** Any thrown value as the wire's error object: an ApiError keeps its code, anything else is internal. */
export function toWireError(e: unknown): { message: string; code: ApiErrorCode } {
  if (e instanceof ApiError) return { message: e.message, code: e.code };
  return { message: e instanceof Error ? e.message : String(e), code: 'internal' };
}
