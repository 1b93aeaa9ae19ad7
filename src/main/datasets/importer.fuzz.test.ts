/**
 * A bounded, seeded fuzz of the dataset importers with corrupted real files: truncated JPEG and
 * PNG images, binary garbage, very long lines, CSVs with broken quoting, wrong encodings (UTF-16,
 * Latin-1), JSON lines and COCO files cut short, idx files with a wrong magic or short data, and
 * plain garbage where an annotation file should be. Every case must either import, with each
 * skipped item naming its file (and its line, for text files), or fail with a clear error naming
 * the source; every good row of a case that imports is there; and a dataset imported before all
 * this is intact afterwards (and the database passes PRAGMA integrity_check).
 *
 * MLBL_FUZZ_SEED (default 11) and MLBL_FUZZ_CASES (default 56: each kind 7 times) repeat or widen a run.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions, SKIP_REASONS, type ImportReport } from '../../shared/dataset-schema';
import { seededRandom } from '../../shared/random';
import { Store } from '../store/store';
import { runImport } from './importer';
import { tmpDir, writeIdx, writeImage } from './testing';

const SEED = Number(process.env.MLBL_FUZZ_SEED ?? 11);
const CASES = Number(process.env.MLBL_FUZZ_CASES ?? 56);
const CASE_MS = 60_000;

let root = '';
let store: Store;
let baseline: { id: string; digest: string };

/** Everything stored for one dataset, hashed: items, captions, classes, words, skips, the row itself. */
function digest(s: Store, id: string): string {
  const h = createHash('sha256');
  for (const q of [
    'SELECT id, name, kind, source, format, images_dir, fingerprint, split_json, stats_json FROM datasets WHERE id = ?',
    'SELECT ord, key, path, frame, label, split, width, height, bytes, image_format, origin_file, origin_line, caption_count, first_caption FROM dataset_items WHERE dataset_id = ? ORDER BY ord',
    'SELECT c.n, c.text, c.tokens, c.line, i.key FROM dataset_captions c JOIN dataset_items i ON i.id = c.item_id WHERE c.dataset_id = ? ORDER BY i.ord, c.n',
    'SELECT idx, name FROM dataset_classes WHERE dataset_id = ? ORDER BY idx',
    'SELECT word, count FROM dataset_words WHERE dataset_id = ? ORDER BY word',
    'SELECT file, line, reason, message FROM dataset_skips WHERE dataset_id = ? ORDER BY id',
  ])
    h.update(JSON.stringify(s.db.prepare(q).all(id)));
  return h.digest('hex');
}

async function importIt(o: Record<string, unknown>): Promise<ImportReport> {
  return runImport(ImportOptions.parse({ allowDuplicate: true, ...o }), { dbFile: store.file });
}

beforeAll(async () => {
  root = tmpDir('mlbl-fuzz-');
  store = new Store(path.join(root, 'data'));
  const base = path.join(root, 'baseline');
  for (let i = 0; i < 4; i++) await writeImage(path.join(base, 'images', `b${i}.jpg`), { seed: 100 + i });
  fs.writeFileSync(
    path.join(base, 'captions.csv'),
    ['image,caption', ...[0, 1, 2, 3].flatMap((i) => [`b${i}.jpg,A dog number ${i} runs .`, `b${i}.jpg,"Two dogs, playing ${i}"`])].join('\n') + '\n',
  );
  const r = await importIt({ path: path.join(base, 'captions.csv') });
  expect(r.counts).toMatchObject({ items: 4, captions: 8, skipped: 0 });
  baseline = { id: r.dataset.id, digest: digest(store, r.dataset.id) };
});

