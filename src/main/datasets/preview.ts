/** What the import wizard shows before anything is written: format, columns, first rows, problems. */
import fs from 'node:fs';
import path from 'node:path';
import type { ImportPreview, ImportSource, PreviewRow, SkippedItem } from '../../shared/dataset-schema';
import { tokenize } from '../../shared/tokenize';
import type { Db } from '../store/db';
import { FileRefusedError, readChunks } from '../safe-files';
import { SourceError, availableColumns, detectSource } from './detect';
import { fingerprintSource } from './fingerprint';
import { isImageName, mapPool, probeImage, resolveInsideReal, sortedEntries, walkFiles } from './images';
import { findDuplicate, suggestName } from './importer';
import { openSource } from './sources';
import { MAX_TEXT_FILE_BYTES } from './text-input';

/** A preview reads at most this much of an annotation file (lines past it are estimated) ... */
export const PREVIEW_BYTES = 64 * 1024 * 1024;
/** ... gives up after this long ... */
export const PREVIEW_SECONDS = 20;
/** ... and looks at no more than this many source events to find its rows. */
const PREVIEW_EVENTS = 20_000;

/** Lines in the file: counted in the first PREVIEW_BYTES, extrapolated past them. */
async function countLines(file: string, deadline: number): Promise<number> {
  let n = 0;
  let last = 10;
  let read = 0;
  for await (const b of readChunks(file, { maxBytes: MAX_TEXT_FILE_BYTES, stopAfter: PREVIEW_BYTES, label: path.basename(file), deadline, chunk: 1 << 20 })) {
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    if (b.length) last = b[b.length - 1] as number;
    read += b.length;
  }
  const size = (await fs.promises.stat(file)).size;
  if (size > read && read > 0) return Math.round((n * size) / read);
  return last === 10 ? n : n + 1;
}

export async function previewSource(src: ImportSource, db: Db, maxRows = 20): Promise<ImportPreview> {
  try {
    return await preview(src, db, maxRows);
  } catch (e) {
    throw e instanceof FileRefusedError ? new SourceError(e.message) : e;
  }
}

async function preview(src: ImportSource, db: Db, maxRows: number): Promise<ImportPreview> {
  const deadline = Date.now() + PREVIEW_SECONDS * 1000;
  const d = await detectSource(src);
  const columns = await availableColumns(d);
  const reader = await openSource(d);
  const rows: PreviewRow[] = [];
  const skipped: SkippedItem[] = [];
  const notes: string[] = [];
  const it = reader.events(() => {});
  let events = 0;
  try {
    for await (const e of it) {
      if (++events > PREVIEW_EVENTS || Date.now() > deadline) break;
      if (e.t === 'note') {
        notes.push(e.message);
        continue;
      }
      if (e.t === 'skip') {
        if (skipped.length < 50) skipped.push({ file: e.file, line: e.line, reason: e.reason, message: e.message });
        continue;
      }
      const caption = e.t === 'caption' ? e.text : null;
      const tokens = caption !== null ? tokenize(caption) : null;
      if (caption !== null && !tokens?.length) {
        skipped.push({ file: e.file, line: e.line, reason: 'empty_caption', message: `caption for ${e.key} has no words` });
        continue;
      }
      rows.push({
        file: e.file,
        line: e.line,
        key: e.key,
        label: e.t === 'item' ? (e.label ?? null) : null,
        caption,
        tokens,
        image: 'none',
        width: e.t === 'item' ? (e.size?.[0] ?? null) : null,
        height: e.t === 'item' ? (e.size?.[1] ?? null) : null,
      });
      if (rows.length >= maxRows) break;
    }
  } finally {
    await it.return(undefined);
  }
  if (d.imagesDir) {
    let root = d.imagesDir;
    try {
      root = await fs.promises.realpath(root);
    } catch {
      /* each image is then reported missing */
    }
    // At most 4 images at once: sharp decodes on libuv's thread pool, which the host shares.
    await mapPool(rows, 4, async (r) => {
      const res = await resolveInsideReal(root, r.key);
      const p = res.ok ? await probeImage(res.file) : res;
      if (p.ok) {
        r.image = 'ok';
        r.width = p.width;
        r.height = p.height;
        return;
      }
      r.image = p.reason === 'missing_image' ? 'missing' : 'undecodable';
      skipped.push({
        file: r.line !== null && r.file !== r.key ? r.file : r.key,
        line: r.line,
        reason: p.reason,
        message: `${r.image} image ${r.key}: ${p.message}`,
      });
    });
  } else if (d.format === 'mnist') {
    for (const r of rows) r.image = 'ok';
  }
  let lines: number | null = null;
  let images: number | null = null;
  let classes: string[] = [];
  if (d.format === 'folders') {
    images = 0;
    for await (const f of walkFiles(d.file)) if (f.includes('/') && isImageName(f)) images++;
    classes = (await sortedEntries(d.file)).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } else if (d.format === 'mnist') {
    classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  } else {
    if (d.format !== 'coco') lines = await countLines(d.file, deadline);
    if (d.imagesDir) images = (await sortedEntries(d.imagesDir)).filter((e) => isImageName(e.name)).length;
  }
  // The duplicate check hashes the whole file: skipped for a big one (the import still checks).
  const whole = d.format === 'folders' || d.format === 'mnist' || (await fs.promises.stat(d.file)).size <= PREVIEW_BYTES;
  const fp = whole ? await fingerprintSource(d) : null;
  return {
    detected: d,
    availableColumns: columns,
    rows,
    skipped,
    estimate: { lines, images, classes },
    duplicateOf: fp ? findDuplicate(db, fp) : null,
    suggestedName: suggestName(d),
    ...(notes.length ? { notes } : {}),
  };
}
