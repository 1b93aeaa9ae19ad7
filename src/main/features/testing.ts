/** Test helpers: small real datasets cut from flickr8k-mini (the photos are read in place, never copied). */
import fs from 'node:fs';
import path from 'node:path';
import type { ImportReport } from '../../shared/dataset-schema';
import { FLICKR_MINI } from '../datasets/testing';
import type { Host } from '../host';

export const MOBILENET = path.resolve(FLICKR_MINI, '../../models/mobilenet-v2-nsfwjs');
export const MINI_IMAGES = path.join(FLICKR_MINI, 'images');

/** Images of flickr8k-mini in captions.csv order, with their caption lines. */
function miniRows(): { image: string; lines: string[] }[] {
  const lines = fs.readFileSync(path.join(FLICKR_MINI, 'captions.csv'), 'utf8').split(/\r?\n/).slice(1).filter(Boolean);
  const out: { image: string; lines: string[] }[] = [];
  for (const l of lines) {
    const image = l.slice(0, l.indexOf(','));
    if (out.at(-1)?.image !== image) out.push({ image, lines: [] });
    (out.at(-1) as { lines: string[] }).lines.push(l);
  }
  return out;
}

/**
 * Imports images [from, from + count) of flickr8k-mini (their captions file written to `dir`, the
 * images folder referenced in place) with a seeded split.
 */
export async function importMiniSubset(
  host: Host,
  dir: string,
  o: { from?: number; count: number; name: string; split?: { seed: number; train: number; validation: number; test: number } },
): Promise<{ id: string; images: string[]; report: ImportReport }> {
  const rows = miniRows().slice(o.from ?? 0, (o.from ?? 0) + o.count);
  const csv = path.join(dir, `${o.name}.csv`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(csv, ['image,caption', ...rows.flatMap((r) => r.lines)].join('\n') + '\n');
  const report = (await host.dispatch('datasets.import', {
    path: csv,
    images: MINI_IMAGES,
    format: 'auto',
    name: o.name,
    verify: 'header',
    split: o.split ? { ...o.split, keepSourceSplits: true } : undefined,
  })) as ImportReport;
  return { id: report.dataset.id, images: rows.map((r) => r.image), report };
}
