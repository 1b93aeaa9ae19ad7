import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseCsvRecord } from '../../shared/csv';
import { readChunks, readHead } from '../safe-files';

/**
 * One line of a text file. `decodedAs` is set when the line is not valid UTF-8 and was decoded as
 * windows-1252 (Latin-1's superset) instead; `problem` when the line cannot be used at all (too
 * long, binary): its text is then empty and the reader reports it with its line number.
 */
export interface Line {
  text: string;
  line: number;
  decodedAs?: 'windows-1252';
  problem?: string;
}

/** Annotation files bigger than this are refused (they are streamed; this only bounds the time). */
export const MAX_TEXT_FILE_BYTES = 2 * 1024 ** 3;
/** A longer line is reported and skipped, never held whole in memory. */
export const MAX_LINE_BYTES = 1024 * 1024;

const WINDOWS_1252 = new TextDecoder('windows-1252');

/**
 * UTF-8 unless the file says otherwise: a UTF-16 little-endian BOM, or (spreadsheet exports
 * without one) a NUL after nearly every character. UTF-16 big-endian is refused by name, since
 * Node cannot stream it. Only regular files are read (see ../safe-files).
 */
export async function detectTextEncoding(file: string, label = path.basename(file)): Promise<'utf8' | 'utf16le'> {
  const buf = await readHead(file, 512, MAX_TEXT_FILE_BYTES, label);
  const n = buf.length;
  if (n >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return 'utf16le';
  if (n >= 2 && buf[0] === 0xfe && buf[1] === 0xff)
    throw new Error(`${file}: the file is UTF-16 big-endian; save it as UTF-8 (or UTF-16 little-endian) and import it again`);
  let oddNuls = 0;
  for (let i = 1; i < n; i += 2) if (buf[i] === 0) oddNuls++;
  return n >= 8 && oddNuls >= 0.9 * Math.floor(n / 2) ? 'utf16le' : 'utf8';
}

export interface ReadLinesOptions {
  onBytes?: (bytesRead: number) => void;
  /** Stop with an error past this time (ms since the epoch): previews read under a time limit. */
  deadline?: number;
  maxLineBytes?: number;
}

/**
 * Lines of a text file with 1-based numbers, streaming (bounded memory: a line over
 * `maxLineBytes` is reported, not kept); strips a BOM and CR (a lone CR ends a line too, as in
 * old Mac exports); UTF-8 or UTF-16 LE. A UTF-8 file's line that is not valid UTF-8 is decoded as
 * windows-1252 and flagged, never silently turned into U+FFFD.
 */
export async function* readLines(file: string, opts: ReadLinesOptions = {}): AsyncGenerator<Line> {
  const label = path.basename(file);
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const encoding = await detectTextEncoding(file, label);
  const raw = readChunks(file, { maxBytes: MAX_TEXT_FILE_BYTES, label, deadline: opts.deadline, onBytes: opts.onBytes });
  // UTF-16 is re-encoded as UTF-8 chunk by chunk so one splitter serves both.
  const chunks: AsyncIterable<Buffer> =
    encoding === 'utf8'
      ? raw
      : (async function* () {
          const dec = new StringDecoder('utf16le');
          for await (const c of raw) yield Buffer.from(dec.write(c), 'utf8');
          const rest = dec.end();
          if (rest) yield Buffer.from(rest, 'utf8');
        })();
  let parts: Buffer[] = [];
  let len = 0;
  // After a too-long line is reported (at once, so a caller that stops there reads no more), the
  // rest of it is read and dropped up to its end.
  let dropping = false;
  let n = 0;
  let afterCr = false;
  const finish = (): Line => {
    n++;
    const b = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, len);
    parts = [];
    len = 0;
    if (b.includes(0)) return { text: '', line: n, problem: `line ${n} holds a NUL byte (binary data, not text)` };
    const line: Line = isUtf8(b) ? { text: b.toString('utf8'), line: n } : { text: WINDOWS_1252.decode(b), line: n, decodedAs: 'windows-1252' };
    if (n === 1 && line.text.charCodeAt(0) === 0xfeff) line.text = line.text.slice(1);
    return line;
  };
  /** Adds a piece of the current line; a Line to report when it just became too long. */
  const add = (b: Buffer): Line | null => {
    if (dropping || !b.length) return null;
    if (len + b.length <= max) {
      parts.push(b);
      len += b.length;
      return null;
    }
    dropping = true;
    parts = [];
    len = 0;
    n++;
    return { text: '', line: n, problem: `line ${n} is longer than ${Math.round(max / 1024)} KiB` };
  };
  for await (const chunk of chunks) {
    let start = 0;
    if (afterCr && chunk[0] === 10) start = 1;
    afterCr = false;
    for (;;) {
      let i = chunk.indexOf(10, start);
      const cr = chunk.indexOf(13, start);
      if (cr >= 0 && (i < 0 || cr < i)) i = cr;
      const over = add(i < 0 ? chunk.subarray(start) : chunk.subarray(start, i));
      if (over) yield over;
      if (i < 0) break;
      if (dropping) dropping = false;
      else yield finish();
      start = i + 1;
      if (chunk[i] === 13) {
        if (start < chunk.length && chunk[start] === 10) start++;
        else if (start >= chunk.length) afterCr = true;
      }
    }
  }
  if (len && !dropping) yield finish();
}

