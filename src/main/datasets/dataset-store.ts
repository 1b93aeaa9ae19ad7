/** Reading and changing imported datasets (the import itself writes through importer.ts). */
import fs from 'node:fs';
import path from 'node:path';
import type {
  DatasetInfo,
  DatasetItem,
  DatasetItemDetail,
  DatasetStats,
  Histogram,
  ItemsPage,
  ItemsQuery,
  SkipReason,
  SkippedItem,
  SplitName,
  SplitSpec,
} from '../../shared/dataset-schema';
import { tokenize, unkShare } from '../../shared/tokenize';
import type { Db } from '../store/db';
import { countsOf, readDatasetInfo, rowToInfo } from './importer';
import { assignSplits } from './splits';

interface ItemRow {
  id: number;
  dataset_id: string;
  ord: number;
  key: string;
  path: string | null;
  frame: number | null;
  label: number | null;
  split: SplitName;
  source_split: SplitName | null;
  width: number | null;
  height: number | null;
  bytes: number | null;
  image_format: string | null;
  origin_file: string | null;
  origin_line: number | null;
  caption_count: number;
  first_caption: string | null;
  class_name: string | null;
}

/** Where an item's pixels are: main resolves this; clients only ever send the item id. */
/** Where an item's image is: `file` inside the folder `root` (the dataset's images folder, or its idx folder). */
export interface ItemImageSource {
  datasetId: string;
  itemId: number;
  file: string | null;
  root: string | null;
  frame: number | null;
  width: number | null;
  height: number | null;
}

/** FTS5 query from what a user typed: every word must occur; `dog*` matches by prefix. */
export function ftsQuery(search: string): string | null {
  const parts: string[] = [];
  for (const raw of search.trim().split(/\s+/)) {
    if (!raw) continue;
    const prefix = raw.endsWith('*');
    const toks = tokenize(prefix ? raw.slice(0, -1) : raw);
    toks.forEach((t, i) => parts.push(`"${t.replace(/"/g, '""')}"${prefix && i === toks.length - 1 ? '*' : ''}`));
  }
  return parts.length ? parts.join(' ') : null;
}

export function histogram(rows: readonly { value: number; count: number }[], maxBins = 60): Histogram {
  if (!rows.length) return { bins: [], min: 0, max: 0, mean: 0 };
  let min = Infinity;
  let max = -Infinity;
  let n = 0;
  let sum = 0;
  for (const r of rows) {
    min = Math.min(min, r.value);
    max = Math.max(max, r.value);
    n += r.count;
    sum += r.value * r.count;
  }
  const width = Math.max(1, Math.ceil((max - min + 1) / maxBins));
  const bins = new Map<number, number>();
  for (const r of rows) {
    const b = min + Math.floor((r.value - min) / width) * width;
    bins.set(b, (bins.get(b) ?? 0) + r.count);
  }
  return { bins: [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([value, count]) => ({ value, count })), min, max, mean: n ? sum / n : 0 };
}

export class DatasetStore {
  constructor(
    readonly db: Db,
    readonly dataDir: string,
  ) {}

  datasetDir(id: string): string {
    return path.join(this.dataDir, 'datasets', id);
  }

  list(): DatasetInfo[] {
    const rows = this.db.prepare('SELECT * FROM datasets ORDER BY created_at DESC, id DESC').all() as Parameters<typeof rowToInfo>[1][];
    return rows.map((r) => rowToInfo(this.db, r));
  }

  get(id: string): DatasetInfo | null {
    return readDatasetInfo(this.db, id);
  }

  private readonly itemSelect = `SELECT i.*, c.name AS class_name FROM dataset_items i
    LEFT JOIN dataset_classes c ON c.dataset_id = i.dataset_id AND c.idx = i.label`;

  private toItem(r: ItemRow, kind: string): DatasetItem {
    return {
      id: r.id,
      datasetId: r.dataset_id,
      index: r.ord,
      key: r.key,
      label: r.label,
      className: r.class_name,
      split: r.split,
      width: r.width,
      height: r.height,
      hasImage: kind !== 'text' && r.width !== null,
      caption: r.first_caption,
      captionCount: r.caption_count,
    };
  }

