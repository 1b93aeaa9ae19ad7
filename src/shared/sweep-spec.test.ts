import { describe, expect, it } from 'vitest';
import { bestRun, expandSweep, parseRangeArg, parseSweepSpec, sweepSize, sweepValues } from './sweep-spec';

describe('sweep specs', () => {
  it('expands a grid as a cartesian product, last key fastest, each run a validated spec', () => {
    const s = parseSweepSpec({ preset: 'lenet5-mnist', set: { epochs: 1 }, grid: { learningRate: [0.001, 0.002], batchSize: [32, 64] } });
    expect(sweepSize(s)).toBe(4);
    const runs = expandSweep(s);
    expect(runs.map((r) => r.values)).toEqual([
      { learningRate: '0.001', batchSize: '32' },
      { learningRate: '0.001', batchSize: '64' },
      { learningRate: '0.002', batchSize: '32' },
      { learningRate: '0.002', batchSize: '64' },
    ]);
    const p = runs[3]?.spec.params as { learningRate: number; batchSize: number; epochs: number };
    expect([p.learningRate, p.batchSize, p.epochs]).toEqual([0.002, 64, 1]);
    expect(runs[0]?.spec.name).toBe('lenet5-mnist sweep #1 learningRate=0.001 batchSize=32');
  });

  it('draws N seeded values per grid point: uniform, log-uniform (integers on request) and choice, reproducibly', () => {
    const spec = {
      preset: 'lenet5-mnist' as const,
      grid: { optimizer: ['adam', 'sgd'] },
      random: 50,
      ranges: {
        learningRate: { kind: 'log' as const, lo: 1e-4, hi: 1e-2 },
        momentum: { kind: 'uniform' as const, lo: 0.5, hi: 0.9 },
        batchSize: { kind: 'uniform' as const, lo: 16, hi: 128, int: true },
        augmentShift: { kind: 'choice' as const, values: [0, 2] },
      },
      seed: 7,
    };
    const a = sweepValues(parseSweepSpec(spec));
    expect(a).toHaveLength(100);
    expect(sweepValues(parseSweepSpec(spec))).toEqual(a);
    expect(sweepValues(parseSweepSpec({ ...spec, seed: 8 }))).not.toEqual(a);
    expect(a.slice(0, 50).every((v) => v.optimizer === 'adam') && a.slice(50).every((v) => v.optimizer === 'sgd')).toBe(true);
    const lr = a.map((v) => Number(v.learningRate));
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lr)).toBeLessThan(1e-2);
    // Log-uniform: about half the draws below the geometric middle (1e-3), not ~10% as a uniform draw would give.
    const below = lr.filter((x) => x < 1e-3).length;
    expect(below).toBeGreaterThan(30);
    expect(below).toBeLessThan(70);
    for (const v of a) {
      expect(Number(v.momentum)).toBeGreaterThanOrEqual(0.5);
      expect(Number(v.momentum)).toBeLessThan(0.9);
      expect(Number.isInteger(Number(v.batchSize))).toBe(true);
      expect(['0', '2']).toContain(v.augmentShift);
    }
    expect(new Set(a.map((v) => v.augmentShift)).size).toBe(2);
    expect(expandSweep(parseSweepSpec(spec))).toHaveLength(100);
  });

  it('names the run, key and problem of an invalid value, and refuses inconsistent sweeps', () => {
    expect(() => expandSweep(parseSweepSpec({ preset: 'lenet5-mnist', grid: { batchSize: [32, -1] } }))).toThrow(
      /sweep run 2 \(batchSize=-1\).*params\.batchSize/,
    );
    expect(() => expandSweep(parseSweepSpec({ preset: 'lenet5-mnist', grid: { lernRate: [1] } }))).toThrow(/--set lernRate: unknown parameter/);
    expect(() => parseSweepSpec({ preset: 'lenet5-mnist' })).toThrow(/sweep\.grid: a sweep needs a grid or random draws/);
    expect(() => parseSweepSpec({ preset: 'lenet5-mnist', random: 3 })).toThrow(/sweep\.ranges: random draws need at least one range/);
    expect(() => parseSweepSpec({ preset: 'lenet5-mnist', random: 2, ranges: { learningRate: { kind: 'log', lo: 1, hi: 0.1 } } })).toThrow(
      /sweep\.ranges\.learningRate: lo \(1\) must be below hi/,
    );
    expect(() => parseSweepSpec({ preset: 'lenet5-mnist', set: { epochs: 1 }, grid: { epochs: [1, 2] } })).toThrow(
      /sweep\.set\.epochs: epochs is set in the base spec and swept/,
    );
    const big = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(() => parseSweepSpec({ preset: 'lenet5-mnist', grid: { epochs: big, seed: big } })).toThrow(/1600 runs; at most 1000/);
  });

  it('parses command-line ranges', () => {
    expect(parseRangeArg('learningRate', '1e-4:1e-2:log')).toEqual({ kind: 'log', lo: 1e-4, hi: 1e-2, int: false });
    expect(parseRangeArg('batchSize', '16:128:int')).toEqual({ kind: 'uniform', lo: 16, hi: 128, int: true });
    expect(parseRangeArg('optimizer', 'adam,sgd')).toEqual({ kind: 'choice', values: ['adam', 'sgd'] });
    expect(() => parseRangeArg('x', 'a:b')).toThrow(/--range x=a:b: lo and hi must be numbers/);
    expect(() => parseRangeArg('x', '1:2:cube')).toThrow(/unknown flag cube/);
  });

  it('picks the best run by the last value of a metric, in either direction, passing over runs without it', () => {
    const runs: { id: string; summary: Record<string, number> }[] = [
      { id: 'a', summary: { val_accuracy: 0.9 } },
      { id: 'b', summary: {} },
      { id: 'c', summary: { val_accuracy: 0.95 } },
      { id: 'd', summary: { val_accuracy: Number.NaN } },
    ];
    expect(bestRun(runs, 'val_accuracy', 'max')?.id).toBe('c');
    expect(bestRun(runs, 'val_accuracy', 'min')?.id).toBe('a');
    expect(bestRun(runs, 'loss', 'min')).toBeNull();
  });
});
