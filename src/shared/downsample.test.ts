import { describe, expect, it } from 'vitest';
import { downsample, downsampleLttb, downsampleMinMax, emaSmooth } from './downsample';

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

describe('downsampleLttb', () => {
  const xy = (vals: number[]) => vals.map((value, step) => ({ step, value }));

  it('keeps series shorter than maxPoints unchanged', () => {
    const pts = xy([3, 1, 2]);
    expect(downsampleLttb(pts, 3)).toEqual(pts);
  });

  it('picks the largest triangle in each bucket (worked example)', () => {
    // 6 points, 4 kept: buckets [1,2] and [3,4]; with a = (0,0) and the next bucket's mean
    // (3.5, 2.5) point 2 spans area 5 against 1 for point 1; then with a = (2,0) and the last
    // point (5,0), point 3 (the 5) spans 15 against 0.
    const out = downsampleLttb(xy([0, 1, 0, 5, 0, 0]), 4);
    expect(out.map((p) => p.step)).toEqual([0, 2, 3, 5]);
  });

  it('reduces 300,000 points to exactly maxPoints, keeps the ends, peaks and a NaN', () => {
    const pts = Array.from({ length: 300_000 }, (_, i) => ({ step: i * 2, value: Math.sin(i / 6_000) }));
    (pts[150_001] as { value: number }).value = Number.NaN;
    const out = downsampleLttb(pts, 2000);
    expect(out.length).toBe(2000);
    expect(out[0]).toBe(pts[0]);
    expect(out.at(-1)).toBe(pts.at(-1));
    for (let i = 1; i < out.length; i++) expect((out[i] as { step: number }).step).toBeGreaterThan((out[i - 1] as { step: number }).step);
    expect(out.some((p) => Number.isNaN(p.value))).toBe(true);
    const finite = out.filter((p) => Number.isFinite(p.value)).map((p) => p.value);
    expect(Math.max(...finite)).toBeGreaterThan(0.9999);
    expect(Math.min(...finite)).toBeLessThan(-0.9999);
    // Every kept point is one of the input points (no interpolation).
    const byStep = new Map(pts.map((p) => [p.step, p]));
    for (const p of out) expect(byStep.get(p.step)).toBe(p);
  });

  it('is chosen by name in downsample()', () => {
    const pts = xy(Array.from({ length: 100 }, (_, i) => (i === 50 ? 10 : i % 3)));
    expect(downsample(pts, 10, 'lttb')).toEqual(downsampleLttb(pts, 10));
    expect(downsample(pts, 10)).toEqual(downsampleMinMax(pts, 10));
  });
});
