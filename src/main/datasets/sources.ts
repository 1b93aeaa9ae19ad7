import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { parseIdxHeader } from '../../shared/idx';
import type { DetectedSource, SkipReason, SplitName } from '../../shared/dataset-schema';
import { SourceError, IDX_IMAGES, IDX_LABELS, csvHeader } from './detect';
import { isImageName, sortedEntries, walkFiles } from './images';
import { FileRefusedError, readHead as readHeadSafe, readWhole } from '../safe-files';
import { DecodeNotes, readCsv, readLines } from './text-input';

/** COCO captions JSON is parsed whole: bigger files are refused (V8 strings stop near 512 MiB anyway). */
export const MAX_JSON_BYTES = 400 * 1024 * 1024;
/** An idx labels file is read whole (one byte per image). */
export const MAX_IDX_LABELS_BYTES = 256 * 1024 * 1024;
/** An idx images file is read by frame; this bounds a corrupt or hostile one. */
export const MAX_IDX_IMAGES_BYTES = 16 * 1024 ** 3;

/** A JSON.parse error without the snippet of input V8 quotes into it (a message never quotes a file). */
export function jsonError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const pos = /at position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(m);
  if (/Unexpected end of JSON input/.test(m)) return 'the JSON ends too early';
  if (pos) return pos[2] ? `not valid JSON at line ${pos[2]} column ${pos[3]}` : `not valid JSON at position ${pos[1]}`;
  return 'not valid JSON';
}

/** Source problems that stop the import; refused files become SourceErrors, named with `label`. */
async function refusedAsSource<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw e instanceof FileRefusedError ? new SourceError(e.message) : e;
  }
}

/** What a format reader emits, in file order. The importer validates images and stores them. */
export type SourceEvent =
  | {
      t: 'item';
      key: string;
      path: string | null;
      label?: string;
      frame?: number;
      size?: [number, number];
      sourceSplit?: SplitName;
      file: string;
      line: number | null;
    }
  | { t: 'caption'; key: string; text: string; file: string; line: number }
  | { t: 'skip'; file: string; line: number | null; reason: SkipReason; message: string }
  /** How the source was read, for the report (e.g. lines decoded as windows-1252); not an item. */
  | { t: 'note'; message: string };

export interface SourceReader {
  /** Bytes (or entries) the reader will go through, for progress; null when unknown. */
  total: number | null;
  events(progress: (done: number) => void): AsyncGenerator<SourceEvent>;
}

const skip = (file: string, line: number | null, reason: SkipReason, message: string): SourceEvent => ({ t: 'skip', file, line, reason, message });

async function fileSize(f: string): Promise<number | null> {
  try {
    return (await fs.promises.stat(f)).size;
  } catch {
    return null;
  }
}

export async function openSource(d: DetectedSource): Promise<SourceReader> {
  switch (d.format) {
    case 'folders':
      return foldersReader(d.file);
    case 'mnist':
      return mnistReader(d.file);
    case 'coco':
      return { total: await fileSize(d.file), events: (p) => cocoEvents(d.file, p) };
    case 'jsonl':
      return { total: await fileSize(d.file), events: (p) => jsonlEvents(d, p) };
    case 'flickr8k':
      if (/\.(csv|tsv)$/i.test(d.file)) return { total: await fileSize(d.file), events: (p) => csvEvents(d, p) };
      return { total: await fileSize(d.file), events: (p) => tokenEvents(d.file, p) };
    case 'csv':
      return { total: await fileSize(d.file), events: (p) => csvEvents(d, p) };
  }
}