afterAll(() => {
  store?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const bytes = (r: Rand, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));

/** One bad line of a captions file, as text. */
function badLine(r: Rand, sep: string): string {
  switch (int(r, 0, 9)) {
    case 0:
      return `long.jpg${sep}${'a very long caption '.repeat(int(r, 5_000, 60_000))}`; // 100 kB .. 1.2 MB
    case 1:
      return `q.jpg${sep}"an unterminated quote`;
    case 2:
      return `q2.jpg${sep}"closed" then text`;
    case 3:
      return ['x.jpg', 'a', 'b', 'c'].join(sep);
    case 4:
      return `nul.jpg${sep}a caption with \u0000 NUL \u0000 bytes`;
    case 5:
      return bytes(r, int(r, 1, 300))
        .toString('latin1')
        .replace(/[\r\n]/g, ' ');
    case 6:
      return `blank.jpg${sep}   `;
    case 7:
      return sep.repeat(int(r, 1_000, 100_000));
    case 8:
      return `"${'"'.repeat(int(r, 1, 50))}`;
    default:
      return `missing${int(r, 0, 99)}.jpg${sep}A picture that is not there .`;
  }
}

/** Writes good images (their names returned) and corrupted ones into `dir`. */
async function images(r: Rand, dir: string, nGood: number): Promise<{ good: string[]; bad: string[] }> {
  const good: string[] = [];
  const bad: string[] = [];
  for (let i = 0; i < nGood; i++) {
    const png = r() < 0.3;
    const name = `g${i}.${png ? 'png' : 'jpg'}`;
    await writeImage(path.join(dir, name), { seed: int(r, 0, 1000), width: int(r, 8, 48), height: int(r, 8, 48) });
    good.push(name);
  }
  for (let i = 0; i < int(r, 1, 4); i++) {
    const kind = int(r, 0, 4);
    const name = `bad${i}.${kind === 1 ? 'png' : 'jpg'}`;
    const file = path.join(dir, name);
    if (kind <= 1) {
      await writeImage(file, { seed: i, width: 64, height: 48, format: kind === 1 ? 'png' : 'jpeg' });
      const b = fs.readFileSync(file);
      fs.writeFileSync(file, b.subarray(0, Math.max(1, Math.floor(b.length * (0.05 + r() * 0.8)))));
    } else if (kind === 2) fs.writeFileSync(file, bytes(r, int(r, 1, 5000)));
    else if (kind === 3) fs.writeFileSync(file, Buffer.alloc(0));
    else fs.writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), bytes(r, int(r, 10, 2000))]));
    bad.push(name);
  }
  return { good, bad };
}

function encode(r: Rand, text: string): { buf: Buffer; encoding: string } {
  const e = pick(r, ['utf8', 'utf8', 'utf8', 'utf16le', 'latin1'] as const);
  if (e === 'utf16le') return { buf: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), encoding: e };
  return { buf: Buffer.from(text, e), encoding: e };
}

const KINDS = ['csv', 'token', 'jsonl', 'coco', 'idx', 'folders', 'garbage', 'csv'] as const;
const IDX_FAULTS = ['short', 'magic', 'labels-short', 'huge-count', 'huge-dims', 'garbage', 'no-labels'] as const;

interface Case {
  kind: string;
  path: string;
  images?: string;
  format?: string;
  goodKeys: string[];
  textFiles: string[];
}

