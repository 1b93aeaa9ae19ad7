/**
 * The project's one CSV reader and one writer: csv-parse and csv-stringify with the dialect every
 * layer shares (RFC 4180: `"` quotes, `""` inside quotes). Their browser builds are pure
 * JavaScript (no Node imports), so this module may live in src/shared and serve the host, the
 * engine and the CLI alike.
 *
 * Reading is lenient where files in the wild are: a quote inside an unquoted field is a literal
 * character, rows may have any number of fields (callers check counts, with their line numbers),
 * and spaces or tabs after a closing quote are ignored. Messages never quote the input.
 */
import { parse, CsvError } from 'csv-parse/browser/esm/sync';
import { stringify } from 'csv-stringify/browser/esm/sync';

/** The options of every parse: see the module comment. `rtrim` is what lets spaces follow a closing quote. */
function parseOptions(sep: string) {
  // Line ends of any kind, mixed in one file too (csv-parse would otherwise keep the first it meets).
  return { delimiter: sep, record_delimiter: ['\r\n', '\n', '\r'], relax_quotes: true, relax_column_count: true, rtrim: true, bom: true };
}

/** What went wrong, in words that name the place (field, line) and never the data. */
function describe(e: CsvError, sep: string): string {
  const field = typeof e.index === 'number' ? ` in field ${e.index + 1}` : '';
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `a closing quote is followed by something other than ${sep === '\t' ? 'a tab' : `"${sep}"`}${field}`;
    default:
      return `malformed CSV (${e.code})${field}`;
  }
}

export type CsvParse = { ok: true; fields: string[] } | { ok: false; unterminated: boolean; message: string };

/**
 * One CSV record (which may hold line breaks inside quotes). `unterminated` means a quoted field is
 * still open at the end: the record may continue on the next line. An empty text is one empty field.
 */
export function parseCsvRecord(text: string, sep = ','): CsvParse {
  let records: string[][];
  try {
    records = parse(text, parseOptions(sep)) as string[][];
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    return { ok: false, unterminated: e.code === 'CSV_QUOTE_NOT_CLOSED', message: describe(e, sep) };
  }
  if (records.length > 1) return { ok: false, unterminated: false, message: 'a line break outside quotes' };
  return { ok: true, fields: records[0] ?? [''] };
}

/** A malformed CSV text: the 1-based line it was found on, the reason without the data. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/**
 * Every record of a whole CSV text with the line it starts on (a BOM is dropped, blank lines are
 * skipped, LF, CRLF or CR line ends). Throws CsvSyntaxError at the first malformed record.
 */
export function parseCsv(text: string, sep = ','): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  // csv-parse counts the line a record ends on, and counts CR and LF apart inside quotes: the
  // start line is that less the breaks inside the record, less the CRLFs quoted earlier on.
  let quotedCrlfs = 0;
  const onRecord = (fields: string[], ctx: { lines: number }): string[] => {
    let chars = 0;
    let crlfs = 0;
    for (const f of fields) {
      for (let i = 0; i < f.length; i++) {
        const c = f.charCodeAt(i);
        if (c === 10 || c === 13) chars++;
        if (c === 13 && f.charCodeAt(i + 1) === 10) crlfs++;
      }
    }
    out.push({ fields, line: ctx.lines - chars - quotedCrlfs });
    quotedCrlfs += crlfs;
    return fields;
  };
  try {
    parse(text, { ...parseOptions(sep), skip_empty_lines: true, on_record: onRecord });
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    throw new CsvSyntaxError(typeof e.lines === 'number' ? e.lines - quotedCrlfs : 0, describe(e, sep));
  }
  return out;
}

/**
 * CSV text of records, each ended by LF. A field is quoted (with `""` for `"`) when it holds a
 * comma, a quote or a line break (LF or CR), or begins or ends with white space (which a reader
 * that trims would otherwise lose). Call it on a page of records at a time to write a large file
 * in pieces.
 */
export function csvRecords(records: readonly (readonly string[])[]): string {
  return stringify(records as string[][], { quoted_match: NEEDS_QUOTES, record_delimiter: '\n' });
}

// csv-stringify quotes the separator, quotes and LF by itself; a CR (a line end to many readers,
// this one too) and edge spaces are added here.
const NEEDS_QUOTES = /^\s|\s$|\r/;
