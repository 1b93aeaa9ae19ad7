import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCsv, readLines, type CsvEvent, type Line } from './text-input';
import { tmpDir } from './testing';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function csv(text: string | Buffer, maxSpan?: number): Promise<CsvEvent[]> {
  const d = tmpDir();
  dirs.push(d);
  const f = path.join(d, 'x.csv');
  fs.writeFileSync(f, text);
  const out: CsvEvent[] = [];
  for await (const e of readCsv(f, { maxSpan })) out.push(e);
  return out;
}

describe('CSV', () => {
  it('gives line numbers, joins quoted newlines and skips blank lines, BOM and CRLF', async () => {
    const ev = await csv('\ufeffimage,caption\r\na.jpg,one\r\n\r\nb.jpg,"two\r\nlines"\r\nc.jpg,three\r\n');
    expect(ev).toEqual([
      { kind: 'record', fields: ['image', 'caption'], line: 1, lines: 1 },
      { kind: 'record', fields: ['a.jpg', 'one'], line: 2, lines: 1 },
      { kind: 'record', fields: ['b.jpg', 'two\nlines'], line: 4, lines: 2 },
      { kind: 'record', fields: ['c.jpg', 'three'], line: 6, lines: 1 },
    ]);
  });

  it('reads UTF-16 little-endian files (with or without a BOM) and refuses big-endian by name', async () => {
    const text = 'image,caption\na.jpg,Un café à Zürich\n';
    const expected = [
      { kind: 'record', fields: ['image', 'caption'], line: 1, lines: 1 },
      { kind: 'record', fields: ['a.jpg', 'Un café à Zürich'], line: 2, lines: 1 },
    ];
    expect(await csv(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toEqual(expected);
    expect(await csv(Buffer.from(text, 'utf16le'))).toEqual(expected);
    expect(await csv(Buffer.from(text, 'utf8'))).toEqual(expected);
    const be = Buffer.from(text, 'utf16le').swap16();
    await expect(csv(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).rejects.toThrow(/x\.csv: the file is UTF-16 big-endian/);
  });

  it('reports an unclosed quote once and goes on with the next line', async () => {
    const ev = await csv('image,caption\na.jpg,"never closed\nb.jpg,fine\nc.jpg,also fine\n', 2);
    expect(ev.map((e) => (e.kind === 'record' ? `${e.line}:${e.fields[0]}` : `error ${e.line}`))).toEqual(['1:image', 'error 2', '3:b.jpg', '4:c.jpg']);
    const atEnd = await csv('image,caption\na.jpg,ok\nb.jpg,"open at the end\n');
    expect(atEnd.map((e) => (e.kind === 'record' ? `${e.line}:${e.fields[0]}` : `error ${e.line}`))).toEqual(['1:image', '2:a.jpg', 'error 3']);
  });
});

describe('lines that are not plain UTF-8 text', () => {
  const lines = async (buf: Buffer, maxLineBytes?: number): Promise<Line[]> => {
    const d = tmpDir();
    dirs.push(d);
    const f = path.join(d, 'x.txt');
    fs.writeFileSync(f, buf);
    const out: Line[] = [];
    for await (const l of readLines(f, { maxLineBytes })) out.push(l);
    return out;
  };

  it('decodes a line that is not valid UTF-8 as windows-1252 and flags it; valid lines stay UTF-8', async () => {
    const out = await lines(Buffer.concat([Buffer.from('café ok\n', 'utf8'), Buffer.from('caf\xe9 \x80\n', 'latin1'), Buffer.from('last')]));
    expect(out).toEqual([
      { text: 'café ok', line: 1 },
      { text: 'café €', line: 2, decodedAs: 'windows-1252' },
      { text: 'last', line: 3 },
    ]);
    expect(JSON.stringify(out)).not.toContain('\ufffd');
  });

  it('reports a too-long line at once and a NUL line, with line numbers, and goes on', async () => {
    const out = await lines(Buffer.from(`short\n${'x'.repeat(5000)}\r\nbin\0ary\rafter\n`), 1024);
    expect(out).toEqual([
      { text: 'short', line: 1 },
      { text: '', line: 2, problem: 'line 2 is longer than 1 KiB' },
      { text: '', line: 3, problem: 'line 3 holds a NUL byte (binary data, not text)' },
      { text: 'after', line: 4 },
    ]);
  });

  it('keeps line numbers across CRLF split between reads', async () => {
    const text = `${'a'.repeat(65535)}\r\nb\n`;
    const out = await lines(Buffer.from(text));
    expect(out.map((l) => [l.line, l.text.length])).toEqual([
      [1, 65535],
      [2, 1],
    ]);
  });
});
