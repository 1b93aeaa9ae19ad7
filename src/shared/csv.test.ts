import { describe, expect, it } from 'vitest';
import { csvRecords, CsvSyntaxError, parseCsv, parseCsvRecord } from './csv';

describe('parseCsvRecord', () => {
  it('parses quoted fields with separators, doubled quotes and line breaks', () => {
    expect(parseCsvRecord('a.jpg,"A dog , a ball ."')).toEqual({ ok: true, fields: ['a.jpg', 'A dog , a ball .'] });
    expect(parseCsvRecord('"say ""hi""",2,')).toEqual({ ok: true, fields: ['say "hi"', '2', ''] });
    expect(parseCsvRecord('x,"two\nlines"')).toEqual({ ok: true, fields: ['x', 'two\nlines'] });
    expect(parseCsvRecord('a\tb\t"c\td"', '\t')).toEqual({ ok: true, fields: ['a', 'b', 'c\td'] });
    expect(parseCsvRecord('')).toEqual({ ok: true, fields: [''] });
  });

  it('is lenient where files in the wild are: inner quotes, spaces after a closing quote, any field count', () => {
    expect(parseCsvRecord('b.png,A "quoted" word')).toEqual({ ok: true, fields: ['b.png', 'A "quoted" word'] });
    expect(parseCsvRecord('"a"  ,"b"\t')).toEqual({ ok: true, fields: ['a', 'b'] });
    expect(parseCsvRecord('1,2,3,4')).toEqual({ ok: true, fields: ['1', '2', '3', '4'] });
  });

  it('tells an open quote (the record may go on) from a malformed one, naming the field, not the data', () => {
    expect(parseCsvRecord('a,"open')).toEqual({ ok: false, unterminated: true, message: 'a quoted field is not closed' });
    expect(parseCsvRecord('a,"secret"word')).toEqual({
      ok: false,
      unterminated: false,
      message: 'a closing quote is followed by something other than "," in field 2',
    });
    expect(parseCsvRecord('"a",b', '\t')).toEqual({
      ok: false,
      unterminated: false,
      message: 'a closing quote is followed by something other than a tab in field 1',
    });
  });
});

describe('parseCsv', () => {
  it('gives each record with the line it starts on; BOM, blank lines, CRLF and CR', () => {
    const text = '\ufeffimage,caption\r\na.jpg,one\r\n\r\nb.jpg,"two\r\nlines"\rc.jpg,"three\n\nlines"\nd.jpg,last';
    expect(parseCsv(text)).toEqual([
      { fields: ['image', 'caption'], line: 1 },
      { fields: ['a.jpg', 'one'], line: 2 },
      { fields: ['b.jpg', 'two\r\nlines'], line: 4 },
      { fields: ['c.jpg', 'three\n\nlines'], line: 6 },
      { fields: ['d.jpg', 'last'], line: 9 },
    ]);
  });

  it('throws at the first malformed record with its line, never quoting the text', () => {
    let err: unknown;
    try {
      parseCsv('image,caption\nok.jpg,fine\nx.jpg,"secret"caption\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CsvSyntaxError);
    expect((err as CsvSyntaxError).line).toBe(3);
    expect((err as Error).message).toBe('line 3: a closing quote is followed by something other than "," in field 2');
    expect(() => parseCsv('image,caption\na,b\nc,"open\nd,e\n')).toThrow(/^line [34]: a quoted field is not closed$/);
  });
});

describe('csvRecords', () => {
  it('quotes only what needs it, LF after every record', () => {
    expect(
      csvRecords([
        ['image', 'caption'],
        ['a b.jpg', 'a dog, a ball'],
        ['q', 'say "hi"'],
        [' lead', 'trail\t'],
        ['cr\rin', 'lf\n'],
        ['', 'x'],
      ]),
    ).toBe('image,caption\na b.jpg,"a dog, a ball"\nq,"say ""hi"""\n" lead","trail\t"\n"cr\rin","lf\n"\n,x\n');
    expect(csvRecords([])).toBe('');
  });

  it('reads back what it writes', () => {
    const rows = [
      ['image', 'caption'],
      ['x.jpg', ' "quoted", with\r\nbreaks '],
      ['y.jpg', ''],
    ];
    expect(parseCsv(csvRecords(rows)).map((r) => r.fields)).toEqual([
      ['image', 'caption'],
      ['x.jpg', ' "quoted", with\r\nbreaks '],
      ['y.jpg', ''],
    ]);
  });
});
