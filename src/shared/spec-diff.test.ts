import { describe, expect, it } from 'vitest';
import { RunSpec } from './run-spec';
import { canonicalJson, diffSpecs, flattenSpec, formatDiffValue } from './spec-diff';

describe('flattenSpec', () => {
  it('flattens nested objects to dotted paths and keeps arrays and null as leaves', () => {
    expect(flattenSpec({ a: 1, b: { c: 'x', d: { e: null } }, f: [1, { g: 2 }], h: {} })).toEqual({ a: 1, 'b.c': 'x', 'b.d.e': null, f: [1, { g: 2 }] });
  });
});

describe('canonicalJson', () => {
  it('ignores object key order, also inside arrays, but not array order', () => {
    expect(canonicalJson({ a: 1, b: [{ x: 1, y: 2 }] })).toBe(canonicalJson({ b: [{ y: 2, x: 1 }], a: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson(Number.NaN)).toBe('NaN');
  });
});

describe('diffSpecs', () => {
  it('keeps only the keys that differ between two real run specs', () => {
    const a = RunSpec.parse({ preset: 'lenet5-mnist', name: 'a', params: { epochs: 1, trainLimit: 128, learningRate: 0.001 } });
    const b = RunSpec.parse({ preset: 'lenet5-mnist', name: 'b', params: { epochs: 1, trainLimit: 128, learningRate: 0.01 } });
    expect(diffSpecs([a, b])).toEqual([
      { path: 'name', values: ['a', 'b'] },
      { path: 'params.learningRate', values: [0.001, 0.01] },
    ]);
    expect(diffSpecs([a, b], ['name', 'tags'])).toEqual([{ path: 'params.learningRate', values: [0.001, 0.01] }]);
    expect(diffSpecs([a, a])).toEqual([]);
  });

  it('compares arrays by value and treats a missing key as a difference', () => {
    const rows = diffSpecs([
      { p: { stack: [{ type: 'conv', filters: 6 }], only: 1, same: [1, 2] } },
      { p: { stack: [{ filters: 6, type: 'conv' }], same: [1, 2] } },
      { p: { stack: [{ type: 'conv', filters: 8 }], same: [1, 2] } },
    ]);
    expect(rows).toEqual([
      { path: 'p.stack', values: [[{ type: 'conv', filters: 6 }], [{ filters: 6, type: 'conv' }], [{ type: 'conv', filters: 8 }]] },
      { path: 'p.only', values: [1, undefined, undefined] },
    ]);
  });

  it('diffs across presets (different params) and ignores whole subtrees', () => {
    const rows = diffSpecs(
      [
        { preset: 'x', params: { a: 1 }, tags: ['t'] },
        { preset: 'y', params: { b: 2 }, tags: [] },
      ],
      ['tags'],
    );
    expect(rows.map((r) => r.path)).toEqual(['preset', 'params.a', 'params.b']);
  });

  it('formats cell values', () => {
    expect(formatDiffValue(undefined)).toBe('—');
    expect(formatDiffValue('adam')).toBe('adam');
    expect(formatDiffValue(0.01)).toBe('0.01');
    expect(formatDiffValue([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]');
  });
});