async function makeCase(r: Rand, n: number): Promise<Case> {
  const dir = path.join(root, `case-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  // Every kind in turn (random details), so any number of cases covers them all.
  const kind = KINDS[n % KINDS.length] as (typeof KINDS)[number];
  if (kind === 'csv' || kind === 'token') {
    const { good, bad } = await images(r, path.join(dir, 'images'), int(r, 1, 3));
    const sep = kind === 'csv' ? ',' : '\t';
    const goodLine = (img: string, j: number): string => (kind === 'csv' ? `${img},"A caption, number ${j} é ü"` : `${img}#${j}\tA caption number ${j} é ü`);
    const lines: string[] = kind === 'csv' ? ['image,caption'] : [];
    for (const img of good) lines.push(goodLine(img, 0), goodLine(img, 1));
    for (const img of bad) lines.push(goodLine(img, 0));
    for (let j = 0; j < int(r, 1, 6); j++) lines.splice(int(r, kind === 'csv' ? 1 : 0, lines.length), 0, badLine(r, sep));
    const name = kind === 'csv' ? 'captions.csv' : 'Flickr8k.token.txt';
    const { buf, encoding } = encode(r, lines.join(pick(r, ['\n', '\r\n'])) + '\n');
    fs.writeFileSync(path.join(dir, name), buf);
    return { kind: `${kind} (${encoding})`, path: path.join(dir, name), goodKeys: encoding === 'utf8' ? good : [], textFiles: [name] };
  }
  if (kind === 'jsonl') {
    const { good } = await images(r, path.join(dir, 'images'), int(r, 1, 3));
    const lines = good.map((img) => JSON.stringify({ image: img, caption: `A good caption for ${img}` }));
    for (let j = 0; j < int(r, 1, 6); j++) {
      lines.splice(
        int(r, 1, lines.length),
        0,
        pick(r, [
          '{"image": "a.jpg", "caption": ',
          '[1, 2, 3]',
          'null',
          '{"image": 5, "caption": "x"}',
          '{"image": "g0.jpg", "caption": ["ok one", 7, null, ""]}',
          `{"image": "long.jpg", "caption": "${'word '.repeat(int(r, 10_000, 100_000))}"}`,
          bytes(r, 200)
            .toString('latin1')
            .replace(/[\r\n]/g, ' '),
        ]),
      );
    }
    fs.writeFileSync(path.join(dir, 'data.jsonl'), lines.join('\n'));
    return { kind, path: path.join(dir, 'data.jsonl'), goodKeys: good, textFiles: ['data.jsonl'] };
  }
  if (kind === 'coco') {
    const { good } = await images(r, path.join(dir, 'images'), int(r, 1, 3));
    const doc = JSON.stringify({
      images: [...good.map((f, i) => ({ id: i, file_name: f })), { id: 'x' }, null, { id: 0, file_name: 'dup.jpg' }],
      annotations: [...good.map((_, i) => ({ image_id: i, caption: `Caption ${i} .` })), { image_id: 99, caption: 'no such image' }, { caption: 'no id' }, 7],
    });
    const cut = r() < 0.5;
    fs.writeFileSync(path.join(dir, 'captions_train.json'), cut ? doc.slice(0, int(r, 1, doc.length - 1)) : doc);
    return {
      kind: cut ? 'coco (cut short)' : 'coco',
      path: path.join(dir, 'captions_train.json'),
      goodKeys: cut ? [] : good,
      textFiles: ['captions_train.json'],
    };
  }
  if (kind === 'idx') {
    const count = int(r, 1, 40);
    const how = IDX_FAULTS[Math.floor(n / KINDS.length) % IDX_FAULTS.length] as (typeof IDX_FAULTS)[number];
    writeIdx(dir, 'fz', count, { truncateImages: how === 'short' ? int(r, 1, 28 * 28 * count) : 0, labels: how !== 'no-labels' });
    const img = path.join(dir, 'fz-images-idx3-ubyte');
    const lab = path.join(dir, 'fz-labels-idx1-ubyte');
    if (how === 'magic') {
      const b = fs.readFileSync(img);
      b.writeUInt16BE(0x1234, 0);
      fs.writeFileSync(img, b);
    }
    if (how === 'labels-short') fs.writeFileSync(lab, fs.readFileSync(lab).subarray(0, 8 + Math.floor(count / 2)));
    // A header claiming 2^32 - 1 images, or 65535 x 65535 pixels each, over a few bytes of data.
    if (how === 'huge-count') {
      const b = fs.readFileSync(img);
      b.writeUInt32BE(0xffffffff, 4);
      fs.writeFileSync(img, b);
    }
    if (how === 'huge-dims') {
      const b = fs.readFileSync(img);
      b.writeUInt32BE(0xffff, 8);
      b.writeUInt32BE(0xffff, 12);
      fs.writeFileSync(img, b);
    }
    if (how === 'garbage') fs.writeFileSync(img, bytes(r, int(r, 0, 64)));
    return { kind: `idx (${how})`, path: dir, goodKeys: [], textFiles: [] };
  }
  if (kind === 'folders') {
    for (const cls of ['cat', 'dog']) await images(r, path.join(dir, cls), int(r, 1, 2));
    fs.writeFileSync(path.join(dir, 'cat', 'notes.txt'), bytes(r, 100));
    return { kind, path: dir, goodKeys: [], textFiles: [] };
  }
  const name = pick(r, ['captions.csv', 'data.jsonl', 'Flickr8k.token.txt', 'captions.json', 'random.bin']);
  fs.writeFileSync(path.join(dir, name), bytes(r, int(r, 0, 20_000)));
  return { kind: `garbage ${name}`, path: path.join(dir, name), goodKeys: [], textFiles: [name] };
}

