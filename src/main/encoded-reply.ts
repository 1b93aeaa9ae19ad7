/**
 * A method's result that also carries its own JSON text, already encoded as UTF-8 (by the worker
 * that computed it, see exports/offloop.ts). A transport that writes JSON can send these bytes as
 * they are instead of running JSON.stringify on the host's event loop: for a 1,000,000-point
 * metrics export that is a 70 MB string, about a second of blocking per reply.
 *
 * The bytes ride on a symbol property: the result stays a plain object for every other consumer
 * (Electron IPC's structured clone, the CLI, tests), which never see them.
 */
const ENCODED = Symbol('mlbl.encodedJson');

/** `value` with `json` (the UTF-8 bytes of exactly `JSON.stringify(value)`) attached. */
export function withEncodedJson<T extends object>(value: T, json: Uint8Array): T {
  Object.defineProperty(value, ENCODED, { value: json, enumerable: false });
  return value;
}

/** The UTF-8 JSON of a result, when whoever made it encoded it already. */
export function encodedJson(value: unknown): Uint8Array | undefined {
  return value !== null && typeof value === 'object' ? (value as { [ENCODED]?: Uint8Array })[ENCODED] : undefined;
}

/**
 * The WebSocket reply `{"id":..,"ok":true,"result":..}` as three pieces (prefix, the result's
 * bytes, suffix), for sending as fragments of one text message without copying the result.
 */
export function encodedReplyParts(id: number, json: Uint8Array): [string, Uint8Array, string] {
  return [`{"id":${JSON.stringify(id)},"ok":true,"result":`, json, '}'];
}
