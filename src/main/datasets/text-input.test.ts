import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCsvRecord, readCsv, type CsvEvent } from './text-input';
import { tmpDir } from './testing';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

async function csv(text: string, maxSpan?: number): Promise<CsvEvent[]> {
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

  it('reports an unclosed quote once and goes on with the next line', async () => {
    const ev = await csv('image,caption\na.jpg,"never closed\nb.jpg,fine\nc.jpg,also fine\n', 2);
    expect(ev.map((e) => (e.kind === 'record' ? `${e.line}:${e.fields[0]}` : `error ${e.line}`))).toEqual(['1:image', 'error 2', '3:b.jpg', '4:c.jpg']);
    const atEnd = await csv('image,caption\na.jpg,ok\nb.jpg,"open at the end\n');
    expect(atEnd.map((e) => (e.kind === 'record' ? `${e.line}:${e.fields[0]}` : `error ${e.line}`))).toEqual(['1:image', '2:a.jpg', 'error 3']);
  });
});