describe('importer fuzz', () => {
  it(`${CASES} corrupted sources import with reports or fail clearly; a dataset imported before is intact`, async () => {
    const r = seededRandom(SEED);
    const tally = { imported: 0, failed: 0, skippedItems: 0, byKind: {} as Record<string, string> };
    for (let n = 0; n < CASES; n++) {
      const c = await makeCase(r, n);
      const label = `case ${n} (seed ${SEED}): ${c.kind} at ${c.path}`;
      let report: ImportReport | null = null;
      let error: Error | null = null;
      const t0 = Date.now();
      try {
        report = await Promise.race([
          importIt({ path: c.path, ...(c.images ? { images: c.images } : {}) }),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${label}: no answer within ${CASE_MS} ms`)), CASE_MS)),
        ]);
      } catch (e) {
        error = e as Error;
        expect(error.message, label).not.toMatch(/no answer within/);
      }
      if (error) {
        tally.failed++;
        // A clear error: names the source (file or folder) and is not an internal slip.
        const dir = fs.statSync(c.path).isDirectory() ? c.path : path.dirname(c.path);
        const names = [path.basename(c.path), c.path, ...(fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.basename(f))];
        expect(
          names.some((x) => error?.message.includes(x)),
          `${label}: ${error.message}`,
        ).toBe(true);
        expect(error.message, label).not.toMatch(/undefined|\[object |Cannot read prop|is not a function|Maximum call stack/);
      } else if (report) {
        tally.imported++;
        tally.skippedItems += report.skippedTotal;
        expect(report.counts.skipped, label).toBe(report.skippedTotal);
        for (const s of report.skipped) {
          expect(SKIP_REASONS, label).toContain(s.reason);
          expect(s.file.length, `${label}: ${JSON.stringify(s)}`).toBeGreaterThan(0);
          expect(s.message.length, label).toBeGreaterThan(0);
          // Lines of text files are named by number (COCO entries by their index in the message).
          if (c.textFiles.includes(s.file) && !c.kind.startsWith('coco')) expect(s.line, `${label}: ${JSON.stringify(s)}`).toBeGreaterThan(0);
        }
        // Every good row of the case is there.
        const keys = store.db.prepare('SELECT key FROM dataset_items WHERE dataset_id = ?').pluck().all(report.dataset.id) as string[];
        for (const k of c.goodKeys) expect(keys, `${label}: good image ${k}`).toContain(k);
      }
      tally.byKind[`${n} ${c.kind}`] = error
        ? `failed: ${error.message.slice(0, 120)}`
        : `imported ${report?.counts.items} items, ${report?.skippedTotal} skipped (${Date.now() - t0} ms)`;
      expect(digest(store, baseline.id), `${label}: the baseline dataset changed`).toBe(baseline.digest);
    }
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const datasets = store.db.prepare('SELECT COUNT(*) FROM datasets').pluck().get() as number;
    expect(datasets).toBe(1 + tally.imported);
    process.stdout.write(
      `importer fuzz: ${JSON.stringify({ seed: SEED, cases: CASES, imported: tally.imported, failed: tally.failed, skippedItems: tally.skippedItems })}\n${Object.entries(
        tally.byKind,
      )
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}\n`,
    );
    expect(tally.imported).toBeGreaterThan(0);
    expect(tally.failed).toBeGreaterThan(0);
  });
});
