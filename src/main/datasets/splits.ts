import type { SplitName, SplitSpec } from '../../shared/dataset-schema';

/** A 32-bit hash of (seed, key): FNV-1a then a murmur3 finalizer. Stable across runs and machines. */
export function splitHash(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export interface SplitInput {
  key: string;
  sourceSplit: SplitName | null;
}

/**
 * Deterministic split by image: items are ordered by splitHash(seed, key) and cut at the
 * fractions, so the same seed and fractions give the same split whatever the import order, and
 * each split holds round(n * fraction) items. Splits a source defines (MNIST's test file) are kept
 * when `keepSourceSplits`; the other items are then shared among the remaining splits in
 * proportion to their fractions.
 */
export function assignSplits(items: readonly SplitInput[], spec: SplitSpec): SplitName[] {
  const out = new Array<SplitName>(items.length);
  const free: number[] = [];
  const fixed = new Set<SplitName>();
  items.forEach((it, i) => {
    if (spec.keepSourceSplits && it.sourceSplit) {
      out[i] = it.sourceSplit;
      fixed.add(it.sourceSplit);
    } else free.push(i);
  });
  let f = { train: spec.train, validation: spec.validation, test: spec.test };
  if (fixed.size) {
    for (const s of fixed) f[s] = 0;
    const sum = f.train + f.validation + f.test;
    f = sum > 0 ? { train: f.train / sum, validation: f.validation / sum, test: f.test / sum } : { train: 1, validation: 0, test: 0 };
  }
  const hashed = free.map((i) => ({ i, h: splitHash(spec.seed, (items[i] as SplitInput).key), k: (items[i] as SplitInput).key }));
  hashed.sort((a, b) => a.h - b.h || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const n = hashed.length;
  const nTrain = Math.round(n * f.train);
  const nVal = Math.min(n - nTrain, Math.round(n * f.validation));
  hashed.forEach(({ i }, r) => {
    out[i] = r < nTrain ? 'train' : r < nTrain + nVal ? 'validation' : 'test';
  });
  return out;
}
