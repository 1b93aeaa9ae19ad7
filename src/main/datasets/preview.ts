/** What the import wizard shows before anything is written: format, columns, first rows, problems. */
import fs from 'node:fs';
import type { ImportPreview, ImportSource, PreviewRow, SkippedItem } from '../../shared/dataset-schema';
import { tokenize } from '../../shared/tokenize';
import type { Db } from '../store/db';
import { availableColumns, detectSource } from './detect';
import { fingerprintSource } from './fingerprint';
import { isImageName, probeImage, resolveInside, sortedEntries, walkFiles } from './images';
import { findDuplicate, suggestName } from './importer';
import { openSource } from './sources';

async function countLines(file: string): Promise<number> {
  let n = 0;
  let last = 10;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    if (b.length) last = b[b.length - 1] as number;
  }
  return last === 10 ? n : n + 1;
}

export async function previewSource(src: ImportSource, db: Db, maxRows = 20): Promise<ImportPreview> {
  const d = await detectSource(src);
  const columns = await availableColumns(d);
  const reader = await openSource(d);
  const rows: PreviewRow[] = [];
  const skipped: SkippedItem[] = [];
  const it = reader.events(() => {});
  try {
    for await (const e of it) {
      if (e.t === 'skip') { if (skipped.length < 50) skipped.push({ file: e.file, line: e.line, reason: e.reason, message: e.message }); continue; }
      const caption = e.t === 'caption' ? e.text : null;
      const tokens = caption !== null ? tokenize(caption) : null;
      if (caption !== null && !tokens?.length) { skipped.push({ file: e.file, line: e.line, reason: 'empty_caption', message: `caption for ${e.key} has no words` }); continue; }
      rows.push({
        file: e.file, line: e.line, key: e.key, label: e.t === 'item' ? e.label ?? null : null, caption, tokens,
        image: 'none', width: e.t === 'item' ? e.size?.[0] ?? null : null, height: e.t === 'item' ? e.size?.[1] ?? null : null,
      });
      if (rows.length >= maxRows) break;
    }
  } finally {
    await it.return(undefined);
  }
  if (d.imagesDir) {
    const root = d.imagesDir;
    await Promise.all(rows.map(async (r) => {
      const rel = r.key;
      const abs = resolveInside(root, rel);
      const p = abs ? await probeImage(abs) : null;
      if (p?.ok) { r.image = 'ok'; r.width = p.width; r.height = p.height; return; }
      r.image = p?.reason === 'undecodable_image' ? 'undecodable' : 'missing';
      skipped.push({ file: r.line !== null && r.file !== r.key ? r.file : r.key, line: r.line, reason: p?.reason ?? 'missing_image', message: `${r.image} image ${r.key}${p && !p.ok ? `: ${p.message}` : ''}` });
    }));
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
    if (d.format !== 'coco') lines = await countLines(d.file);
    if (d.imagesDir) images = (await sortedEntries(d.imagesDir)).filter((e) => isImageName(e.name)).length;
  }
  const fp = await fingerprintSource(d);
  return {
    detected: d, availableColumns: columns, rows, skipped,
    estimate: { lines, images, classes },
    duplicateOf: findDuplicate(db, fp),
    suggestedName: suggestName(d),
  };
}