  items(q: ItemsQuery): ItemsPage | null {
    const info = this.get(q.id);
    if (!info) return null;
    const where: string[] = ['i.dataset_id = ?'];
    const args: unknown[] = [q.id];
    if (q.label !== undefined) {
      let idx = q.label;
      if (typeof idx === 'string') {
        const found = this.db.prepare('SELECT idx FROM dataset_classes WHERE dataset_id = ? AND name = ?').pluck().get(q.id, idx) as number | undefined;
        idx = found ?? -1;
      }
      where.push('i.label = ?');
      args.push(idx);
    }
    if (q.split) {
      where.push('i.split = ?');
      args.push(q.split);
    }
    const fts = q.search ? ftsQuery(q.search) : null;
    if (fts) {
      where.push(`i.id IN (SELECT c.item_id FROM dataset_captions_fts f JOIN dataset_captions c ON c.id = f.rowid
        WHERE dataset_captions_fts MATCH ? AND c.dataset_id = ?)`);
      args.push(fts, q.id);
    }
    let rows: ItemRow[];
    let total: number;
    if (where.length === 1) {
      // Unfiltered: ord runs 0..n-1, so a page is an index seek wherever it is (no OFFSET scan).
      total = info.counts.items;
      rows = this.db
        .prepare(`${this.itemSelect} WHERE i.dataset_id = ? AND i.ord >= ? AND i.ord < ? ORDER BY i.ord`)
        .all(q.id, q.offset, q.offset + q.limit) as ItemRow[];
    } else {
      const w = where.join(' AND ');
      total = this.db
        .prepare(`SELECT COUNT(*) FROM dataset_items i WHERE ${w}`)
        .pluck()
        .get(...args) as number;
      // Skip rows over the index only, then join the page.
      rows = this.db
        .prepare(`${this.itemSelect} WHERE i.id IN (SELECT i.id FROM dataset_items i WHERE ${w} ORDER BY i.ord LIMIT ? OFFSET ?) ORDER BY i.ord`)
        .all(...args, q.limit, q.offset) as ItemRow[];
    }
    return { total, offset: q.offset, items: rows.map((r) => this.toItem(r, info.kind)) };
  }

  item(itemId: number): DatasetItemDetail | null {
    const r = this.db.prepare(`${this.itemSelect} WHERE i.id = ?`).get(itemId) as ItemRow | undefined;
    if (!r) return null;
    const kind = this.db.prepare('SELECT kind FROM datasets WHERE id = ?').pluck().get(r.dataset_id) as string;
    const caps = this.db.prepare('SELECT n, text, tokens, line FROM dataset_captions WHERE item_id = ? ORDER BY n').all(itemId) as {
      n: number;
      text: string;
      tokens: string;
      line: number | null;
    }[];
    const lines = caps.map((c) => c.line).filter((l): l is number => l !== null);
    return {
      ...this.toItem(r, kind),
      captions: caps.map((c) => ({ n: c.n, text: c.text, tokens: c.tokens ? c.tokens.split(' ') : [] })),
      imageFormat: r.image_format,
      bytes: r.bytes,
      origin: { file: r.origin_file ?? r.key, lines: lines.length ? lines : r.origin_line !== null ? [r.origin_line] : [] },
    };
  }

  /** The file behind an item, resolved from the store (never from a client). */
  imageSource(itemId: number): ItemImageSource | null {
    return this.imageSources([itemId])[0] ?? null;
  }