/**
 * Notes about how a file's lines were decoded: the first line decoded as windows-1252 at once
 * (so a preview that stops early still says it), the count at the end.
 */
export class DecodeNotes {
  private count = 0;
  private first = 0;
  constructor(private readonly name: string) {}
  /** A note for the first decoded line, else null. */
  see(l: { decodedAs?: string; line: number }): string | null {
    if (!l.decodedAs) return null;
    if (this.count++ === 0) {
      this.first = l.line;
      return `${this.name}: line ${l.line} is not valid UTF-8; decoded as windows-1252 (Latin-1)`;
    }
    return null;
  }
  /** The total, when more than one line was decoded. */
  summary(): string | null {
    return this.count > 1 ? `${this.name}: ${this.count} lines are not valid UTF-8 and were decoded as windows-1252 (the first is line ${this.first})` : null;
  }
}

export interface CsvRecord {
  fields: string[];
  line: number;
  lines: number;
  decodedAs?: 'windows-1252';
}
export type CsvEvent = ({ kind: 'record' } & CsvRecord) | { kind: 'error'; line: number; message: string; decodedAs?: 'windows-1252' };

/**
 * CSV records of a file with the line each starts on: lines are read here (streaming, bounded
 * memory, decoding notes), each record's text is parsed by the shared reader. A quoted field may span at most
 * `maxSpan` lines; past that (or at the end of the file) the record is reported as malformed and
 * reading resumes on the line after the one it started on, so one stray quote costs one record.
 */
export async function* readCsv(
  file: string,
  opts: { sep?: string; maxSpan?: number; onBytes?: (b: number) => void; deadline?: number } = {},
): AsyncGenerator<CsvEvent> {
  const sep = opts.sep ?? ',';
  const maxSpan = opts.maxSpan ?? 20;
  const it = readLines(file, { onBytes: opts.onBytes, deadline: opts.deadline })[Symbol.asyncIterator]();
  const back: Line[] = [];
  let eof = false;
  const next = async (): Promise<Line | null> => {
    if (back.length) return back.shift() as Line;
    if (eof) return null;
    const r = await it.next();
    if (r.done) {
      eof = true;
      return null;
    }
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
      if (l.problem) {
        // A line that cannot be text ends any record it was inside.
        if (buf.length) {
          back.unshift(l);
          yield fail(`a quoted field is not closed before line ${l.line}`);
          continue;
        }
        yield { kind: 'error', line: l.line, message: l.problem };
        continue;
      }
      if (!buf.length && l.text.trim() === '') continue;
      buf.push(l);
      const r = parseCsvRecord(buf.map((x) => x.text).join('\n'), sep);
      if (r.ok) {
        const rec: CsvEvent = { kind: 'record', fields: r.fields, line: (buf[0] as Line).line, lines: buf.length };
        if (buf.some((x) => x.decodedAs)) rec.decodedAs = 'windows-1252';
        yield rec;
        buf = [];
      } else if (!r.unterminated || buf.length >= maxSpan) {
        yield fail(r.unterminated ? `a quoted field is not closed within ${maxSpan} lines` : r.message);
      }
    }
  } finally {
    await it.return?.(undefined);
  }
}