/** `<image>#<n><TAB><caption>` (Flickr8k.token.txt). */
async function* tokenEvents(file: string, progress: (b: number) => void): AsyncGenerator<SourceEvent> {
  const name = path.basename(file);
  const notes = new DecodeNotes(name);
  for await (const l of readLines(file, { onBytes: progress })) {
    const { text, line } = l;
    if (l.problem) {
      yield skip(name, line, 'malformed_line', l.problem);
      continue;
    }
    const note = notes.see(l);
    if (note) yield { t: 'note', message: note };
    if (!text.trim()) continue;
    const tab = text.indexOf('\t');
    if (tab < 0) {
      yield skip(name, line, 'malformed_line', 'no TAB between the image and the caption');
      continue;
    }
    const head = text.slice(0, tab).trim();
    const m = /^(.+?)(?:#(\d+))?$/.exec(head);
    const key = m?.[1]?.trim();
    if (!key) {
      yield skip(name, line, 'missing_field', 'no image name before the TAB');
      continue;
    }
    const caption = text.slice(tab + 1).trim();
    if (!caption) {
      yield skip(name, line, 'empty_caption', `empty caption for ${key}`);
      continue;
    }
    yield { t: 'caption', key, text: caption, file: name, line };
  }
  const sum = notes.summary();
  if (sum) yield { t: 'note', message: sum };
}

async function* csvEvents(d: DetectedSource, progress: (b: number) => void): AsyncGenerator<SourceEvent> {
  const name = path.basename(d.file);
  const sep = d.file.toLowerCase().endsWith('.tsv') ? '\t' : ',';
  const header = await csvHeader(d.file);
  const col = (c: string | undefined): number => (c === undefined ? -1 : header.indexOf(c));
  const ci = col(d.columns?.image);
  const cc = col(d.columns?.caption);
  const cl = col(d.columns?.label);
  if (ci < 0) throw new SourceError(`${name}: no image column`);
  let first = true;
  const notes = new DecodeNotes(name);
  for await (const ev of readCsv(d.file, { sep, onBytes: progress })) {
    const note = notes.see(ev);
    if (note) yield { t: 'note', message: note };
    if (ev.kind === 'error') {
      first = false;
      yield skip(name, ev.line, 'malformed_line', ev.message);
      continue;
    }
    if (first) {
      first = false;
      continue;
    } // the header
    const f = ev.fields;
    if (f.length !== header.length) {
      yield skip(name, ev.line, 'wrong_column_count', `${f.length} columns, the header has ${header.length}`);
      continue;
    }
    const key = (f[ci] ?? '').trim();
    if (!key) {
      yield skip(name, ev.line, 'missing_field', `empty ${header[ci]} column`);
      continue;
    }
    if (cc >= 0) {
      const text = (f[cc] ?? '').trim();
      if (!text) {
        yield skip(name, ev.line, 'empty_caption', `empty caption for ${key}`);
        continue;
      }
      yield { t: 'caption', key, text, file: name, line: ev.line };
    } else {
      const label = (f[cl] ?? '').trim();
      if (!label) {
        yield skip(name, ev.line, 'missing_field', `empty ${header[cl]} column for ${key}`);
        continue;
      }
      yield { t: 'item', key, path: key, label, file: name, line: ev.line };
    }
  }
  const sum = notes.summary();
  if (sum) yield { t: 'note', message: sum };
}

async function* jsonlEvents(d: DetectedSource, progress: (b: number) => void): AsyncGenerator<SourceEvent> {
  const name = path.basename(d.file);
  const { image = '', caption, label } = d.columns ?? {};
  const notes = new DecodeNotes(name);
  for await (const l of readLines(d.file, { onBytes: progress })) {
    const { text, line } = l;
    if (l.problem) {
      yield skip(name, line, 'malformed_line', l.problem);
      continue;
    }
    const note = notes.see(l);
    if (note) yield { t: 'note', message: note };
    if (!text.trim()) continue;
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch (e) {
      yield skip(name, line, 'malformed_line', jsonError(e));
      continue;
    }
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      yield skip(name, line, 'malformed_line', 'not a JSON object');
      continue;
    }
    const rec = o as Record<string, unknown>;
    const key = typeof rec[image] === 'string' ? (rec[image] as string).trim() : '';
    if (!key) {
      yield skip(name, line, 'missing_field', `no string "${image}"`);
      continue;
    }
    if (caption !== undefined) {
      const v = rec[caption];
      const list = Array.isArray(v) ? v : [v];
      let any = false;
      for (const c of list) {
        const t = typeof c === 'string' ? c.trim() : '';
        if (!t) {
          yield skip(
            name,
            line,
            typeof c === 'string' || c === undefined || c === null ? 'empty_caption' : 'missing_field',
            `${c === undefined ? 'no' : 'empty or non-text'} "${caption}" for ${key}`,
          );
          continue;
        }
        any = true;
        yield { t: 'caption', key, text: t, file: name, line };
      }
      if (!any && !list.length) yield skip(name, line, 'empty_caption', `empty "${caption}" list for ${key}`);
    } else if (label !== undefined) {
      const v = rec[label];
      const lab = typeof v === 'string' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
      if (!lab) {
        yield skip(name, line, 'missing_field', `no "${label}" for ${key}`);
        continue;
      }
      yield { t: 'item', key, path: key, label: lab, file: name, line };
    }
  }
  const sum = notes.summary();
  if (sum) yield { t: 'note', message: sum };
}

