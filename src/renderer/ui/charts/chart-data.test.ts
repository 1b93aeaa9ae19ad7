import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/api';
import { emaSmooth } from '../../../shared/downsample';
import { buildRows, flatDomain, formatMetric, formatX, logDomain } from './chart-data';
import { isFractionMetric } from '../../lib/labels';

const pts = (values: number[], wall = (i: number) => i * 2): MetricPoint[] =>
  values.map((value, i) => ({ step: i * 10, epoch: (i + 1) / values.length, wallTime: wall(i), value }));

describe('buildRows', () => {
  it('puts one series on the chosen x-axis with its EMA beside the raw values', () => {
    const p = pts([4, 2, 3, 1]);
    const { rows, yMin, yMax } = buildRows([{ id: 'a', label: 'a', color: '#000000', points: p }], 'step', 0.5, false);
    const smooth = emaSmooth([4, 2, 3, 1], 0.5);
    expect(rows).toEqual(p.map((q, i) => ({ x: q.step, r0: q.value, s0: smooth[i] })));
    expect([yMin, yMax]).toEqual([1, 4]);
    expect(buildRows([{ id: 'a', label: 'a', color: '#000000', points: p }], 'epoch', 0, false).rows.map((r) => [r.x, r.s0])).toEqual([
      [0.25, 4],
      [0.5, 2],
      [0.75, 3],
      [1, 1],
    ]);
    expect(buildRows([{ id: 'a', label: 'a', color: '#000000', points: p }], 'wall', 0, false).rows.map((r) => r.x)).toEqual([0, 2, 4, 6]);
  });

  it('merges runs with different x values, leaving gaps (null) where a run has no point', () => {
    const a = pts([1, 2], (i) => i);
    const b = pts([5, 6], (i) => i + 0.5);
    const { rows } = buildRows(
      [
        { id: 'a', label: 'a', color: '#000000', points: a },
        { id: 'b', label: 'b', color: '#111111', points: b },
      ],
      'wall',
      0,
      false,
    );
    expect(rows).toEqual([
      { x: 0, r0: 1, s0: 1, r1: null, s1: null },
      { x: 0.5, r0: null, s0: null, r1: 5, s1: 5 },
      { x: 1, r0: 2, s0: 2, r1: null, s1: null },
      { x: 1.5, r0: null, s0: null, r1: 6, s1: 6 },
    ]);
  });

  it('draws NaN as a gap, keeps it out of the average, and drops values <= 0 on a log scale', () => {
    const { rows } = buildRows([{ id: 'a', label: 'a', color: '#000000', points: pts([2, Number.NaN, 4]) }], 'step', 0.5, false);
    expect(rows[1]).toMatchObject({ r0: null, s0: null });
    expect(rows[2]?.s0).toBeCloseTo(emaSmooth([2, 4], 0.5)[1] as number, 12);
    const log = buildRows([{ id: 'a', label: 'a', color: '#000000', points: pts([0, 10, -1, 100]) }], 'step', 0, true);
    expect(log.rows.map((r) => r.r0)).toEqual([null, 10, null, 100]);
    expect([log.yMin, log.yMax]).toEqual([10, 100]);
  });
});

describe('domains and formats', () => {
  it('log domains span whole decades; a flat series gets a padded domain', () => {
    expect(logDomain(0.031, 2.4)).toEqual([0.01, 10]);
    expect(logDomain(10, 10)).toEqual([10, 100]);
    expect(logDomain(null, null)).toBeNull();
    expect(flatDomain(0.5, 0.5)).toEqual([0.475, 0.525]);
    expect(flatDomain(0, 0)).toEqual([-1, 1]);
    expect(flatDomain(1, 2)).toBeNull();
  });

  it('shows accuracies as percentages and wall time in seconds', () => {
    expect(isFractionMetric('val_accuracy')).toBe(true);
    expect(isFractionMetric('top5_acc')).toBe(true);
    expect(isFractionMetric('val_perplexity')).toBe(false);
    expect(formatMetric('val_accuracy', 0.98765)).toBe('98.77%');
    expect(formatMetric('loss', 0.123456)).toBe('0.1235');
    expect(formatMetric('loss', null)).toBe('—');
    expect(formatX('wall', 12.5)).toBe('12.5 s');
    expect(formatX('wall', 125)).toBe('2 min 5 s');
    expect(formatX('step', 12_000)).toBe('12K');
  });
});
