/**
 * The dataset browser's window onto a (possibly 100k-item) dataset: pages of `datasets.items`
 * fetched by offset for the rows on screen, thumbnails of the visible items (`datasets.thumbnails`),
 * and, while a search is active, the caption that matched for items whose first caption does
 * not contain the words. Bounded: far pages and old thumbnails are dropped. Requests follow
 * the visible range at most every `throttleMs`, so flinging the scrollbar across 100k items
 * costs a handful of page requests, not hundreds.
 *
 * One cache per (dataset, query); a new query gets a new cache and the old one is disposed
 * (its late answers are dropped).
 */
import type { Api } from '../../../shared/api';
import type { DatasetItem, ItemsQuery, Thumbnail } from '../../../shared/dataset-schema';
import { captionMatches, searchTerms, type SearchTerm } from './dataset-format';
import type { BrowseQuery } from '../../app/route';

export interface ItemsCacheOptions {
  pageSize?: number;
  thumbSize?: number;
  /** Pages kept in memory (farthest from the view dropped first). */
  maxPages?: number;
  /** Thumbnails kept in memory (oldest outside the view dropped first). */
  maxThumbs?: number;
  throttleMs?: number;
  /** Item detail requests in flight at once (matching captions while searching). */
  detailConcurrency?: number;
  /** Thumbnails per `datasets.thumbnails` call. */
  thumbBatch?: number;
}