/** COCO captions: `{images: [{id, file_name, width, height}], annotations: [{image_id, caption}]}`. */
async function* cocoEvents(file: string, progress: (b: number) => void): AsyncGenerator<SourceEvent> {
  const name = path.basename(file);
  let doc: unknown;
  const buf = await refusedAsSource(readWhole(file, MAX_JSON_BYTES, name));
  progress(buf.length);
  // JSON is UTF-8; a file that is not is read as windows-1252 and says so, never with U+FFFD.
  const utf8 = isUtf8(buf);
  if (!utf8) yield { t: 'note', message: `${name} is not valid UTF-8; decoded as windows-1252 (Latin-1)` };
  try {
    doc = JSON.parse(utf8 ? buf.toString('utf8') : new TextDecoder('windows-1252').decode(buf));
  } catch (e) {
    throw new SourceError(`${name}: ${jsonError(e)}`);
  }
  const o = doc as { images?: unknown; annotations?: unknown };
  if (!o || typeof o !== 'object' || !Array.isArray(o.images) || !Array.isArray(o.annotations)) {
    throw new SourceError(`${name}: a COCO captions file needs "images" and "annotations" arrays`);
  }
  const byId = new Map<string, string>();
  for (const [i, im] of (o.images as unknown[]).entries()) {
    const r = im as { id?: unknown; file_name?: unknown; width?: unknown; height?: unknown } | null;
    const where = `images[${i}]`;
    if (!r || typeof r !== 'object' || (typeof r.id !== 'number' && typeof r.id !== 'string') || typeof r.file_name !== 'string' || !r.file_name.trim()) {
      yield skip(name, null, 'missing_field', `${where}: needs an id and a file_name`);
      continue;
    }
    const id = String(r.id);
    if (byId.has(id)) {
      yield skip(name, null, 'duplicate_item', `${where}: image id ${id} listed twice`);
      continue;
    }
    byId.set(id, r.file_name.trim());
    yield { t: 'item', key: r.file_name.trim(), path: r.file_name.trim(), file: name, line: null };
  }
  for (const [i, an] of (o.annotations as unknown[]).entries()) {
    const r = an as { image_id?: unknown; caption?: unknown; id?: unknown } | null;
    const where = `annotations[${i}]${r && typeof r === 'object' && r.id !== undefined ? ` (id ${String(r.id)})` : ''}`;
    if (!r || typeof r !== 'object' || (typeof r.image_id !== 'number' && typeof r.image_id !== 'string')) {
      yield skip(name, null, 'missing_field', `${where}: no image_id`);
      continue;
    }
    const key = byId.get(String(r.image_id));
    if (key === undefined) {
      yield skip(name, null, 'unknown_image', `${where}: caption for image id ${String(r.image_id)}, which "images" does not list`);
      continue;
    }
    const text = typeof r.caption === 'string' ? r.caption.trim() : '';
    if (!text) {
      yield skip(name, null, 'empty_caption', `${where}: empty caption for ${key}`);
      continue;
    }
    yield { t: 'caption', key, text, file: name, line: i + 1 };
  }
}

