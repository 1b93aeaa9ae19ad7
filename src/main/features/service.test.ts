/**
 * Feature sets through the API with real engine processes and the real mobilenet-v2-nsfwjs model
 * on real flickr8k-mini photos: extraction with progress events and a SQLite record, the cache
 * (a second request starts nothing), and an extraction interrupted by closing the host that a
 * new host resumes where it stopped, giving the same features as an uninterrupted one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureProgress, FeatureSetRecord } from '../../shared/api';
import { readFeatures } from '../../engine/features/feature-file';
import { tmpDir } from '../datasets/testing';
import { createHost, type Host } from '../host';
import { importMiniSubset, MOBILENET } from './testing';

const dataDir = tmpDir('mlbl-features-');
const hosts: Host[] = [];
function host(): Host {
  const h = createHost({ dataDir, transport: 'websocket', concurrency: 0 });
  hosts.push(h);
  return h;
}
afterAll(async () => {
  for (const h of hosts) await h.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const N = 16;
// The interrupted extraction needs more images than one forward pass takes (16), so that closing after the first pass leaves work to resume.
const N_B = 48;

describe('feature sets (features.extract, features.list)', () => {
  let first: FeatureSetRecord;
  let firstImages: string[] = [];

  it('extracts every image of a dataset in an engine process, with progress, and records the set', async () => {
    const h = host();
    const ds = await importMiniSubset(h, path.join(dataDir, 'src'), { count: N, name: 'mini-a' });
    firstImages = ds.images;
    const events: FeatureProgress[] = [];
    h.subscribe((e, p) => {
      if (e === 'features.progress') events.push(p as FeatureProgress);
    });
    first = (await h.dispatch('features.extract', { datasetId: ds.id, model: path.join(MOBILENET, 'model.json') })) as FeatureSetRecord;
    expect(first).toMatchObject({ datasetId: ds.id, layer: 'flatten_1', dim: 1280, rows: N, complete: true });
    expect(first.path.startsWith(path.join(dataDir, 'datasets', ds.id, 'features') + path.sep)).toBe(true);
    const fm = readFeatures(first.path);
    expect(fm.header.images).toEqual(ds.images);
    expect(fm.data.length).toBe(N * 1280);
    expect(fm.data.every((v) => Number.isFinite(v))).toBe(true);
    // Two different photos give different features.
    expect(fm.data.slice(0, 1280)).not.toEqual(fm.data.slice(1280, 2560));
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => e.featureSetId === first.id && e.total === N)).toBe(true);
    expect(events.at(-1)?.done).toBe(N);
    expect(events.map((e) => e.done)).toEqual([...events.map((e) => e.done)].sort((a, b) => a - b));
    expect(await h.dispatch('features.list', { datasetId: ds.id })).toEqual([first]);
  }, 120_000);

  it('returns the cached set at once for the same model (by identity, also through its folder), layer and dataset', async () => {
    const h = hosts[0] as Host;
    const events: FeatureProgress[] = [];
    h.subscribe((e, p) => {
      if (e === 'features.progress') events.push(p as FeatureProgress);
    });
    const t0 = performance.now();
    const again = (await h.dispatch('features.extract', { datasetId: first.datasetId, model: MOBILENET })) as FeatureSetRecord;
    const explicit = (await h.dispatch('features.extract', { datasetId: first.datasetId, model: MOBILENET, layer: 'flatten_1' })) as FeatureSetRecord;
    const ms = performance.now() - t0;
    expect(again).toEqual(first);
    expect(explicit).toEqual(first);
    expect(events).toEqual([]);
    expect(ms).toBeLessThan(1500);
  });

  it('refuses bad requests with a message naming the problem', async () => {
    const h = hosts[0] as Host;
    await expect(h.dispatch('features.extract', { datasetId: first.datasetId, model: '/nonexistent/model.json' })).rejects.toThrow(
      /model \/nonexistent\/model.json: no such file/,
    );
    await expect(h.dispatch('features.extract', { datasetId: 'nope', model: MOBILENET })).rejects.toThrow(/no dataset with id nope/);
    await expect(h.dispatch('features.extract', { datasetId: first.datasetId, fromRun: 'no-such-run' })).rejects.toThrow(/fromRun: no run with id no-such-run/);
    await expect(h.dispatch('features.extract', { datasetId: first.datasetId })).rejects.toThrow(/give exactly one of model and fromRun/);
    await expect(h.dispatch('features.extract', { datasetId: first.datasetId, model: MOBILENET, layer: 'no_layer' })).rejects.toThrow(
      /no layer named no_layer/,
    );
  }, 60_000);

  it('resumes an extraction interrupted by closing the host, with the same features as an uninterrupted one', async () => {
    const h = hosts[0] as Host;
    // A second dataset: images 8..8+N_B of flickr8k-mini, 8 of them also in the first one.
    const ds = await importMiniSubset(h, path.join(dataDir, 'src'), { from: 8, count: N_B, name: 'mini-b' });
    let seen = 0;
    let closing: Promise<void> | null = null;
    const extraction = h.features.extract({ datasetId: ds.id, model: MOBILENET }, (p) => {
      seen = p.done;
      if (p.done >= 8 && !closing) closing = h.close();
    });
    await expect(extraction).rejects.toThrow(/engine ended/);
    await closing;
    expect(seen).toBeGreaterThanOrEqual(8);
    expect(seen).toBeLessThan(N_B);

    const h2 = host();
    const partial = ((await h2.dispatch('features.list', { datasetId: ds.id })) as FeatureSetRecord[])[0] as FeatureSetRecord;
    expect(partial.complete).toBe(false);
    expect(partial.rows).toBeGreaterThanOrEqual(8);
    const skipped: number[] = [];
    const r = await h2.features.extract({ datasetId: ds.id, model: MOBILENET }, (p) => skipped.push(p.skipped));
    expect(r.cached).toBe(false);
    expect(r.resumedFrom).toBe(partial.rows);
    expect(r.computed).toBe(N_B - partial.rows);
    expect(skipped[0]).toBe(partial.rows);
    expect(r.set).toMatchObject({ id: partial.id, rows: N_B, complete: true });

    const a = readFeatures(first.path);
    const b = readFeatures(r.set.path);
    expect(b.header.images).toEqual(ds.images);
    const shared = ds.images.filter((im) => firstImages.includes(im));
    expect(shared).toHaveLength(8);
    for (const im of shared) {
      const ra = a.rowOf.get(im) as number;
      const rb = b.rowOf.get(im) as number;
      const va = a.data.subarray(ra * 1280, (ra + 1) * 1280);
      const vb = b.data.subarray(rb * 1280, (rb + 1) * 1280);
      let diff = 0;
      for (let i = 0; i < 1280; i++) diff = Math.max(diff, Math.abs((va[i] as number) - (vb[i] as number)));
      expect(diff).toBeLessThan(1e-5);
    }
  }, 180_000);
});
