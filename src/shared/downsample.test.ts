import { describe, expect, it } from 'vitest';
import { downsampleMinMax, emaSmooth } from './downsample';

describe('downsampleMinMax', () => {
  it('keeps series shorter than maxPoints unchanged', () => {
    const pts = [1, 2, 3].map((v, i) => ({ step: i, value: v }));
    expect(downsampleMinMax(pts, 10)).toEqual(pts);
  });
  it('reduces 1,000,000 points to at most maxPoints and keeps a single spike', () => {
    const pts = Array.from({ length: 1_000_000 }, (_, i) => ({ step: i, value: Math.sin(i / 1000) }));
    (pts[654_321] as { value: number }).value = 99;
    const out = downsampleMinMax(pts, 2000);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(out.length).toBeGreaterThan(1000);
    expect(out.some((p) => p.value === 99)).toBe(true);
    expect(out[0]?.step).toBe(0);
    expect(out.at(-1)?.step).toBe(999_999);
    for (let i = 1; i < out.length; i++) expect((out[i] as { step: number }).step).toBeGreaterThan((out[i - 1] as { step: number }).step);
  });
});

describe('emaSmooth', () => {
  it('is the identity at weight 0 and debiased at the start', () => {
    expect(emaSmooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = emaSmooth([5, 5, 5], 0.9);
    for (const v of s) expect(v).toBeCloseTo(5, 10);
  });
});
