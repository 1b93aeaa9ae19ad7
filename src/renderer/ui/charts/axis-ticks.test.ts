import { describe, expect, it } from 'vitest';
import { formatMetric } from './chart-data';
import { yAxisFormat } from './axis-ticks';

/** The ticks recharts draws for a linear domain: 5 nice values (steps 1, 2, 2.5, 5 x 10^k). */
function niceTicks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * p >= raw) as number) * p;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

describe('yAxisFormat', () => {
  it.each([
    ['loss', 2.3021, 2.3039],
    ['loss', 0.41, 0.66],
    ['val_perplexity', 27.1, 1397],
    ['val_accuracy', 0.9712, 0.9731],
    ['words_per_s', 12_400, 14_050],
    ['learning_rate', 0.0001, 0.0004],
  ])('labels every tick of %s over [%s, %s] differently and fits them in the axis', (metric, lo, hi) => {
    const f = yAxisFormat(metric, lo, hi, false);
    const labels = niceTicks(lo, hi).map((t) => f.format(t));
    expect(new Set(labels).size, labels.join(' | ')).toBe(labels.length);
    for (const l of labels) expect(l.length * 7 + 14, l).toBeLessThanOrEqual(f.width);
  });

  it('the old 3-digit labels repeated on a nearly flat live loss (the overlap seen in issue 18)', () => {
    const labels = niceTicks(2.3021, 2.3039).map((t) => formatMetric('loss', t, 3));
    expect(new Set(labels).size).toBeLessThan(labels.length);
  });

  it('shows accuracies as percentages and log axes one label per decade', () => {
    expect(yAxisFormat('val_accuracy', 0.5, 0.9, false).format(0.75)).toBe('75%');
    const log = yAxisFormat('val_perplexity', 10, 10_000, true);
    expect([10, 100, 1000, 10_000].map((v) => log.format(v))).toEqual(['10', '100', '1000', '10000']);
  });
});
