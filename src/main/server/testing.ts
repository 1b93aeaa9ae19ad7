// Test helpers (imported only by *.test.ts): raw bytes at a server over net.Socket, and a minimal
// WebSocket client whose reading the test controls, which the `ws` package does not allow.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export interface RawReply {
  status: number;
  text: string;
  closed: boolean;
  ms: number;
}

/** Sends `data` and collects the reply until the server closes the socket (or waitMs passes). */
export function rawRequest(port: number, data: string | Buffer, waitMs = 5_000): Promise<RawReply> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text, closed, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
  });
}

/** The bytes of a WebSocket upgrade request. */
export function upgradeRequest(port: number, target: string, headers: Record<string, string> = {}): string {
  const lines = [
    `GET ${target} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return lines.join('\r\n') + '\r\n\r\n';
}

/** A masked client text frame. */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x81, 0x80 | n])
      : n < 65536
        ? Buffer.from([0x81, 0x80 | 126, n >> 8, n & 255])
        : Buffer.concat([
            Buffer.from([0x81, 0x80 | 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(n));
              return b;
            })(),
          ]);
  const mask = randomBytes(4);
  const masked = Buffer.alloc(n);
  for (let i = 0; i < n; i++) masked[i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return Buffer.concat([head, mask, masked]);
}

export interface Frame {
  opcode: number;
  payload: Buffer;
}

/** Server frames (unmasked) in `buf`: opcode and payload of each complete one. */
export function parseFrames(buf: Buffer): Frame[] {
  return frameReader()(buf);
}

/** Feeds chunks of a server's byte stream; returns the frames each chunk completes. */
export function frameReader(): (chunk: Buffer) => Frame[] {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const { frames, used } = readFrames(buf);
    pending = Buffer.from(buf.subarray(used));
    return frames;
  };
}

function readFrames(buf: Buffer): { frames: Frame[]; used: number } {
  const out: Frame[] = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    const opcode = (buf[i] as number) & 15;
    let len = (buf[i + 1] as number) & 127;
    let p = i + 2;
    if (len === 126) {
      if (p + 2 > buf.length) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (p + 8 > buf.length) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    if (p + len > buf.length) break;
    out.push({ opcode, payload: buf.subarray(p, p + len) });
    i = p + len;
  }
  return { frames: out, used: i };
}

/** Opens a WebSocket by hand; the socket is returned paused, with the bytes after the 101 reply. */
export function rawWebSocket(port: number, token: string): Promise<{ socket: net.Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(upgradeRequest(port, `/api?token=${token}`)));
    let got = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      s.pause();
      if (!got.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return reject(new Error(got.subarray(0, end).toString()));
      resolve({ socket: s, rest: got.subarray(end + 4) });
    };
    s.on('data', onData);
    s.on('error', reject);
  });
}
