import { describe, expect, it } from 'vitest';
import type { Api } from '../../../shared/api';
import type { DatasetItem, DatasetItemDetail, ItemsQuery } from '../../../shared/dataset-schema';
import { ItemsCache } from './items-cache';

const N = 100_000;

function item(i: number): DatasetItem {
  return {
    id: i + 1,
    datasetId: 'd',
    index: i,
    key: `img${i}.jpg`,
    label: null,
    className: null,
    split: 'train',
    width: 32,
    height: 32,
    hasImage: true,
    caption: i % 2 === 0 ? `a dog number ${i}` : `a cat number ${i}`,
    captionCount: 2,
  };
}

/** A fake Api over N synthetic items; records every call. */
function fakeApi() {
  const calls: { method: string; input: unknown }[] = [];
  const call = (async (method: string, input: unknown) => {
    calls.push({ method, input });
    await Promise.resolve();
    if (method === 'datasets.items') {
      const q = input as ItemsQuery;
      const all = q.search ? Array.from({ length: 1000 }, (_, i) => item(i)) : null;
      const total = all ? all.length : N;
      const items = all
        ? all.slice(q.offset, q.offset + q.limit)
        : Array.from({ length: Math.max(0, Math.min(q.limit, N - q.offset)) }, (_, k) => item(q.offset + k));
      return { total, offset: q.offset, items };
    }
    if (method === 'datasets.thumbnails') {
      const { itemIds } = input as { itemIds: number[] };
      return {
        thumbnails: itemIds.filter((id) => id % 10 !== 0).map((id) => ({ itemId: id, dataUrl: 'data:,', width: 8, height: 8 })),
        missing: itemIds.filter((id) => id % 10 === 0),
      };
    }
    if (method === 'datasets.item') {
      const { itemId } = input as { itemId: number };
      const base = item(itemId - 1);
      const d: DatasetItemDetail = {
        ...base,
        captions: [
          { n: 0, text: base.caption as string, tokens: [] },
          { n: 1, text: 'the dog sleeps', tokens: [] },
        ],
        imageFormat: 'jpeg',
        bytes: 1,
        origin: { file: 'x', lines: [] },
      };
      return d;
    }
    throw new Error(`unexpected ${method}`);
  }) as unknown as Api['call'];
  return { call, calls };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
async function settle() {
  for (let i = 0; i < 10; i++) await tick();
}

describe('ItemsCache', () => {
  it('loads only the pages and thumbnails of the visible range', async () => {
    const { call, calls } = fakeApi();
    const c = new ItemsCache(call, 'd', {}, { throttleMs: 0 });
    c.setRange(0, 40);
    await settle();
    expect(c.total).toBe(N);
    expect(calls.filter((x) => x.method === 'datasets.items')).toHaveLength(1);
    expect(c.itemAt(39)?.key).toBe('img39.jpg');
    expect(c.thumbnail(1)?.dataUrl).toBe('data:,');
    expect(c.thumbnail(10)).toBeNull();
    expect(c.thumbnail(41)).toBeUndefined();
    const thumbIds = calls.filter((x) => x.method === 'datasets.thumbnails').flatMap((x) => (x.input as { itemIds: number[] }).itemIds);
    expect(thumbIds).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

    // Far away: one page request (by offset), nothing in between.
    c.setRange(90_010, 90_050);
    await settle();
    const pages = calls.filter((x) => x.method === 'datasets.items').map((x) => (x.input as ItemsQuery).offset);
    expect(pages).toEqual([0, 90_000]);
    expect(c.itemAt(90_049)?.index).toBe(90_049);
    expect(c.indexOf(90_050)).toBe(90_049);
    c.dispose();
  });

  it('throttles: a fling across the dataset costs few requests', async () => {
    const { call, calls } = fakeApi();
    const c = new ItemsCache(call, 'd', {}, { throttleMs: 50 });
    for (let i = 0; i < 200; i++) c.setRange(i * 500, i * 500 + 40);
    await new Promise((r) => setTimeout(r, 80));
    await settle();
    const pages = calls.filter((x) => x.method === 'datasets.items');
    expect(pages.length).toBeLessThanOrEqual(3);
    // The last range is loaded.
    expect(c.itemAt(199 * 500 + 10)).toBeDefined();
    c.dispose();
  });

  it('keeps memory bounded', async () => {
    const { call } = fakeApi();
    const c = new ItemsCache(call, 'd', {}, { throttleMs: 0, maxPages: 5, maxThumbs: 100 });
    for (let p = 0; p < 30; p++) {
      c.setRange(p * 200, p * 200 + 60);
      await settle();
    }
    expect(c.loadedPages).toBeLessThanOrEqual(5);
    expect(c.cachedThumbnails).toBeLessThanOrEqual(100);
    expect(c.itemAt(29 * 200 + 5)).toBeDefined();
    c.dispose();
  });

  it('while searching, finds a matching caption for items whose first caption lacks the words', async () => {
    const { call, calls } = fakeApi();
    const c = new ItemsCache(call, 'd', { search: 'dog' }, { throttleMs: 0 });
    c.setRange(0, 4);
    await settle();
    const input = calls.find((x) => x.method === 'datasets.items')?.input as ItemsQuery;
    expect(input.search).toBe('dog');
    const first = c.itemAt(0) as DatasetItem;
    const second = c.itemAt(1) as DatasetItem;
    expect(c.captionFor(first)).toEqual({ state: 'ready', text: 'a dog number 0' });
    expect(c.captionFor(second)).toEqual({ state: 'ready', text: 'the dog sleeps' });
    // Only the item whose first caption did not match was fetched.
    expect(calls.filter((x) => x.method === 'datasets.item').map((x) => (x.input as { itemId: number }).itemId)).toEqual([2, 4]);
    c.dispose();
  });

  it('itemAtAsync loads the page of a neighbour; late answers after dispose are dropped', async () => {
    const { call } = fakeApi();
    const c = new ItemsCache(call, 'd', {}, { throttleMs: 0 });
    expect((await c.itemAtAsync(4321))?.key).toBe('img4321.jpg');
    expect(await c.itemAtAsync(-1)).toBeUndefined();
    const d = new ItemsCache(call, 'd', {}, { throttleMs: 0 });
    let notified = 0;
    d.subscribe(() => notified++);
    d.setRange(0, 10);
    d.dispose();
    await settle();
    expect(notified).toBe(0);
    expect(d.itemAt(0)).toBeUndefined();
    c.dispose();
  });
});