export type CaptionState = { state: 'ready'; text: string | null } | { state: 'loading' };

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class ItemsCache {
  total: number | null = null;
  error: string | null = null;
  readonly terms: SearchTerm[];
  readonly pageSize: number;
  readonly thumbSize: number;
  private readonly maxPages: number;
  private readonly maxThumbs: number;
  private readonly throttleMs: number;
  private readonly detailConcurrency: number;
  private readonly thumbBatch: number;

  private readonly pages = new Map<number, DatasetItem[]>();
  private readonly pageLoading = new Map<number, Promise<void>>();
  private readonly positions = new Map<number, number>();
  private readonly thumbs = new Map<number, Thumbnail | null>();
  private readonly thumbLoading = new Set<number>();
  private readonly matched = new Map<number, string | null>();
  private readonly detailQueue: number[] = [];
  private readonly detailQueued = new Set<number>();
  private detailRunning = 0;

  private want = { start: 0, end: 0 };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastFlush = -Infinity;
  private readonly listeners = new Set<() => void>();
  private version = 0;
  private notifyQueued = false;
  private disposed = false;
  /** Calls made, for tests and the debug attributes of the grid. */
  readonly counters = { pages: 0, thumbnailCalls: 0, details: 0 };

  constructor(
    private readonly call: Api['call'],
    readonly datasetId: string,
    readonly query: BrowseQuery,
    opts: ItemsCacheOptions = {},
  ) {
    this.pageSize = opts.pageSize ?? 200;
    this.thumbSize = opts.thumbSize ?? 128;
    this.maxPages = opts.maxPages ?? 40;
    this.maxThumbs = opts.maxThumbs ?? 3000;
    this.throttleMs = opts.throttleMs ?? 80;
    this.detailConcurrency = opts.detailConcurrency ?? 6;
    this.thumbBatch = opts.thumbBatch ?? 60;
    this.terms = searchTerms(query.search);
  }

  // --- subscription (useSyncExternalStore) ---

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getVersion = (): number => this.version;

  private notify(): void {
    if (this.notifyQueued || this.disposed) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      if (this.disposed) return;
      this.version++;
      for (const l of [...this.listeners]) l();
    });
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  // --- reading ---

  itemAt(index: number): DatasetItem | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  indexOf(itemId: number): number | undefined {
    return this.positions.get(itemId);
  }

  /** A thumbnail, null when the item has none (text-only, missing file), undefined while unknown. */
  thumbnail(itemId: number): Thumbnail | null | undefined {
    return this.thumbs.get(itemId);
  }

  /** The caption a tile shows: the first one, or while searching, one that contains the words. */
  captionFor(item: DatasetItem): CaptionState {
    if (!this.terms.length || item.caption === null || captionMatches(item.caption, this.terms)) return { state: 'ready', text: item.caption };
    if (this.matched.has(item.id)) return { state: 'ready', text: this.matched.get(item.id) ?? null };
    return { state: 'loading' };
  }

  get loadedPages(): number {
    return this.pages.size;
  }

  get cachedThumbnails(): number {
    return this.thumbs.size;
  }

  // --- loading ---

  /** The items on screen (indices, end exclusive); what they lack is fetched, throttled. */
  setRange(start: number, end: number): void {
    if (this.disposed) return;
    const s = Math.max(0, Math.floor(start));
    const e = Math.max(s, Math.ceil(end));
    this.want = { start: s, end: e };
    const wait = this.lastFlush + this.throttleMs - Date.now();
    if (wait <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
    }
  }

  /** Clears an error and tries the current range again. */
  retry(): void {
    this.error = null;
    this.lastFlush = -Infinity;
    this.notify();
    this.setRange(this.want.start, this.want.end);
  }

  /** The item at `index`, loading its page when needed (item view: previous / next). */
  async itemAtAsync(index: number): Promise<DatasetItem | undefined> {
    if (index < 0 || (this.total !== null && index >= this.total)) return undefined;
    const have = this.itemAt(index);
    if (have) return have;
    await this.loadPage(Math.floor(index / this.pageSize));
    return this.itemAt(index);
  }

  private clampedWant(): { start: number; end: number } {
    const end = this.total === null ? Math.max(this.want.end, this.want.start + 1) : Math.min(this.want.end, this.total);
    return { start: Math.min(this.want.start, end), end };
  }

  private flush(): void {
    if (this.disposed) return;
    this.lastFlush = Date.now();
    const { start, end } = this.clampedWant();
    if (end > start) {
      const first = Math.floor(start / this.pageSize);
      const last = Math.floor((end - 1) / this.pageSize);
      for (let p = first; p <= last; p++) if (!this.pages.has(p)) void this.loadPage(p).catch(() => undefined);
    } else if (this.total === null) {
      void this.loadPage(0).catch(() => undefined);
    }
    this.loadExtras();
  }

  private loadPage(page: number): Promise<void> {
    if (this.pages.has(page)) return Promise.resolve();
    const inflight = this.pageLoading.get(page);
    if (inflight) return inflight;
    const input: ItemsQuery = { id: this.datasetId, offset: page * this.pageSize, limit: this.pageSize };
    if (this.query.search?.trim()) input.search = this.query.search.trim();
    if (this.query.label !== undefined) input.label = this.query.label;
    if (this.query.split) input.split = this.query.split;
    this.counters.pages++;
    const p = this.call('datasets.items', input).then(
      (res) => {
        this.pageLoading.delete(page);
        if (this.disposed) return;
        this.total = res.total;
        this.error = null;
        this.pages.set(page, res.items);
        res.items.forEach((it, i) => this.positions.set(it.id, res.offset + i));
        this.evictPages();
        this.notify();
        this.loadExtras();
      },
      (err: unknown) => {
        this.pageLoading.delete(page);
        if (this.disposed) return;
        this.error = errorText(err);
        this.notify();
        throw err;
      },
    );
    this.pageLoading.set(page, p);
    return p;
  }

  private visibleItems(): DatasetItem[] {
    const { start, end } = this.clampedWant();
    const out: DatasetItem[] = [];
    for (let i = start; i < end; i++) {
      const it = this.itemAt(i);
      if (it) out.push(it);
    }
    return out;
  }

  /** Thumbnails of the visible items, and matching captions while searching. */
  private loadExtras(): void {
    if (this.disposed) return;
    const items = this.visibleItems();
    const need: number[] = [];
    for (const it of items) {
      if (this.thumbs.has(it.id) || this.thumbLoading.has(it.id)) continue;
      if (!it.hasImage) {
        this.thumbs.set(it.id, null);
        continue;
      }
      need.push(it.id);
    }
    for (let i = 0; i < need.length; i += this.thumbBatch) this.loadThumbnails(need.slice(i, i + this.thumbBatch));
    if (this.terms.length) {
      for (const it of items) {
        if (this.captionFor(it).state === 'loading' && !this.detailQueued.has(it.id)) {
          this.detailQueued.add(it.id);
          this.detailQueue.push(it.id);
        }
      }
      this.pumpDetails();
    }
  }

  private loadThumbnails(ids: number[]): void {
    for (const id of ids) this.thumbLoading.add(id);
    this.counters.thumbnailCalls++;
    this.call('datasets.thumbnails', { itemIds: ids, size: this.thumbSize }).then(
      (res) => {
        for (const id of ids) this.thumbLoading.delete(id);
        if (this.disposed) return;
        for (const t of res.thumbnails) this.thumbs.set(t.itemId, t);
        for (const id of res.missing) this.thumbs.set(id, null);
        this.evictThumbs();
        this.notify();
      },
      () => {
        // Left unknown: the next range change asks again.
        for (const id of ids) this.thumbLoading.delete(id);
      },
    );
  }

  private pumpDetails(): void {
    const { start, end } = this.clampedWant();
    while (this.detailRunning < this.detailConcurrency && this.detailQueue.length) {
      const id = this.detailQueue.shift() as number;
      const pos = this.positions.get(id);
      // Scrolled away: forget it (asked again if it comes back).
      if (pos === undefined || pos < start - this.pageSize || pos >= end + this.pageSize) {
        this.detailQueued.delete(id);
        continue;
      }
      this.detailRunning++;
      this.counters.details++;
      this.call('datasets.item', { itemId: id }).then(
        (d) => {
          this.detailRunning--;
          this.detailQueued.delete(id);
          if (this.disposed) return;
          const hit = d.captions.find((c) => captionMatches(c.text, this.terms));
          this.matched.set(id, hit ? hit.text : d.caption);
          this.notify();
          this.pumpDetails();
        },
        () => {
          this.detailRunning--;
          this.detailQueued.delete(id);
          if (this.disposed) return;
          this.matched.set(id, null);
          this.notify();
          this.pumpDetails();
        },
      );
    }
  }

  private evictPages(): void {
    if (this.pages.size <= this.maxPages) return;
    const center = Math.floor((this.want.start + this.want.end) / 2 / this.pageSize);
    const order = [...this.pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
    for (const p of order) {
      if (this.pages.size <= this.maxPages) break;
      if (Math.abs(p - center) <= 1) continue;
      this.pages.delete(p);
    }
  }

  private evictThumbs(): void {
    if (this.thumbs.size <= this.maxThumbs) return;
    const keep = new Set(this.visibleItems().map((i) => i.id));
    for (const id of this.thumbs.keys()) {
      if (this.thumbs.size <= this.maxThumbs) break;
      if (!keep.has(id)) this.thumbs.delete(id);
    }
  }
}
