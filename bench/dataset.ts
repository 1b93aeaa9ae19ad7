/**
 * Dataset benchmark (issue 4): a class-folder dataset of small generated images in a temporary
 * folder, imported through the real importer (DatasetService, worker thread, as a user's import
 * with `verify: decode`), then pages of 200 items with their thumbnails fetched through
 * `host.dispatch`, as the renderer's grid does.
 *
 * Images: DISTINCT different 32x32 PNGs (random noise, encoded once with sharp) whose bytes are
 * written under N file names, 10 class folders. Every file is still opened and fully decoded by the
 * import, and every thumbnail is made from its own file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { ImportProgress, ImportReport, ItemsPage, Thumbnail } from '../src/shared/dataset-schema';
import { Rng } from '../src/shared/random';
import { createHost } from '../src/main/host';

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const mb = (bytes: number): number => round(bytes / 2 ** 20, 1);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const CLASSES = 10;
const DISTINCT = 500;
const SIDE = 32;
const PAGE = 200;
const THUMB = 128;

/** Peak resident set of this process in bytes (/proc/self/status VmHWM), or null off Linux. */
function vmHwm(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (Linux >= 4.0); false where not allowed. */
function resetHwm(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function distinctImages(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const rng = new Rng(12345);
  for (let i = 0; i < n; i++) {
    const raw = Buffer.alloc(SIDE * SIDE * 3);
    for (let j = 0; j < raw.length; j++) raw[j] = rng.int(0, 255);
    out.push(
      await sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } })
        .png()
        .toBuffer(),
    );
  }
  return out;
}

export async function benchDataset(n: number, say: (m: string) => void): Promise<Record<string, unknown>> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-bench-dataset-'));
  const root = path.join(tmp, 'images');
  const dataDir = path.join(tmp, 'data');
  try {
    say(`dataset: writing ${n} images (${DISTINCT} distinct ${SIDE}x${SIDE} PNGs) under ${root} ...`);
    const t0 = performance.now();
    const imgs = await distinctImages(DISTINCT);
    for (let c = 0; c < CLASSES; c++) fs.mkdirSync(path.join(root, `class_${c}`), { recursive: true });
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const b = imgs[i % DISTINCT] as Buffer;
      bytes += b.length;
      fs.writeFileSync(path.join(root, `class_${i % CLASSES}`, `img_${String(i).padStart(6, '0')}.png`), b);
    }
    const generateS = (performance.now() - t0) / 1000;

    const host = createHost({ dataDir, transport: 'websocket', concurrency: 0 });
    try {
      let lastLog = 0;
      host.subscribe((event, payload) => {
        if (event !== 'dataset.import.progress') return;
        const p = payload as ImportProgress;
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          say(`dataset import: ${p.phase} ${p.done}${p.total !== null ? `/${p.total}` : ''}`);
        }
      });
      // The worker thread is in this process, so the process's RSS covers the importer and its host.
      const rssBefore = process.memoryUsage.rss();
      const hwmReset = resetHwm();
      let peakSampled = rssBefore;
      const sampler = setInterval(() => {
        peakSampled = Math.max(peakSampled, process.memoryUsage.rss());
      }, 20);
      say('dataset: importing (worker thread, verify decode) ...');
      const t1 = performance.now();
      const report = (await host.dispatch('datasets.import', { path: root, format: 'folders', name: 'bench' })) as ImportReport;
      const importS = (performance.now() - t1) / 1000;
      clearInterval(sampler);
      peakSampled = Math.max(peakSampled, process.memoryUsage.rss());
      const hwm = hwmReset ? vmHwm() : null;
      const peak = Math.max(peakSampled, hwm ?? 0);
      const id = report.dataset.id;
      say(`dataset: imported ${report.counts.images} images in ${round(importS, 1)} s, peak RSS ${mb(peak)} MB`);

      // Browsing: pages of 200 at several offsets, deep ones included. A first fetch makes the
      // page's thumbnails (cached on disk); then each page is timed `reps` times.
      const total = report.counts.items;
      const wanted = [0, 1000, 10_000, 25_000, 50_000, 75_000, total - PAGE];
      const offsets = [...new Set(wanted.map((o) => Math.max(0, Math.min(o, total - PAGE))))];
      const fetchPage = async (offset: number): Promise<{ items: number; thumbs: number; missing: number }> => {
        const page = (await host.dispatch('datasets.items', { id, offset, limit: PAGE })) as ItemsPage;
        const t = (await host.dispatch('datasets.thumbnails', { itemIds: page.items.map((it) => it.id), size: THUMB })) as {
          thumbnails: Thumbnail[];
          missing: number[];
        };
        return { items: page.items.length, thumbs: t.thumbnails.length, missing: t.missing.length };
      };
      say(`dataset: making thumbnails of pages at offsets ${offsets.join(', ')} ...`);
      const tc = performance.now();
      for (const o of offsets) await fetchPage(o);
      const coldMs = (performance.now() - tc) / offsets.length;
      const reps = 5;
      const times: number[] = [];
      const perOffset: Record<string, number> = {};
      let complete = true;
      for (const o of offsets) {
        const mine: number[] = [];
        for (let r = 0; r < reps; r++) {
          const t2 = performance.now();
          const got = await fetchPage(o);
          mine.push(performance.now() - t2);
          if (got.items !== PAGE || got.thumbs !== PAGE || got.missing) complete = false;
        }
        times.push(...mine);
        perOffset[String(o)] = round(median(mine), 2);
      }
      const browseMs = round(median(times), 2);
      say(`dataset: browse page median ${browseMs} ms`);

      return {
        dataset_images: report.counts.images,
        dataset_classes: report.counts.classes,
        dataset_skipped: report.skippedTotal,
        dataset_generation: `${DISTINCT} distinct ${SIDE}x${SIDE} RGB noise PNGs encoded once with sharp, their bytes written under ${n} file names in ${CLASSES} class folders (${mb(bytes)} MB) in ${round(generateS, 1)} s`,
        import_images_per_s: round(report.counts.images / importS),
        import_seconds: round(importS, 2),
        import_verify: 'decode',
        import_peak_rss_mb: mb(peak),
        import_peak_rss_note:
          'whole process (the import worker is a thread of it): max of rss sampled every 20 ms and /proc/self/status VmHWM reset just before the import',
        import_peak_rss_sampled_mb: mb(peakSampled),
        import_vmhwm_mb: hwm === null ? null : mb(hwm),
        rss_before_import_mb: mb(rssBefore),
        browse_page_ms: browseMs,
        browse_page_detail: {
          page: PAGE,
          thumb_size: THUMB,
          offsets_median_ms: perOffset,
          reps_per_offset: reps,
          min_ms: round(Math.min(...times), 2),
          max_ms: round(Math.max(...times), 2),
          all_thumbnails_returned: complete,
          first_fetch_making_thumbs_ms: round(coldMs, 1),
          timed: 'datasets.items (limit 200) then datasets.thumbnails (those 200 ids, size 128) through host.dispatch, thumbnails already cached on disk',
        },
        goal_peak_rss_mb: 500,
        goal_browse_page_ms: 50,
        goals_met: { peak_rss: mb(peak) < 500, browse_page: browseMs < 50 },
      };
    } finally {
      await host.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
