import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCsvRecord, readCsv, type CsvEvent } from './text-input';
import { tmpDir } from './testing';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

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
  it('parses quoted fields with commas and doubled quotes', () => {
    expect(parseCsvRecord('a.jpg,"A dog , a ball ."')).toEqual({ ok: true, fields: ['a.jpg', 'A dog , a ball .'] });
    expect(parseCsvRecord('"say ""hi""",2,')).toEqual({ ok: true, fields: ['say "hi"', '2', ''] });
    expect(parseCsvRecord('a,"open')).toMatchObject({ ok: false, unterminated: true });
    expect(parseCsvRecord('a,"x"y')).toMatchObject({ ok: false, unterminated: false });
  });

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
