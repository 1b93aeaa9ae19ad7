/**
 * Features from a ConvNet run (`fromRun`, `extractor=RUN_ID`): a real LeNet-5 trained briefly on
 * MNIST, its best checkpoint's penultimate dense layer applied to real (colour, so greyed and
 * resized to 28x28) flickr8k-mini photos.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureSetRecord } from '../../shared/api';
import { RunSpec, type LanguageModelSpec } from '../../shared/run-spec';
import { readFeatures } from '../../engine/features/feature-file';
import { tmpDir } from '../datasets/testing';
import { createHost } from '../host';
import { resolveLmInputs } from '../lm/lm-inputs';
import { importMiniSubset } from './testing';

const dataDir = tmpDir('mlbl-fromrun-');
const h = createHost({ dataDir, transport: 'websocket' });
afterAll(async () => {
  await h.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('features from a ConvNet run', () => {
  it("extracts the penultimate dense layer of the run's best checkpoint, and an LM run resolves extractor=RUN_ID to it", async () => {
    const ds = await importMiniSubset(h, path.join(dataDir, 'src'), { count: 10, name: 'mini10' });
    const lenet = RunSpec.parse({ preset: 'lenet5-mnist', params: { trainLimit: 128, batchSize: 32, epochs: 1, validationLimit: 100, testLimit: 100 } });
    const run = await h.runs.waitFor(h.runs.create(lenet).id);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');

    const set = (await h.dispatch('features.extract', { datasetId: ds.id, fromRun: run.id })) as FeatureSetRecord;
    expect(set).toMatchObject({ datasetId: ds.id, model: `run:${run.id}`, dim: 84, rows: 10, complete: true });
    const fm = readFeatures(set.path);
    expect(fm.header.layer).toBe(set.layer);
    expect(fm.data.every((v) => Number.isFinite(v))).toBe(true);
    expect(fm.data.slice(0, 84)).not.toEqual(fm.data.slice(84, 168));

    const logs: string[] = [];
    const spec = RunSpec.parse({ preset: 'mlbl-b', params: { dataset: ds.id, extractor: run.id } }) as LanguageModelSpec;
    const resolved = await resolveLmInputs({ store: h.store, datasets: h.datasets.store, features: h.features }, path.join(dataDir, 'lm-run'), spec, (_l, m) =>
      logs.push(m),
    );
    expect(resolved.params.features).toBe(set.path);
    expect(logs.some((m) => m.startsWith(`features: cached set ${set.id} (run:${run.id} layer ${set.layer}, 10 x 84)`))).toBe(true);

    await expect(h.dispatch('features.extract', { datasetId: ds.id, fromRun: run.id, layer: 'nope' })).rejects.toThrow(/no layer named nope/);
    const lm = await h.runs.waitFor(h.runs.create(RunSpec.parse({ preset: 'lbl', params: { dataset: ds.id, epochs: 1 } })).id);
    await expect(h.dispatch('features.extract', { datasetId: ds.id, fromRun: lm.id })).rejects.toThrow(/is a lbl run; features come from a ConvNet run/);
  }, 180_000);
});
