import { describe, expect, it } from 'vitest';
import { DEFAULT_SPLIT } from '../../shared/dataset-schema';
import { assignSplits, splitHash } from './splits';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `img${i}.jpg`, sourceSplit: null }));
const count = (s: string[]) => ({
  train: s.filter((x) => x === 'train').length,
  validation: s.filter((x) => x === 'validation').length,
  test: s.filter((x) => x === 'test').length,
});

describe('splits', () => {
  it('hash is stable (fixed values) and depends on the seed', () => {
    expect(splitHash(1, 'a.jpg')).toBe(splitHash(1, 'a.jpg'));
    expect(splitHash(1, 'a.jpg')).not.toBe(splitHash(2, 'a.jpg'));
    expect(splitHash(0, '')).toBe(splitHash(0, ''));
  });

  it('cuts exact fractions and is independent of order', () => {
    const its = items(1000);
    const a = assignSplits(its, DEFAULT_SPLIT);
    expect(count(a)).toEqual({ train: 800, validation: 100, test: 100 });
    const rev = [...its].reverse();
    const b = assignSplits(rev, DEFAULT_SPLIT);
    expect(Object.fromEntries(rev.map((x, i) => [x.key, b[i]]))).toEqual(Object.fromEntries(its.map((x, i) => [x.key, a[i]])));
    expect(assignSplits(its, { ...DEFAULT_SPLIT, seed: 2 })).not.toEqual(a);
  });

  it('adding items moves few of the others', () => {
    const a = assignSplits(items(1000), DEFAULT_SPLIT);
    const b = assignSplits(items(1010), DEFAULT_SPLIT).slice(0, 1000);
    expect(a.filter((s, i) => s !== b[i]).length).toBeLessThan(30);
  });

  it('keeps a source split and shares the rest among the other splits', () => {
    const its = [...items(90), ...Array.from({ length: 10 }, (_, i) => ({ key: `t${i}`, sourceSplit: 'test' as const }))];
    const s = assignSplits(its, { seed: 1, train: 0.8, validation: 0.1, test: 0.1, keepSourceSplits: true });
    expect(count(s)).toEqual({ train: 80, validation: 10, test: 10 });
    expect(s.slice(90).every((x) => x === 'test')).toBe(true);
    const ignore = assignSplits(its, { seed: 1, train: 0.5, validation: 0.5, test: 0, keepSourceSplits: false });
    expect(count(ignore)).toEqual({ train: 50, validation: 50, test: 0 });
  });
});
