import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineToHost } from '../../shared/engine-protocol';
import { LmParams, type LmParamsInput } from '../../shared/lm-spec';
import { Vocab } from '../../shared/vocabulary';
import { selectBackend } from '../backend';
import { excludeImagesOf, groupByImage, readCaptionsCsv } from './data';
import { initialValues } from './model';
import { trainLanguageModel } from './train';
import { readTransferSource, resolveInitDir, sourceWordMatrix, transferInitialValues } from './transfer';

const TEXT = path.resolve('../shared/datasets/flickr8k-captions/captions.csv');
const MINI = path.resolve('../shared/datasets/flickr8k-mini/captions.csv');
let tmp = '';

beforeAll(async () => {
  await selectBackend('auto');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-transfer-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function run(input: LmParamsInput, name: string): Promise<{ msgs: EngineToHost[]; summary: Record<string, number>; runDir: string }> {
  const msgs: EngineToHost[] = [];
  const runDir = path.join(tmp, 'runs', name);
  const r = await trainLanguageModel(LmParams.parse(input), { emit: (m) => msgs.push(m), stopRequested: () => false, runDir });
  expect(r.outcome).toBe('completed');
  return { msgs, summary: r.summary, runDir };
}

describe('excludeImagesOf', () => {
  it('drops every flickr8k-mini image from the text-only flickr8k-captions corpus', () => {
    const all = groupByImage(readCaptionsCsv(TEXT));
    const mini = new Set(groupByImage(readCaptionsCsv(MINI)).map((im) => im.image));
    const { kept, excluded, named } = excludeImagesOf(all, MINI);
    expect(named).toBe(800);
    expect(excluded).toBe(800); // all of mini's images are in flickr8k-captions
    expect(kept).toHaveLength(all.length - 800);
    expect(kept.some((im) => mini.has(im.image))).toBe(false);
  });
});

describe('init: transfer from an earlier run', () => {
  it('maps vocabularies by word; the mapped model starts far better than a fresh one', async () => {
    // Source: an LBL trained briefly on text-only captions of images that are NOT in flickr8k-mini.
    const source = await run(
      {
        model: 'lbl',
        captions: TEXT,
        excludeImagesOf: MINI,
        trainLimit: 200,
        validationLimit: 20,
        K: 24,
        minCount: 2,
        epochs: 2,
        sgdGradient: 'sum',
        evalEvery: 0,
        sampleEvery: 0,
        testAtEnd: false,
        seed: 5,
      },
      'source',
    );
    const srcDir = resolveInitDir(path.basename(source.runDir), path.join(tmp, 'runs', 'target'));
    expect(srcDir).toBe(path.join(source.runDir, 'checkpoint'));
    const src = readTransferSource(srcDir);

    // Target vocabulary: flickr8k-mini's own training captions (a different word list and order).
    const target = Vocab.fromCaptions(
      readCaptionsCsv(MINI)
        .slice(0, 500)
        .map((r) => r.caption),
      2,
    );
    const config = { model: 'lbl' as const, V: target.size, K: 24, n: 5, D: 0, h: 0, F: 1, dropout: 0 };
    const { values, report } = transferInitialValues(config, target, 9, src);
    const R = values.get('R') as Float32Array;
    const srcR = sourceWordMatrix(src);
    const srcB = src.values.get('b') as Float32Array;
    const fresh = initialValues(config, 9).get('R') as Float32Array;
    const shared = target.words.filter((w) => src.vocab.has(w));
    const onlyTarget = target.words.filter((w) => !src.vocab.has(w));
    expect(report.matched).toBe(shared.length);
    expect(shared.length).toBeGreaterThan(0.5 * target.size);
    expect(onlyTarget.length).toBeGreaterThan(0);
    for (const w of ['dog', 'a', '<end>', ...shared.slice(-3)]) {
      const t = target.id(w);
      const s = src.vocab.id(w);
      expect(target.has(w) && src.vocab.has(w)).toBe(true);
      expect(Array.from(R.subarray(t * 24, (t + 1) * 24))).toEqual(Array.from(srcR.subarray(s * 24, (s + 1) * 24)));
      expect((values.get('b') as Float32Array)[t]).toBe(srcB[s]);
    }
    // A word the source lacks keeps the fresh initialisation (same seed, same draws).
    const t = target.id(onlyTarget[0] as string);
    expect(Array.from(R.subarray(t * 24, (t + 1) * 24))).toEqual(Array.from(fresh.subarray(t * 24, (t + 1) * 24)));
    expect(Array.from(values.get('C') as Float32Array)).toEqual(Array.from(src.values.get('C') as Float32Array));

    // Whole runs on flickr8k-mini: initial validation perplexity with init vs fresh.
    const base: LmParamsInput = {
      model: 'lbl',
      captions: MINI,
      trainLimit: 40,
      validationLimit: 40,
      K: 24,
      epochs: 1,
      evalEvery: 0,
      sampleEvery: 0,
      testAtEnd: false,
      seed: 9,
    };
    const fromScratch = await run(base, 'fresh');
    const mapped = await run({ ...base, init: path.basename(source.runDir) }, 'mapped');
    expect(mapped.msgs.some((m) => m.type === 'log' && /init from .* words have its vectors/.test(m.message))).toBe(true);
    const f0 = fromScratch.summary.initial_val_perplexity as number;
    const m0 = mapped.summary.initial_val_perplexity as number;
    expect(f0).toBeGreaterThan(0.8 * (fromScratch.summary.vocabulary as number)); // fresh: about uniform
    expect(m0).toBeLessThan(0.25 * f0);
  }, 120_000);

  it('names what is wrong: unknown run id, a K that does not match', async () => {
    expect(() => resolveInitDir('no-such-run', path.join(tmp, 'runs', 'x'))).toThrow(/init no-such-run: no such run id/);
    const dir = path.join(tmp, 'runs', 'source', 'checkpoint');
    const src = readTransferSource(dir);
    const v = Vocab.fromCaptions(['a dog runs .', 'a dog sits .'], 1);
    expect(() => transferInitialValues({ model: 'lbl', V: v.size, K: 8, n: 5, D: 0, h: 0, F: 1, dropout: 0 }, v, 1, src)).toThrow(/K = 24, this run has K = 8/);
  });
});
