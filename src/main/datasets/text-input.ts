import fs from 'node:fs';
import readline from 'node:readline';

export interface Line { text: string; line: number }

/**
 * UTF-8 unless the file says otherwise: a UTF-16 little-endian BOM, or (spreadsheet exports
 * without one) a NUL after nearly every character. UTF-16 big-endian is refused by name, since
 * Node cannot stream it.
 */
export function detectTextEncoding(file: string): 'utf8' | 'utf16le' {
  const buf = Buffer.alloc(512);
  const fd = fs.openSync(file, 'r');
  let n: number;
  try {
    n = fs.readSync(fd, buf, 0, buf.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (n >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return 'utf16le';
  if (n >= 2 && buf[0] === 0xfe && buf[1] === 0xff) throw new Error(`${file}: the file is UTF-16 big-endian; save it as UTF-8 (or UTF-16 little-endian) and import it again`);
  let oddNuls = 0;
  for (let i = 1; i < n; i += 2) if (buf[i] === 0) oddNuls++;
  return n >= 8 && oddNuls >= 0.9 * Math.floor(n / 2) ? 'utf16le' : 'utf8';
}

/** Lines of a text file with 1-based numbers, streaming (bounded memory); strips a BOM and CR; UTF-8 or UTF-16 LE. */
export async function* readLines(file: string, onBytes?: (bytesRead: number) => void): AsyncGenerator<Line> {
  const stream = fs.createReadStream(file, { encoding: detectTextEncoding(file), highWaterMark: 1 << 16 });
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of rl) {
      n++;
      const text = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (onBytes && (n & 255) === 0) onBytes(stream.bytesRead);
      yield { text, line: n };
    }
    onBytes?.(stream.bytesRead);
  } finally {
    rl.close();
    stream.destroy();
  }
}

export type CsvParse = { ok: true; fields: string[] } | { ok: false; unterminated: boolean; message: string };

/**
 * One CSV record (RFC 4180: comma separated, `"` quotes, `""` inside quotes). `unterminated`
 * means a quoted field is still open at the end: the record may continue on the next line.
 */
export function parseCsvRecord(text: string, sep = ','): CsvParse {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (i < n && text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return { ok: false, unterminated: true, message: 'a quoted field is not closed' };
        v += text.slice(i, q);
        if (text[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      // Spaces after the closing quote are tolerated; anything else is malformed.
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      fields.push(v);
      if (i >= n) return { ok: true, fields };
      if (text[i] !== sep) return { ok: false, unterminated: false, message: `unexpected character ${JSON.stringify(text[i])} after a closing quote at column ${i + 1}` };
      i++;
    } else {
      const c = text.indexOf(sep, i);
      if (c < 0) { fields.push(text.slice(i)); return { ok: true, fields }; }
      fields.push(text.slice(i, c));
      i = c + 1;
    }
  }
}

export interface CsvRecord { fields: string[]; line: number; lines: number }
export type CsvEvent = ({ kind: 'record' } & CsvRecord) | { kind: 'error'; line: number; message: string };

/**
 * CSV records of a file with the line each starts on. A quoted field may span at most
 * `maxSpan` lines; past that (or at the end of the file) the record is reported as malformed and
 * reading resumes on the line after the one it started on, so one stray quote costs one record.
 */
export async function* readCsv(file: string, opts: { sep?: string; maxSpan?: number; onBytes?: (b: number) => void } = {}): AsyncGenerator<CsvEvent> {
  const sep = opts.sep ?? ',';
  const maxSpan = opts.maxSpan ?? 20;
  const it = readLines(file, opts.onBytes)[Symbol.asyncIterator]();
  const back: Line[] = [];
  let eof = false;
  const next = async (): Promise<Line | null> => {
    if (back.length) return back.shift() as Line;
    if (eof) return null;
    const r = await it.next();
    if (r.done) { eof = true; return null; }
    return r.value;
  };
  let buf: Line[] = [];
  const fail = (message: string): CsvEvent => {
    const first = buf[0] as Line;
    back.unshift(...buf.slice(1));
    buf = [];
    return { kind: 'error', line: first.line, message };
  };
  try {
    for (;;) {
      const l = await next();
      if (!l) {
        if (!buf.length) return;
        yield fail('a quoted field is not closed before the end of the file');
        continue;
      }
      if (!buf.length && l.text.trim() === '') continue;
      buf.push(l);
      const r = parseCsvRecord(buf.map((x) => x.text).join('\n'), sep);
      if (r.ok) {
        yield { kind: 'record', fields: r.fields, line: (buf[0] as Line).line, lines: buf.length };
        buf = [];
      } else if (!r.unterminated || buf.length >= maxSpan) {
        yield fail(r.unterminated ? `a quoted field is not closed within ${maxSpan} lines` : r.message);
      }
    }
  } finally {
    await it.return?.(undefined);
  }
}
