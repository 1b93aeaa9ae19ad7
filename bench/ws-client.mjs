// A WebSocket client of `mlbl serve` in its own process, for bench/export-latency.ts (so its own
// work - parsing a 70 MB reply - never stalls the server it measures). Driven over fork IPC:
//   probe: sends `system.info` every `everyMs` (fixed schedule, not waiting for replies) until
//          told {stop: true}; answers with every request's send time and latency (ms).
//   call:  on {call: {method, input}} sends one request; answers with its duration and size.
import WebSocket from 'ws';

const [role, url, everyArg] = process.argv.slice(2);
const ws = new WebSocket(url, { maxPayload: 1 << 30 });
const pending = new Map();
let nextId = 1;
const send = (method, input) => {
  const id = nextId++;
  const at = performance.now();
  ws.send(JSON.stringify({ id, method, input }));
  return new Promise((resolve) => pending.set(id, { at, resolve }));
};
ws.on('message', (data) => {
  const text = data.toString();
  const m = JSON.parse(text);
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  p.resolve({ ms: performance.now() - p.at, bytes: Buffer.byteLength(text), ok: m.ok, error: m.error, result: m.result });
});
ws.on('error', (e) => {
  process.send({ error: e.message });
  process.exit(1);
});
ws.on('open', () => {
  if (role === 'probe') {
    const every = Number(everyArg) || 20;
    const samples = [];
    const start = performance.now();
    const timer = setInterval(() => {
      const sentAt = performance.now() - start;
      void send('system.info').then((r) => samples.push({ sentAt, ms: r.ms, ok: r.ok }));
    }, every);
    process.on('message', (m) => {
      if (!m.stop) return;
      clearInterval(timer);
      // Requests still unanswered count with the time they have waited so far.
      const now = performance.now();
      for (const p of pending.values()) samples.push({ sentAt: p.at - start, ms: now - p.at, ok: false, unanswered: true });
      process.send({ samples, clock: performance.timeOrigin + start }, () => process.exit(0));
    });
    process.send({ ready: true, clock: performance.timeOrigin + start });
  } else {
    process.on('message', (m) => {
      if (!m.call) return;
      const t0 = performance.timeOrigin + performance.now();
      void send(m.call.method, m.call.input).then((r) => {
        const content = r.result?.files?.[0]?.content;
        process.send(
          {
            done: true,
            startedAt: t0,
            ms: r.ms,
            bytes: r.bytes,
            ok: r.ok,
            error: r.error,
            contentChars: typeof content === 'string' ? content.length : null,
            points: Array.isArray(r.result) ? r.result[0]?.points?.length : null,
          },
          () => process.exit(0),
        );
      });
    });
    process.send({ ready: true });
  }
});
