import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetSummary } from '../../shared/api';
import type { DatasetItemDetail, DatasetStats, ImportPreview, ImportProgress, ImportReport, ItemsPage, Thumbnail } from '../../shared/dataset-schema';
import { createHost, type Host } from '../host';
import { FLICKR_MINI, tmpDir, writeIdx, writeImage, writeText, writeTruncatedJpeg } from './testing';

const dirs: string[] = [];
const hosts: Host[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = tmpDir();
  dirs.push(d);
  return d;
}
function host(): Host {
  const h = createHost({ dataDir: dir(), transport: 'websocket', concurrency: 0 });
  hosts.push(h);
  return h;
}
const call = <T>(h: Host, m: string, input: unknown): Promise<T> => h.dispatch(m, input) as Promise<T>;

describe('datasets API (import in a worker thread)', () => {
  it('previews, imports flickr8k-mini with progress events, browses, makes and caches thumbnails, deletes', async () => {
    const h = host();
    const events: ImportProgress[] = [];
    h.subscribe((e, p) => {
      if (e === 'dataset.import.progress') events.push(p as ImportProgress);
    });

    const pv = await call<ImportPreview>(h, 'datasets.preview', { path: FLICKR_MINI });
    expect(pv.detected).toMatchObject({ format: 'flickr8k', kind: 'captions', columns: { image: 'image', caption: 'caption' } });
    expect(pv.availableColumns).toEqual(['image', 'caption']);
    expect(pv.rows).toHaveLength(20);
    expect(pv.rows[0]).toMatchObject({ line: 2, key: '1000268201_693b08cb0e.jpg', image: 'ok' });
    expect(pv.estimate).toMatchObject({ lines: 4001, images: 800 });
    expect(pv.duplicateOf).toBeNull();
    expect(pv.suggestedName).toBe('flickr8k-mini');

    const t0 = Date.now();
    const r = await call<ImportReport>(h, 'datasets.import', { path: FLICKR_MINI, importId: 'ui-1' });
    const ms = Date.now() - t0;
    expect(r.counts).toMatchObject({ items: 800, images: 800, captions: 4000, skipped: 0 });
    expect(events.length).toBeGreaterThan(2);
    expect(events.every((e) => e.importId === 'ui-1')).toBe(true);
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['scan', 'images', 'write', 'done']));
    expect(events.at(-1)).toMatchObject({ phase: 'done', datasetId: r.dataset.id, done: 800 });
    console.log(`flickr8k-mini import through the API (worker): ${ms} ms`);

    const list = await call<DatasetSummary[]>(h, 'datasets.list', {});
    expect(list.map((d) => d.id)).toEqual([r.dataset.id]);
    expect(list[0]).toMatchObject({ format: 'flickr8k', counts: { items: 800 }, stats: { counts: { captions: 4000 } } });
    expect((await call<ImportPreview>(h, 'datasets.preview', { path: FLICKR_MINI })).duplicateOf).toEqual({ id: r.dataset.id, name: 'flickr8k-mini' });
    await expect(call(h, 'datasets.import', { path: FLICKR_MINI })).rejects.toMatchObject({ code: 'conflict' });

    const page = await call<ItemsPage>(h, 'datasets.items', { id: r.dataset.id, search: 'dog', limit: 200 });
    expect(page.total).toBeGreaterThan(50);
    const first = page.items[0] as ItemsPage['items'][number];
    const item = await call<DatasetItemDetail>(h, 'datasets.item', { itemId: first.id });
    expect(item.captions).toHaveLength(5);

    const th = await call<Thumbnail>(h, 'datasets.thumbnail', { itemId: first.id, size: 96 });
    expect(th.dataUrl.startsWith('data:image/webp;base64,')).toBe(true);
    expect(Math.max(th.width, th.height)).toBe(96);
    const cached = path.join(h.dataDir, 'datasets', r.dataset.id, 'thumbs', `${first.id}-96.webp`);
    expect(fs.existsSync(cached)).toBe(true);
    const meta = await sharp(fs.readFileSync(cached)).metadata();
    expect([meta.width, meta.height]).toEqual([th.width, th.height]);
    // A page of thumbnails; the second fetch comes from the disk cache.
    const ids = page.items.map((i) => i.id);
    const a = await call<{ thumbnails: Thumbnail[]; missing: number[] }>(h, 'datasets.thumbnails', { itemIds: ids });
    expect(a.thumbnails).toHaveLength(ids.length);
    const t1 = performance.now();
    const b = await call<{ thumbnails: Thumbnail[]; missing: number[] }>(h, 'datasets.thumbnails', { itemIds: ids });
    console.log(`page of ${ids.length} cached thumbnails: ${(performance.now() - t1).toFixed(1)} ms`);
    expect(b.thumbnails.map((t) => t.dataUrl)).toEqual(a.thumbnails.map((t) => t.dataUrl));
    // Clients can only name items, never paths.
    await expect(call(h, 'datasets.thumbnail', { itemId: 99_999_999 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call(h, 'datasets.thumbnail', { path: '/etc/passwd' })).rejects.toMatchObject({ code: 'bad_request' });

    const st = await call<DatasetStats>(h, 'datasets.stats', { id: r.dataset.id, cutoff: 3 });
    expect(st.vocabulary.cutoff).toBe(3);
    expect(st.counts.captions).toBe(4000);

    const resplit = await call<DatasetSummary>(h, 'datasets.split', { id: r.dataset.id, split: { seed: 3, train: 0.5, validation: 0.25, test: 0.25 } });
    expect(resplit.counts.splits).toEqual({ train: 400, validation: 200, test: 200 });
    await expect(call(h, 'datasets.split', { id: r.dataset.id, split: { seed: 3, train: 0.5, validation: 0.5, test: 0.5 } })).rejects.toMatchObject({
      code: 'bad_request',
    });

    expect(await call(h, 'datasets.delete', { id: r.dataset.id })).toEqual({ deleted: true });
    expect(fs.existsSync(path.join(h.dataDir, 'datasets', r.dataset.id))).toBe(false);
    expect(await call(h, 'datasets.list', {})).toEqual([]);
    expect(h.store.db.prepare('SELECT COUNT(*) FROM dataset_captions_fts').pluck().get()).toBe(0);
    await expect(call(h, 'datasets.get', { id: r.dataset.id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('MNIST thumbnails come from the idx file; skipped items are paged; bad sources are bad requests', async () => {
    const h = host();
    const src = dir();
    writeIdx(src, 'train', 12);
    const r = await call<ImportReport>(h, 'datasets.import', { path: path.join(src, 'train-images-idx3-ubyte') });
    expect(r.counts.items).toBe(12);
    const items = await call<ItemsPage>(h, 'datasets.items', { id: r.dataset.id, label: 1 });
    expect(items.items.map((i) => i.key)).toEqual(['train/01', 'train/11']);
    expect(items.items.map((i) => i.className)).toEqual(['1', '1']);
    const th = await call<Thumbnail>(h, 'datasets.thumbnail', { itemId: items.items[0]?.id });
    expect([th.width, th.height]).toEqual([128, 128]);

    const bad = dir();
    await writeImage(path.join(bad, 'ok', 'a.png'));
    await writeTruncatedJpeg(path.join(bad, 'ok', 'b.jpg'));
    writeText(path.join(bad, 'ok', 'c.txt'), 'x');
    const rb = await call<ImportReport>(h, 'datasets.import', { path: bad, format: 'folders' });
    const sk = await call<{ total: number; items: unknown[] }>(h, 'datasets.skipped', { id: rb.dataset.id, offset: 1, limit: 5 });
    expect(sk.total).toBe(2);
    expect(sk.items).toHaveLength(1);

    await expect(call(h, 'datasets.import', { path: path.join(src, 'nothing-here') })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(call(h, 'datasets.preview', { path: src, format: 'coco' })).rejects.toMatchObject({ code: 'bad_request' });
    const text = await call<ImportReport>(h, 'datasets.import', { path: path.join(FLICKR_MINI, 'captions.csv'), textOnly: true });
    const tItem = (await call<ItemsPage>(h, 'datasets.items', { id: text.dataset.id, limit: 1 })).items[0];
    await expect(call(h, 'datasets.thumbnail', { itemId: tItem?.id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('cancelling an import leaves nothing behind', async () => {
    const h = host();
    const src = dir();
    for (let c = 0; c < 2; c++) for (let i = 0; i < 150; i++) await writeImage(path.join(src, `c${c}`, `${i}.png`), { seed: i, width: 64, height: 64 });
    let cancelled = false;
    h.subscribe((e, p) => {
      const pr = p as ImportProgress;
      if (e === 'dataset.import.progress' && pr.phase === 'images' && !cancelled) {
        cancelled = true;
        void call(h, 'datasets.cancelImport', { importId: pr.importId });
      }
    });
    await expect(call(h, 'datasets.import', { path: src, importId: 'c-1' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/cancel/),
    });
    expect(cancelled).toBe(true);
    expect(h.store.db.prepare('SELECT COUNT(*) FROM datasets').pluck().get()).toBe(0);
    expect(h.store.db.prepare('SELECT COUNT(*) FROM dataset_items').pluck().get()).toBe(0);
    // The same source imports afterwards: no leftovers, no false duplicate.
    expect((await call<ImportReport>(h, 'datasets.import', { path: src })).counts.items).toBe(300);
  });
});

describe('mlbl import / mlbl datasets', () => {
  const mlbl = path.resolve(import.meta.dirname ?? '.', '../../../bin/mlbl.js');
  const run = (args: string[]) => promisify(execFile)(process.execPath, [mlbl, ...args], { env: { ...process.env, MLBL_DATA_DIR: '' } });

  it('prints the id, counts and every skipped item with its line; --json; duplicates fail', async () => {
    const data = dir();
    const src = dir();
    await writeImage(path.join(src, 'images', 'a.jpg'));
    writeText(path.join(src, 'captions.csv'), 'image,caption\na.jpg,A dog .\na.jpg,\nb.jpg,A cat .\na.jpg,x,y\n');
    const { stdout } = await run(['import', src, '--data-dir', data]);
    expect(stdout).toMatch(/^dataset ds-\S+ {2}\S+ {2}\(flickr8k, captions\)/);
    expect(stdout).toContain('1 items: 1 images, 1 captions');
    expect(stdout).toContain('captions.csv:3  empty_caption');
    expect(stdout).toContain('captions.csv:4  missing_image');
    expect(stdout).toContain('captions.csv:5  wrong_column_count');
    const dup = await run(['import', src, '--data-dir', data]).catch((e: { code: number; stderr: string }) => e);
    expect(dup).toMatchObject({ code: 1, stderr: expect.stringMatching(/already imported/) });
    const j = await run(['import', path.join(src, 'captions.csv'), '--text-only', '--name', 'words', '--json', '--data-dir', data]);
    const last = JSON.parse(j.stdout.trim().split('\n').at(-1) as string) as {
      event: string;
      name: string;
      kind: string;
      counts: { captions: number };
      skipped: unknown[];
    };
    expect(last).toMatchObject({ event: 'dataset.imported', name: 'words', kind: 'text', counts: { captions: 2 } });
    expect(last.skipped).toHaveLength(2);
    const ls = await run(['datasets', '--json', '--data-dir', data]);
    expect((JSON.parse(ls.stdout) as DatasetSummary[]).map((d) => d.name).sort()).toEqual([path.basename(src), 'words']);
    const table = await run(['datasets', '--data-dir', data]);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+kind\s+format\s+items/);
  });
});