function foldersReader(root: string): SourceReader {
  return {
    total: null,
    async *events(progress) {
      let n = 0;
      for (const e of await sortedEntries(root)) {
        if (e.name.startsWith('.')) continue;
        if (!e.isDirectory()) {
          yield skip(e.name, null, 'unsupported_file', 'not inside a class folder');
          continue;
        }
        for await (const rel of walkFiles(path.join(root, e.name), e.name)) {
          if (!isImageName(rel)) {
            yield skip(rel, null, 'unsupported_file', 'not an image file (jpg, png, webp, gif, bmp, tif, avif)');
            continue;
          }
          if ((++n & 511) === 0) progress(n);
          yield { t: 'item', key: rel, path: rel, label: e.name, file: rel, line: null };
        }
      }
      progress(n);
    },
  };
}

export interface IdxPair {
  prefix: string;
  images: string;
  labels: string | null;
}

export async function idxPairs(dir: string): Promise<IdxPair[]> {
  const names = (await sortedEntries(dir)).filter((e) => e.isFile()).map((e) => e.name);
  return names
    .filter((n) => IDX_IMAGES.test(n))
    .map((images) => {
      const prefix = (IDX_IMAGES.exec(images) as RegExpExecArray)[1] as string;
      const labels = names.find((n) => IDX_LABELS.exec(n)?.[1] === prefix) ?? null;
      return { prefix, images, labels };
    });
}

const readHead = (file: string, bytes: number): Promise<Buffer> => refusedAsSource(readHeadSafe(file, bytes, MAX_IDX_IMAGES_BYTES, path.basename(file)));

/** Missing idx images reported one by one; beyond that, one line for the rest. */
const MAX_MISSING_REPORTS = 1000;

function mnistReader(dir: string): SourceReader {
  return {
    total: null,
    async *events(progress) {
      const pairs = await idxPairs(dir);
      if (!pairs.length) throw new SourceError(`${dir} holds no *-images-idx3-ubyte file`);
      let done = 0;
      for (const p of pairs) {
        const imgFile = path.join(dir, p.images);
        const h = parseIdxHeader(await readHead(imgFile, 64), p.images);
        if (h.dims.length !== 3) throw new SourceError(`${p.images}: expected 3 dimensions (count, rows, cols), found ${h.dims.length}`);
        const [n = 0, rows = 0, cols = 0] = h.dims;
        const size = (await fs.promises.stat(imgFile)).size;
        const complete = Math.max(0, Math.floor((size - h.dataOffset) / (rows * cols || 1)));
        let labels: Uint8Array | null = null;
        if (!p.labels) yield skip(p.images, null, 'missing_field', `no ${p.prefix}-labels-idx1-ubyte next to it: images imported without labels`);
        else {
          const buf = await refusedAsSource(readWhole(path.join(dir, p.labels), MAX_IDX_LABELS_BYTES, p.labels));
          const lh = parseIdxHeader(buf, p.labels);
          labels = buf.subarray(lh.dataOffset, lh.dataOffset + Math.min(lh.size, buf.length - lh.dataOffset));
        }
        const test = /t10k|test/i.test(p.prefix);
        const width = String(n - 1).length;
        // A header may claim far more images than the file holds (corrupt or hostile: up to 2^32 - 1):
        // the first missing ones are reported one by one, the rest in one line, never looped over.
        const end = Math.min(n, complete + MAX_MISSING_REPORTS);
        if (n > end)
          yield skip(
            p.images,
            null,
            'undecodable_image',
            `images ${end}..${n - 1} (${n - end} more): the file ends before their pixels (truncated, or a wrong image count in its header)`,
          );
        for (let i = 0; i < end; i++) {
          const key = `${p.prefix}/${String(i).padStart(width, '0')}`;
          if (i >= complete) {
            yield skip(p.images, null, 'undecodable_image', `image ${i}: the file ends before its pixels (truncated)`);
            continue;
          }
          if (labels && i >= labels.length) {
            yield skip(p.labels ?? p.images, null, 'missing_field', `image ${i} has no label`);
            continue;
          }
          yield {
            t: 'item',
            key,
            path: p.images,
            frame: i,
            size: [cols, rows],
            label: labels ? String(labels[i]) : undefined,
            sourceSplit: test ? 'test' : undefined,
            file: p.images,
            line: null,
          };
          if ((++done & 4095) === 0) progress(done);
        }
      }
      progress(done);
    },
  };
}