  /** imageSource for a page of items in one query; null where an id is unknown. */
  imageSources(itemIds: readonly number[]): (ItemImageSource | null)[] {
    if (!itemIds.length) return [];
    const rows = this.db
      .prepare(
        `SELECT i.id, i.dataset_id, i.path, i.frame, i.width, i.height, d.images_dir, d.source, d.format, d.kind
      FROM dataset_items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(itemIds)) as {
      id: number;
      dataset_id: string;
      path: string | null;
      frame: number | null;
      width: number | null;
      height: number | null;
      images_dir: string | null;
      source: string;
      format: string;
      kind: string;
    }[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return itemIds.map((id) => {
      const r = byId.get(id);
      if (!r) return null;
      let file: string | null = null;
      const root = r.format === 'mnist' ? r.source : r.images_dir;
      if (r.path !== null) {
        if (root && r.kind !== 'text') {
          const abs = path.resolve(root, r.path);
          if (abs.startsWith(path.resolve(root) + path.sep)) file = abs;
        }
      }
      return { datasetId: r.dataset_id, itemId: r.id, file, root: file ? root : null, frame: r.frame, width: r.width, height: r.height };
    });
  }

  skipped(id: string, offset: number, limit: number): { total: number; items: SkippedItem[] } {
    const total = this.db.prepare('SELECT COUNT(*) FROM dataset_skips WHERE dataset_id = ?').pluck().get(id) as number;
    const items = this.db
      .prepare('SELECT file, line, reason, message FROM dataset_skips WHERE dataset_id = ? ORDER BY id LIMIT ? OFFSET ?')
      .all(id, limit, offset) as SkippedItem[];
    return { total, items };
  }

  stats(id: string, cutoff: number, top: number): DatasetStats | null {
    const info = this.get(id);
    if (!info) return null;
    const db = this.db;
    const classes = db
      .prepare(
        `SELECT c.idx AS "index", c.name, (SELECT COUNT(*) FROM dataset_items i WHERE i.dataset_id = c.dataset_id AND i.label = c.idx) AS count
      FROM dataset_classes c WHERE c.dataset_id = ? ORDER BY c.idx`,
      )
      .all(id) as DatasetStats['classes'];
    const captioned = info.kind !== 'classification';
    const perImage = captioned
      ? (db.prepare('SELECT caption_count AS value, COUNT(*) AS count FROM dataset_items WHERE dataset_id = ? GROUP BY caption_count').all(id) as {
          value: number;
          count: number;
        }[])
      : [];
    const lengths = captioned
      ? (db.prepare('SELECT ntokens AS value, COUNT(*) AS count FROM dataset_captions WHERE dataset_id = ? GROUP BY ntokens').all(id) as {
          value: number;
          count: number;
        }[])
      : [];
    const words = db.prepare('SELECT word, count FROM dataset_words WHERE dataset_id = ?').raw().all(id) as [string, number][];
    const u = unkShare(words, cutoff);
    const topWords = [...words]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, top)
      .map(([word, count]) => ({ word, count }));
    const byCutoff = [1, 2, 3, 5, 10, 20, 50].map((c) => {
      const x = unkShare(words, c);
      return { cutoff: c, unkShare: x.share, size: x.vocabulary };
    });
    const widths = db
      .prepare('SELECT width AS value, COUNT(*) AS count FROM dataset_items WHERE dataset_id = ? AND width IS NOT NULL GROUP BY width')
      .all(id) as { value: number; count: number }[];
    const heights = db
      .prepare('SELECT height AS value, COUNT(*) AS count FROM dataset_items WHERE dataset_id = ? AND height IS NOT NULL GROUP BY height')
      .all(id) as { value: number; count: number }[];
    const common = db
      .prepare(
        'SELECT width, height, COUNT(*) AS count FROM dataset_items WHERE dataset_id = ? AND width IS NOT NULL GROUP BY width, height ORDER BY count DESC, width, height LIMIT 10',
      )
      .all(id) as DatasetStats['imageSizes']['common'];
    const skippedByReason: Partial<Record<SkipReason, number>> = {};
    for (const r of db.prepare('SELECT reason, COUNT(*) AS n FROM dataset_skips WHERE dataset_id = ? GROUP BY reason').all(id) as {
      reason: SkipReason;
      n: number;
    }[])
      skippedByReason[r.reason] = r.n;
    return {
      datasetId: id,
      kind: info.kind,
      counts: countsOf(db, id),
      classes,
      captionsPerImage: histogram(perImage),
      captionLength: histogram(lengths),
      vocabulary: { size: words.length, tokens: u.tokens, top: topWords, cutoff, unkShare: u.share, sizeAtCutoff: u.vocabulary, byCutoff },
      imageSizes: { count: info.kind === 'text' ? 0 : widths.reduce((a, r) => a + r.count, 0), width: histogram(widths), height: histogram(heights), common },
      skippedByReason,
    };
  }

  /** Re-splits by image with a new seed/fractions; the split is stored and returned. */
  split(id: string, spec: SplitSpec): DatasetInfo | null {
    if (!this.get(id)) return null;
    const rows = this.db.prepare('SELECT id, key, source_split AS sourceSplit FROM dataset_items WHERE dataset_id = ? ORDER BY ord').all(id) as {
      id: number;
      key: string;
      sourceSplit: SplitName | null;
    }[];
    const splits = assignSplits(rows, spec);
    const upd = this.db.prepare('UPDATE dataset_items SET split = ? WHERE id = ?');
    this.db
      .transaction(() => {
        rows.forEach((r, i) => upd.run(splits[i], r.id));
        const stats = JSON.parse(this.db.prepare('SELECT stats_json FROM datasets WHERE id = ?').pluck().get(id) as string) as Record<string, unknown>;
        stats.counts = countsOf(this.db, id);
        this.db.prepare('UPDATE datasets SET split_json = ?, stats_json = ? WHERE id = ?').run(JSON.stringify(spec), JSON.stringify(stats), id);
      })
      .immediate();
    return this.get(id);
  }

  /** Deletes the rows (one transaction) and the dataset's folder of thumbnails and caches. */
  delete(id: string): boolean {
    const deleted = this.db
      .transaction(() => {
        // Captions first, so the full-text index is updated row by row by its trigger.
        this.db.prepare('DELETE FROM dataset_captions WHERE dataset_id = ?').run(id);
        return this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0;
      })
      .immediate();
    fs.rmSync(this.datasetDir(id), { recursive: true, force: true });
    return deleted;
  }
}
