/**
 * A language model trained from an imported dataset (`dataset=ID`, `extractor=` the real
 * mobilenet-v2-nsfwjs on real flickr8k-mini photos) through the host with real engine processes,
 * then evaluated (`mlbl eval` and `mlbl caption` as real child processes), decoded and queried
 * through the API: the split is the dataset's, the held-out test images are the dataset's test
 * split, decodes carry probabilities and top-5 alternatives, and retrieval answers from the
 * requested split.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointInfo, DecodedCaption, RetrievalHit, RunRecord } from '../../shared/api';
import type { ItemsPage } from '../../shared/dataset-schema';
import { RunSpec, type LanguageModelSpec } from '../../shared/run-spec';
import { tmpDir } from '../datasets/testing';
import { importMiniSubset, MINI_IMAGES, MOBILENET } from '../features/testing';
import { createHost, type Host } from '../host';
import { readLmInputs, resolveLmInputs } from './lm-inputs';
import { cmdCaption } from '../../cli/lm-commands';
import type { EvalReport } from './lm-service';

const run$ = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const dataDir = tmpDir('mlbl-lmsvc-');
let h: Host;
let datasetId = '';
let run: RunRecord;
const splitIds: Record<'train' | 'validation' | 'test', number[]> = { train: [], validation: [], test: [] };
const keyOf = new Map<number, string>();

beforeAll(async () => {
  h = createHost({ dataDir, transport: 'websocket' });
  const ds = await importMiniSubset(h, path.join(dataDir, 'src'), { count: 30, name: 'mini30', split: { seed: 3, train: 0.6, validation: 0.2, test: 0.2 } });
  datasetId = ds.id;
  for (const split of ['train', 'validation', 'test'] as const) {
    const page = (await h.dispatch('datasets.items', { id: datasetId, split, limit: 100 })) as ItemsPage;
    splitIds[split] = page.items.map((i) => i.id);
    for (const i of page.items) keyOf.set(i.id, i.key);
  }
}, 60_000);
afterAll(async () => {
  await h?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const mlbl = async (...args: string[]): Promise<unknown> => {
  const { stdout } = await run$(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), ...args, '--json', '--data-dir', dataDir], {
    cwd: ROOT,
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
};

describe('MLBL-B on an imported dataset', () => {
  it('rejects a dataset run without an extractor, and a run with both captions and dataset, naming the param', () => {
    expect(RunSpec.safeParse({ preset: 'mlbl-b', params: { dataset: 'x' } }).error?.issues.map((i) => i.path.join('.'))).toEqual(['params.extractor']);
    expect(RunSpec.safeParse({ preset: 'lbl', params: { dataset: 'x', captions: 'a.csv' } }).error?.issues[0]?.message).toMatch(
      /exactly one of captions .* and dataset/,
    );
    expect(RunSpec.safeParse({ preset: 'lbl', params: {} }).error?.issues[0]?.path).toEqual(['params', 'dataset']);
    expect(RunSpec.safeParse({ preset: 'lbl', params: { dataset: 'x' } }).success).toBe(true);
  });

  it('fails a run whose dataset does not exist, naming it, before training starts', async () => {
    const r = await h.runs.waitFor(h.runs.create(RunSpec.parse({ preset: 'lbl', params: { dataset: 'nope' } })).id);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/dataset: no dataset with id nope/);
  }, 60_000);

  it("trains with the dataset's captions and split, extracting and caching the features first", async () => {
    const spec = RunSpec.parse({
      preset: 'mlbl-b',
      name: 'mlbl-b on mini30',
      params: {
        dataset: datasetId,
        extractor: MOBILENET,
        epochs: 2,
        K: 32,
        h: 32,
        minCount: 1,
        sampleEvery: 0,
        evalEvery: 0,
        evalImages: 6,
        patience: 0,
        seed: 2,
      },
    });
    run = await h.runs.waitFor(h.runs.create(spec).id);
    const logs = h.store.logs(run.id, 200).map((l) => l.message);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    expect(logs.some((m) => /split by image from the dataset: 18 train, 6 validation, 6 test/.test(m))).toBe(true);
    expect(logs.some((m) => /^features \(flatten_1\): 30\/30 images/.test(m))).toBe(true);
    expect(logs.some((m) => /^features: extracted set fs-/.test(m))).toBe(true);
    expect(logs.some((m) => /18 training images .* 6 validation, 6 test/.test(m))).toBe(true);

    const inputs = readLmInputs(h.runs.runDir(run.id));
    expect(inputs).toMatchObject({ dataset: datasetId, images: 30, captionCount: 150, splits: { train: 18, validation: 6, test: 6 } });
    const sets = h.features.list(datasetId);
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ id: inputs?.featureSetId, path: inputs?.features, rows: 30, dim: 1280, complete: true });

    // The held-out test images are exactly the dataset's test split.
    const captions = JSON.parse(fs.readFileSync(path.join(h.runs.runDir(run.id), 'test-captions.json'), 'utf8')) as { captions: { image: string }[] };
    expect(new Set(captions.captions.map((c) => c.image))).toEqual(new Set(splitIds.test.map((id) => keyOf.get(id))));
    expect(run.summary.test_perplexity).toBeGreaterThan(1);

    // A second resolution of the same extractor and dataset reuses the cached set.
    const again: string[] = [];
    const resolved = await resolveLmInputs(
      { store: h.store, datasets: h.datasets.store, features: h.features },
      path.join(dataDir, 'tmp-run'),
      spec as LanguageModelSpec,
      (_l, m) => again.push(m),
    );
    expect(resolved.params.features).toBe(inputs?.features);
    expect(again.some((m) => /^features: cached set/.test(m))).toBe(true);
  }, 240_000);

  it("evaluates the best checkpoint on the dataset's test split with mlbl eval (a child process)", async () => {
    const r = (await mlbl('eval', run.id)) as EvalReport;
    expect(r).toMatchObject({ runId: run.id, model: 'mlbl-b', dataset: datasetId, split: 'test', images: 6, captions: 30, beam: 3, missingFeatures: 0 });
    expect(r.checkpoint.best).toBe(true);
    // The same checkpoint and split as the trainer's own test evaluation.
    expect(Math.abs(r.perplexity - (run.summary.test_perplexity as number)) / r.perplexity).toBeLessThan(1e-4);
    for (const b of [r.bleu1, r.bleu2, r.bleu3, r.bleu4]) expect(b >= 0 && b <= 1).toBe(true);
    expect(r.bleu1).toBeGreaterThanOrEqual(r.bleu4);
    for (const s of [r.retrieval?.textToImage, r.retrieval?.imageToText]) {
      expect(s).toBeDefined();
      if (!s) continue;
      expect(s.r1 <= s.r5 && s.r5 <= s.r10 && s.r10 <= 1).toBe(true);
      expect(s.medr).toBeGreaterThanOrEqual(1);
    }
    expect(r.retrieval?.textToImage.queries).toBe(30);
    expect(r.retrieval?.imageToText.queries).toBe(6);
  }, 120_000);

  it('lists checkpoints, decodes dataset items and dropped images with probabilities and top-5 alternatives', async () => {
    const cks = (await h.dispatch('runs.checkpoints', { id: run.id })) as CheckpointInfo[];
    expect(cks.length).toBeGreaterThanOrEqual(1);
    expect(cks.filter((c) => c.best)).toHaveLength(1);

    const [a, b] = splitIds.test as [number, number];
    const da = (await h.dispatch('runs.decode', { id: run.id, itemId: a, method: 'greedy' })) as DecodedCaption;
    const db = (await h.dispatch('runs.decode', { id: run.id, itemId: b, method: 'greedy' })) as DecodedCaption;
    for (const d of [da, db]) {
      expect(d.method).toBe('greedy');
      expect(d.checkpoint).toBe(cks.find((c) => c.best)?.id);
      expect(d.words.length).toBeGreaterThan(0);
      expect(d.text).toBe(
        d.words
          .filter((w) => w.word !== '<end>')
          .map((w) => w.word)
          .join(' '),
      );
      for (const [i, w] of d.words.entries()) {
        expect(w.p > 0 && w.p <= 1).toBe(true);
        expect(w.top.length).toBeGreaterThan(0);
        expect(w.top.length).toBeLessThanOrEqual(5);
        for (let i = 1; i < w.top.length; i++) expect((w.top[i - 1] as { p: number }).p).toBeGreaterThanOrEqual((w.top[i] as { p: number }).p);
        // Greedy: each word is the most probable one that does not repeat a bigram of the caption
        // (after maxLength = 20 words only <end> may follow), and never <unk>.
        expect(w.word).not.toBe('<unk>');
        if (i >= 20) expect(w.word).toBe('<end>');
        else {
          const before = d.words.slice(0, i).map((x) => x.word);
          const repeats = (word: string): boolean => i > 0 && before.some((x, j) => j + 1 < before.length && x === before[i - 1] && before[j + 1] === word);
          const firstAllowed = w.top.find((t) => t.word === '<end>' || !repeats(t.word));
          expect(firstAllowed?.word).toBe(w.word);
        }
      }
      expect(Math.abs(d.logProb - d.words.reduce((s, w) => s + Math.log(w.p), 0))).toBeLessThan(1e-3);
    }
    // The caption depends on the image.
    expect(da.words.map((w) => w.p)).not.toEqual(db.words.map((w) => w.p));

    // The same photo dropped as a data URL: features extracted on the fly give the same caption.
    const file = path.join(MINI_IMAGES, keyOf.get(a) as string);
    const url = `data:image/jpeg;base64,${fs.readFileSync(file).toString('base64')}`;
    const dropped = (await h.dispatch('runs.decode', { id: run.id, image: url, method: 'greedy' })) as DecodedCaption;
    expect(dropped.text).toBe(da.text);
    dropped.words.forEach((w, i) => expect(w.p).toBeCloseTo(da.words[i]?.p as number, 4));

    // Sampling among the top 1 word is greedy decoding; beam search reports itself.
    const top1 = (await h.dispatch('runs.decode', { id: run.id, itemId: a, method: 'sample', temperature: 1.5, topK: 1, seed: 7 })) as DecodedCaption;
    expect(top1.method).toBe('sample');
    expect(top1.text).toBe(da.text);
    const beam = (await h.dispatch('runs.decode', { id: run.id, itemId: a, method: 'beam', beam: 3 })) as DecodedCaption;
    expect(beam.method).toBe('beam');

    await expect(h.dispatch('runs.decode', { id: run.id, image: 'data:image/png;base64,AAAA', method: 'greedy' })).rejects.toThrow(/cannot decode/);
    await expect(h.dispatch('runs.decode', { id: run.id, itemId: 999_999 })).rejects.toThrow(/no dataset item 999999/);
    await expect(h.dispatch('runs.decode', { id: run.id, checkpoint: 'nope', itemId: a })).rejects.toThrow(/has no checkpoint nope/);
  }, 180_000);

  it('retrieves captions for an image and images for a sentence from the requested split', async () => {
    const [a] = splitIds.test as [number];
    const caps = (await h.dispatch('runs.retrieve', { id: run.id, itemId: a, split: 'test', limit: 5 })) as RetrievalHit[];
    expect(caps).toHaveLength(5);
    for (const hit of caps) {
      expect(splitIds.test).toContain(hit.itemId);
      expect(hit.image).toBe(keyOf.get(hit.itemId));
      expect(typeof hit.caption).toBe('string');
      expect(hit.score).toBeGreaterThan(0);
    }
    expect(caps.map((c) => c.score)).toEqual([...caps.map((c) => c.score)].sort((x, y) => x - y));

    const sentence = 'a dog runs through the grass .';
    const imgs = (await h.dispatch('runs.retrieve', { id: run.id, sentence, split: 'validation', limit: 4 })) as RetrievalHit[];
    expect(imgs).toHaveLength(4);
    for (const hit of imgs) {
      expect(splitIds.validation).toContain(hit.itemId);
      expect(hit.caption).toBeUndefined();
      expect(hit.score).toBeGreaterThan(1);
    }
    expect(imgs.map((c) => c.score)).toEqual([...imgs.map((c) => c.score)].sort((x, y) => x - y));
    const all = (await h.dispatch('runs.retrieve', { id: run.id, sentence, split: 'all', limit: 100 })) as RetrievalHit[];
    expect(all).toHaveLength(30);
  }, 120_000);

  it("captions image files (features extracted on the fly with the run's extractor); mlbl caption checks its options", async () => {
    const files = splitIds.test.slice(0, 2).map((id) => path.join(MINI_IMAGES, keyOf.get(id) as string));
    const svc = h.lm;
    const r = await svc.captionFiles(run.id, files, { method: 'greedy', beam: 1, temperature: 1, topK: 0, maxLength: 20, seed: 1 });
    expect(r.map((c) => c.file)).toEqual(files);
    const viaApi = (await h.dispatch('runs.decode', { id: run.id, itemId: splitIds.test[0], method: 'greedy' })) as DecodedCaption;
    expect(r[0]?.caption.text).toBe(viaApi.text);
    expect(r[0]?.caption.method).toBe('greedy');
    await expect(
      svc.captionFiles(run.id, ['/nonexistent.jpg'], { method: 'greedy', beam: 1, temperature: 1, topK: 0, maxLength: 20, seed: 1 }),
    ).rejects.toThrow(/\/nonexistent.jpg: no such file/);
    await expect(cmdCaption([run.id])).rejects.toThrow(/usage: mlbl caption RUN_ID IMAGE/);
    await expect(cmdCaption([run.id, 'a.jpg', '--beam', '2', '--temperature', '1'])).rejects.toThrow(/not both/);
    await expect(cmdCaption([run.id, 'a.jpg', '--top-k', '5'])).rejects.toThrow(/--top-k applies to sampling/);
  }, 120_000);
});

describe('LBL on a captions file', () => {
  it("mlbl eval redoes the run's own seeded split: the test perplexity matches the trainer's", async () => {
    const spec = RunSpec.parse({
      preset: 'lbl',
      params: {
        captions: path.join(MINI_IMAGES, '../captions.csv'),
        trainLimit: 20,
        K: 16,
        epochs: 1,
        minCount: 1,
        sampleEvery: 0,
        evalEvery: 0,
        evalImages: 2,
        patience: 0,
        seed: 4,
      },
    });
    const lbl = await h.runs.waitFor(h.runs.create(spec).id);
    expect(lbl.error).toBeNull();
    const svc = h.lm;
    const r = await svc.evaluate(lbl.id, { beam: 1 });
    expect(r).toMatchObject({ dataset: null, split: 'test', images: 80, captions: 400, retrieval: null });
    expect(Math.abs(r.perplexity - (lbl.summary.test_perplexity as number)) / r.perplexity).toBeLessThan(1e-4);
    await expect(h.dispatch('runs.retrieve', { id: lbl.id, sentence: 'a dog' })).rejects.toThrow(/trained on a captions file/);
  }, 180_000);
});
