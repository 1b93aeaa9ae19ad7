import { describe, expect, it } from 'vitest';
import { makeAxis, parallelCoordinates } from './parallel-coordinates';

const run = (id: string, params: Record<string, unknown>, summary: Record<string, number>) => ({ id, spec: { params }, summary });

describe('parallel coordinates', () => {
  it('puts log-spread values on a log axis, others linear, names evenly spaced', () => {
    const lr = makeAxis('learningRate', [1e-4, 1e-3, 1e-2]);
    expect(lr.kind).toBe('log');
    expect(lr.position(1e-3)).toBeCloseTo(0.5, 6);
    const bs = makeAxis('batchSize', [32, 64, 96]);
    expect(bs.kind).toBe('linear');
    expect(bs.position(64)).toBeCloseTo(0.5, 6);
    const opt = makeAxis('optimizer', ['sgd', 'adam', 'sgd']);
    expect(opt.kind).toBe('category');
    expect(opt.ticks).toEqual(['adam', 'sgd']);
    expect([opt.position('adam'), opt.position('sgd'), opt.position('rmsprop')]).toEqual([0, 1, null]);
  });

  it('draws each run through its hyperparameters to its final metric; a run without the metric has a gap there', () => {
    const { axes, lines } = parallelCoordinates(
      [
        run('a', { learningRate: 0.001, batchSize: 32 }, { val_accuracy: 0.9 }),
        run('b', { learningRate: 0.002, batchSize: 64 }, { val_accuracy: 0.95 }),
        run('c', { learningRate: 0.002, batchSize: 32 }, {}),
      ],
      ['learningRate', 'batchSize'],
      'val_accuracy',
    );
    expect(axes.map((a) => a.key)).toEqual(['learningRate', 'batchSize', 'val_accuracy']);
    expect(lines.map((l) => l.positions)).toEqual([
      [0, 0, 0],
      [1, 1, 1],
      [1, 0, null],
    ]);
  });
});
