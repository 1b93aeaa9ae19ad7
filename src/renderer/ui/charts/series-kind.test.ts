import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/api';
import { emaSmooth } from '../../../shared/downsample';
import { buildRows } from './chart-data';
import { isPerEpochSeries, smoothingFor } from './series-kind';

/** Issue 18's MLBL-B validation perplexity: an epoch-0 baseline, then one point per epoch. */
const PPL = [1397, 41, 33, 29, 27.1];
const perEpoch: MetricPoint[] = PPL.map((value, e) => ({ step: e * 50, epoch: e, wallTime: e * 30, value }));
/** A training loss: ten steps per epoch over two epochs. */
const perStep: MetricPoint[] = Array.from({ length: 20 }, (_, i) => ({
  step: i + 1,
  epoch: (i + 1) / 10,
  wallTime: i,
  value: 5 - i * 0.2 + (i % 2 ? 0.5 : -0.5),
}));

describe('isPerEpochSeries', () => {
  it('tells one point per epoch from many points per epoch', () => {
    expect(isPerEpochSeries(perEpoch)).toBe(true);
    expect(isPerEpochSeries(perStep)).toBe(false);
    // A partial epoch evaluated at a stop (epoch 2.4) still sits alone in its epoch.
    expect(isPerEpochSeries([{ epoch: 1 }, { epoch: 2 }, { epoch: 2.4 }])).toBe(true);
    expect(isPerEpochSeries([{ epoch: 1 }, { epoch: 1.5 }, { epoch: 2 }])).toBe(false);
    expect(isPerEpochSeries([])).toBe(true);
  });

  it('keeps the slider weight for per-step series only', () => {
    expect(smoothingFor(perEpoch, 0.6)).toBe(0);
    expect(smoothingFor(perStep, 0.6)).toBe(0.6);
  });
});

describe('buildRows with smoothing 0.6', () => {
  it('draws a per-epoch series raw (its last drawn value is its last raw point) while a per-step series beside it is smoothed', () => {
    const { rows } = buildRows(
      [
        { id: 'ppl', label: 'ppl', color: '#000000', points: perEpoch },
        { id: 'loss', label: 'loss', color: '#111111', points: perStep },
      ],
      'step',
      0.6,
      false,
    );
    const drawn = rows.filter((r) => r.s0 !== null);
    expect(drawn.map((r) => r.s0)).toEqual(PPL);
    expect(drawn.map((r) => r.r0)).toEqual(PPL);
    const smoothedLoss = rows.filter((r) => r.s1 !== null).map((r) => r.s1);
    expect(smoothedLoss).toEqual(
      emaSmooth(
        perStep.map((p) => p.value),
        0.6,
      ),
    );
    expect(smoothedLoss).not.toEqual(perStep.map((p) => p.value));
  });
});
