import type { WebSocket } from 'ws';
import type { ClientMessage, ServerMessage } from '../../shared/api';
import { toWireError } from '../api-handlers';
import { encodedJson, encodedReplyParts } from '../encoded-reply';
import type { Host } from '../host';

export interface ApiSocketLimits {
  /** Requests of one client being handled at once; beyond it the server stops reading that client. */
  maxInFlight: number;
  /** Bytes waiting to be sent to one client beyond which the server stops reading its requests. */
  pauseAboveBytes: number;
  /** Bytes waiting to be sent to one client beyond which it is closed (1008): it is not reading. */
  closeAboveBytes: number;
  /** Ping period; a client that misses a whole period's pong is dropped. 0 = no pings. */
  heartbeatMs: number;
}

export interface ClientStats {
  bufferedAmount: number;
  inFlight: number;
  paused: boolean;
}

interface Client {
  ws: WebSocket;
  inFlight: number;
  paused: boolean;
  alive: boolean;
  stuckAt?: number;
}

/**
 * The API clients of one server: each request goes to host.dispatch, each host event to every
 * client. Memory per client is bounded: a client that sends but does not read gets its socket
 * paused (TCP pushes back on it), and one that lets events pile up is closed with a reason.
 */
export function apiClients(host: Host, limits: ApiSocketLimits, onError: (where: string, e: unknown) => void) {
  const clients = new Set<Client>();

  const closeSlow = (c: Client): void => {
    const mb = (c.ws.bufferedAmount / 1048576).toFixed(1);
    c.ws.close(1008, `not reading: ${mb} MB of replies and events waiting`);
    // Nothing more is queued once closing; a client that never reads would never see the close
    // frame, so after a grace the socket goes.
    setTimeout(() => c.ws.terminate(), 5_000).unref();
  };

  const update = (c: Client): void => {
    const over = c.inFlight >= limits.maxInFlight || c.ws.bufferedAmount > limits.pauseAboveBytes;
    if (over && !c.paused) {
      c.paused = true;
      c.ws.pause();
    } else if (!over && c.paused && c.ws.readyState === c.ws.OPEN) {
      c.paused = false;
      c.ws.resume();
    }
  };

  const send = (c: Client, m: ServerMessage): void => {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.ws.bufferedAmount > limits.closeAboveBytes) return closeSlow(c);
    // A result whose JSON a worker already encoded (a million-point export): its bytes go out as
    // fragments of one text message, with no JSON.stringify of ~70 MB on the event loop.
    const encoded = 'result' in m ? encodedJson(m.result) : undefined;
    if (encoded && 'id' in m) {
      const [head, body, tail] = encodedReplyParts(m.id, encoded);
      c.ws.send(head, { fin: false });
      c.ws.send(body, { binary: false, fin: false });
      c.ws.send(tail, { fin: true }, () => update(c));
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(m);
    } catch (e) {
      if (!('id' in m)) return onError('event serialisation', e);
      text = JSON.stringify({
        id: m.id,
        ok: false,
        error: { message: `the reply could not be serialised: ${(e as Error).message}`, code: 'internal' },
      } satisfies ServerMessage);
    }
    c.ws.send(text, () => update(c));
  };

  const unsubscribe = host.subscribe((event, payload) => {
    for (const c of clients) send(c, { event, payload } as ServerMessage);
  });

  const heartbeat =
    limits.heartbeatMs > 0
      ? setInterval(() => {
          for (const c of clients) {
            if (c.paused) {
              // Its pongs wait behind the requests we are not reading, so they cannot count. Paused for
              // its unread replies, with none read over a whole period: it is not reading.
              const buffered = c.ws.bufferedAmount;
              if (buffered > limits.pauseAboveBytes && c.stuckAt !== undefined && buffered >= c.stuckAt) closeSlow(c);
              c.stuckAt = buffered > limits.pauseAboveBytes ? buffered : undefined;
              c.alive = true;
              continue;
            }
            c.stuckAt = undefined;
            if (!c.alive) {
              c.ws.terminate();
              continue;
            }
            c.alive = false;
            try {
              c.ws.ping();
            } catch {
              c.ws.terminate();
            }
          }
        }, limits.heartbeatMs)
      : undefined;
  heartbeat?.unref();

  function attach(ws: WebSocket): void {
    const c: Client = { ws, inFlight: 0, paused: false, alive: true };
    clients.add(c);
    ws.on('close', () => clients.delete(c));
    ws.on('error', () => {
      clients.delete(c);
      ws.terminate();
    });
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      c.alive = true;
      let msg: ClientMessage;
      try {
        if (isBinary) throw new Error('binary messages are not accepted');
        const parsed = JSON.parse(data.toString()) as unknown;
        if (
          !parsed ||
          typeof parsed !== 'object' ||
          !Number.isSafeInteger((parsed as ClientMessage).id) ||
          typeof (parsed as ClientMessage).method !== 'string'
        ) {
          throw new Error('a request is {"id": integer, "method": string, "input": ...}');
        }
        msg = parsed as ClientMessage;
      } catch (e) {
        return send(c, { id: -1, ok: false, error: { message: `malformed message: ${(e as Error).message.slice(0, 200)}`, code: 'bad_request' } });
      }
      c.inFlight++;
      update(c);
      let pending: Promise<unknown>;
      try {
        pending = host.dispatch(msg.method, msg.input);
      } catch (e) {
        pending = Promise.reject(e);
      }
      pending
        .then(
          (result) => send(c, { id: msg.id, ok: true, result }),
          (e: unknown) => send(c, { id: msg.id, ok: false, error: toWireError(e) }),
        )
        .catch((e: unknown) => onError('reply', e))
        .finally(() => {
          c.inFlight--;
          update(c);
        });
    });
  }

  return {
    attach,
    stats: (): ClientStats[] => [...clients].map((c) => ({ bufferedAmount: c.ws.bufferedAmount, inFlight: c.inFlight, paused: c.paused })),
    close(): void {
      unsubscribe();
      if (heartbeat) clearInterval(heartbeat);
      for (const c of clients) c.ws.terminate();
    },
  };
}
