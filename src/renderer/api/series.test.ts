import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../shared/api';
import { appendPoints, groupByKey, mergeLogs } from './series';

const pt = (step: number, value = step): MetricPoint => ({ step, epoch: 0, wallTime: step, value });

describe('appendPoints', () => {
  it('appends only points newer than the last one, sorted and without duplicate steps', () => {
    const { points, added } = appendPoints([pt(1), pt(2)], [pt(4), pt(2), pt(3), pt(4, 9)]);
    expect(points.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(points[3]?.value).toBe(9);
    expect(added).toBe(2);
  });

  it('returns the same array when nothing is new', () => {
    const existing = [pt(1)];
    expect(appendPoints(existing, [pt(1), pt(0)]).points).toBe(existing);
  });

  it('downsamples a series that grows past 1.5x the cap, keeping the ends and spikes', () => {
    const base = Array.from({ length: 150 }, (_, i) => pt(i, 1));
    base[77] = pt(77, 100);
    const { points } = appendPoints(base, [pt(150, 1)], 100);
    expect(points.length).toBeLessThanOrEqual(100);
    expect(points[0]?.step).toBe(0);
    expect(points[points.length - 1]?.step).toBe(150);
    expect(points.some((p) => p.value === 100)).toBe(true);
  });
});

describe('groupByKey', () => {
  it('splits a pushed batch by metric key', () => {
    const g = groupByKey([
      { key: 'loss', ...pt(1) },
      { key: 'val_accuracy', ...pt(1, 0.5) },
      { key: 'loss', ...pt(2) },
    ]);
    expect(g.get('loss')?.map((p) => p.step)).toEqual([1, 2]);
    expect(g.get('val_accuracy')?.[0]).toEqual(pt(1, 0.5));
  });
});

describe('mergeLogs', () => {
  it('drops duplicates and keeps time order', () => {
    const a = { runId: 'r', ts: 1, level: 'info' as const, message: 'a' };
    const b = { runId: 'r', ts: 2, level: 'info' as const, message: 'b' };
    const c = { runId: 'r', ts: 3, level: 'warn' as const, message: 'c' };
    expect(mergeLogs([a, b], [b, c])).toEqual([a, b, c]);
    expect(mergeLogs([a, c], [b])).toEqual([a, b, c]);
  });
});
