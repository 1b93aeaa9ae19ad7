import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineToHost } from '../../shared/engine-protocol';
import { LmParams, type LmParamsInput } from '../../shared/lm-spec';
import { selectBackend } from '../backend';
import { loadCheckpoint } from './checkpoint';
import { trainLanguageModel } from './train';

const TEXT = path.resolve('../shared/datasets/flickr8k-captions/captions.csv');
const MINI = path.resolve('../shared/datasets/flickr8k-mini/captions.csv');
let tmp = '';

beforeAll(async () => {
  await selectBackend('auto');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-lbl-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function run(input: LmParamsInput, name: string): Promise<{ msgs: EngineToHost[]; summary: Record<string, number>; runDir: string }> {
  const msgs: EngineToHost[] = [];
  const runDir = path.join(tmp, name);
  const r = await trainLanguageModel(LmParams.parse(input), { emit: (m) => msgs.push(m), stopRequested: () => false, runDir });
  expect(r.outcome).toBe('completed');
  return { msgs, summary: r.summary, runDir };
}

const points = (msgs: EngineToHost[], key: string): number[] =>
  msgs.flatMap((m) => (m.type === 'metrics' ? m.points.filter((p) => p.key === key).map((p) => p.value) : []));

describe('LBL training', () => {
  it('lowers validation perplexity clearly on a subset of the text-only Flickr8k captions (default recipe)', async () => {
    const { msgs, summary, runDir } = await run(
      {
        model: 'lbl',
        captions: TEXT,
        trainLimit: 200,
        validationLimit: 40,
        minCount: 3,
        epochs: 2,
        evalEvery: 2,
        evalImages: 10,
        beam: 1,
        sampleEvery: 0,
        testAtEnd: false,
        seed: 3,
      },
      'text',
    );
    const ppl = points(msgs, 'val_perplexity');
    expect(ppl).toHaveLength(3); // before training, after epochs 1 and 2
    const V = summary.vocabulary as number;
    // An untrained model is close to uniform (perplexity ~ V); two epochs must at least halve that, every epoch better.
    expect(ppl[0]).toBeGreaterThan(0.8 * V);
    expect(ppl[1]).toBeLessThan(ppl[0] as number);
    expect(ppl[2]).toBeLessThan(0.5 * (ppl[0] as number));
    expect(summary.best_val_perplexity).toBe(ppl[2]);
    // Loss per step, words/s per epoch, BLEU on validation images.
    expect(points(msgs, 'loss').length).toBeGreaterThan(100);
    expect(points(msgs, 'words_per_s')[0]).toBeGreaterThan(0);
    expect(points(msgs, 'val_bleu1')).toHaveLength(1);
    // The checkpoint reloads with its vocabulary and gives the same perplexity.
    const ck = loadCheckpoint(path.join(runDir, 'checkpoint'));
    expect(ck.vocab.size).toBe(V);
    expect(ck.meta.epoch).toBe(2);
    expect(ck.meta.metrics.val_perplexity).toBeCloseTo(ppl[2] as number, 6);
    ck.model.dispose();
    expect(msgs.some((m) => m.type === 'artefact' && m.kind === 'checkpoint')).toBe(true);
  });

  it('repeats the same loss curve for the same seed, and a different one for another seed', async () => {
    const base: LmParamsInput = {
      model: 'lbl',
      captions: MINI,
      trainLimit: 30,
      validationLimit: 10,
      K: 32,
      epochs: 1,
      evalEvery: 0,
      sampleEvery: 0,
      testAtEnd: false,
      patience: 0,
    };
    const a = points((await run({ ...base, seed: 5 }, 'seed5a')).msgs, 'loss');
    const b = points((await run({ ...base, seed: 5 }, 'seed5b')).msgs, 'loss');
    const c = points((await run({ ...base, seed: 6 }, 'seed6')).msgs, 'loss');
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("retrain: phase 2 restarts on training + validation images until the training loss reaches phase 1's; its model is the final one", async () => {
    const base: LmParamsInput = {
      model: 'lbl',
      captions: MINI,
      trainLimit: 40,
      validationLimit: 20,
      K: 16,
      epochs: 3,
      evalEvery: 0,
      evalImages: 5,
      beam: 1,
      sampleEvery: 0,
      seed: 4,
      sgdGradient: 'sum',
    };
    const plain = await run(base, 'phase1');
    const twice = await run({ ...base, retrain: true }, 'retrain');
    // Phase 1 is the same run in both.
    expect(twice.summary.best_val_perplexity).toBe(plain.summary.best_val_perplexity);
    const bestEpoch = plain.summary.best_epoch as number;
    const epochLoss = points(plain.msgs, 'epoch_loss');
    const target = epochLoss[bestEpoch - 1] as number;
    const retrainLoss = points(twice.msgs, 'retrain_loss');
    expect(retrainLoss.length).toBe(twice.summary.retrain_epochs);
    expect(retrainLoss.length).toBeGreaterThan(0);
    // It stops at the first epoch at or below the target (or at the epoch limit).
    retrainLoss.slice(0, -1).forEach((l) => expect(l).toBeGreaterThan(target));
    expect((retrainLoss.at(-1) as number) <= target || retrainLoss.length === 3).toBe(true);
    // The final model (and the checkpoint) is phase 2's: a different test perplexity than phase 1's.
    expect(twice.summary.test_perplexity).not.toBe(plain.summary.test_perplexity);
    const ck = loadCheckpoint(path.join(twice.runDir, 'checkpoint'));
    const ck1 = loadCheckpoint(path.join(plain.runDir, 'checkpoint'));
    expect(Array.from(ck.model.p('R').dataSync().slice(0, 20))).not.toEqual(Array.from(ck1.model.p('R').dataSync().slice(0, 20)));
    ck.model.dispose();
    ck1.model.dispose();
  });
});
