import { describe, expect, it } from 'vitest';
import { checkStack } from './conv-shapes';
import {
  ConvolveError,
  KERNEL_PRESETS,
  convolve1d,
  convolve2d,
  formatMatrix,
  parseEntry,
  parseMatrix,
  parseRow,
  planAxis,
  receptiveField,
  valueRange,
  type Grid,
} from './convolve';
import { LayerStackSchema } from './layer-spec';

const grid = (rows: number[][]): Grid => ({ height: rows.length, width: rows[0]?.length ?? 0, values: rows.flat() });
const rowsOf = (g: Grid): number[][] => Array.from({ length: g.height }, (_, r) => g.values.slice(r * g.width, (r + 1) * g.width));
const matrix = (text: string): Grid => {
  const p = parseMatrix(text);
  if (!p.ok) throw new Error(p.error);
  return p.matrix;
};

describe('convolve2d, hand-computed', () => {
  // 1  2  3  4
  // 5  6  7  8
  // 9 10 11 12
  // 13 14 15 16
  const ramp = grid([
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [9, 10, 11, 12],
    [13, 14, 15, 16],
  ]);
  const k = grid([
    [1, 2],
    [3, 4],
  ]);

  it('stride 1, no padding: 4x4 * 2x2 -> 3x3 (no kernel flip)', () => {
    // top-left: 1*1 + 2*2 + 3*5 + 4*6 = 44; one column right adds 1+2+3+4 = 10; one row down adds 4*10 = 40.
    const out = convolve2d(ramp, k, 1, 'valid');
    expect([out.height, out.width]).toEqual([3, 3]);
    expect(rowsOf(out)).toEqual([
      [44, 54, 64],
      [84, 94, 104],
      [124, 134, 144],
    ]);
  });

  it('stride 2 skips every other window: -> 2x2', () => {
    const out = convolve2d(ramp, k, 2, 'valid');
    expect(rowsOf(out)).toEqual([
      [44, 64],
      [124, 144],
    ]);
  });

  it('different strides per axis and a bias', () => {
    const out = convolve2d(ramp, k, [2, 1], 0, 0.5);
    expect(rowsOf(out)).toEqual([
      [44.5, 54.5, 64.5],
      [124.5, 134.5, 144.5],
    ]);
  });

  it('zero padding 1 with a 3x3 kernel of ones counts the neighbours that exist', () => {
    const ones = grid([
      [1, 1, 1],
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const out = convolve2d(ones, matrix('[1 1 1; 1 1 1; 1 1 1]'), 1, 1);
    expect(rowsOf(out)).toEqual([
      [4, 6, 4],
      [6, 9, 6],
      [4, 6, 4],
    ]);
  });

  it('zero padding 1 and stride 2 on 4x4: the window at (1,1) reaches the last row and column, the padding after them is unused', () => {
    // floor((4 - 3 + 2) / 2) + 1 = 2
    const out = convolve2d(ramp, matrix('[0 0 0; 0 1 0; 0 0 0]'), 2, 1);
    expect(out.rows).toMatchObject({ output: 2, padBefore: 1, padAfter: 1 });
    // The centre tap reads input (2r, 2c): 1, 3, 9, 11.
    expect(rowsOf(out)).toEqual([
      [1, 3],
      [9, 11],
    ]);
  });

  it("'same' pads like TensorFlow: the odd zero goes after", () => {
    const out = convolve2d(grid([[1, 2, 3, 4]]), grid([[1, 1]]), 1, 'same');
    expect(rowsOf(out)).toEqual([[3, 5, 7, 4]]);
    expect(out.cols).toMatchObject({ padBefore: 0, padAfter: 1 });
    expect(out.rows).toMatchObject({ padBefore: 0, padAfter: 0 });
  });

  it('the Sobel kernel on a step edge: -40 across the edge, 0 on flat ground', () => {
    // Dark (0) on the left, bright (10) from column 2 on.
    const edge = grid(Array.from({ length: 5 }, () => [0, 0, 10, 10, 10]));
    const sobel = matrix(KERNEL_PRESETS.find((p) => p.id === 'sobel')!.text);
    expect(rowsOf(sobel)).toEqual([
      [1, 0, -1],
      [2, 0, -2],
      [1, 0, -1],
    ]);
    const out = convolve2d(edge, sobel, 1, 'valid');
    // Each output: (1 + 2 + 1) * (left column - right column) = 4 * (x[c] - x[c+2]).
    expect(rowsOf(out)).toEqual([
      [-40, -40, 0],
      [-40, -40, 0],
      [-40, -40, 0],
    ]);
    // With padding 1 the borders see zeros: the last column now reads 10 - 0 on its right.
    const padded = convolve2d(edge, sobel, 1, 1);
    expect(rowsOf(padded)[2]).toEqual([0, -40, -40, 0, 40]);
    expect(rowsOf(padded)[0]).toEqual([0, -30, -30, 0, 30]);
  });

  it('the horizontal Sobel kernel sees nothing on a vertical edge', () => {
    const edge = grid(Array.from({ length: 5 }, () => [0, 0, 10, 10, 10]));
    const out = convolve2d(edge, matrix('[1 2 1; 0 0 0; -1 -2 -1]'), 1, 'valid');
    expect(out.values.every((v) => v === 0)).toBe(true);
  });

  it('output sizes agree with the shape inspector', () => {
    const cases: [number, number, number, 'valid' | 'same' | number][] = [
      [28, 3, 1, 'valid'],
      [28, 3, 2, 'valid'],
      [28, 5, 1, 2],
      [28, 5, 3, 'same'],
      [32, 5, 3, 0],
      [7, 3, 3, 1],
      [9, 4, 2, 'same'],
    ];
    for (const [side, ks, stride, padding] of cases) {
      const input = { height: side, width: side, values: new Array<number>(side * side).fill(1) };
      const kernel = { height: ks, width: ks, values: new Array<number>(ks * ks).fill(1) };
      const out = convolve2d(input, kernel, stride, padding);
      const check = checkStack([side, side, 1], LayerStackSchema.parse([{ type: 'conv2d', filters: 1, kernel: ks, stride, padding }]));
      expect(check.ok).toBe(true);
      if (check.ok) expect([out.height, out.width, 1]).toEqual(check.inspection.outputShape);
    }
  });

  it('refuses a kernel larger than its padded input, with the inspector message', () => {
    expect(() =>
      convolve2d(
        grid([
          [1, 2],
          [3, 4],
        ]),
        matrix('[1 0 -1; 2 0 -2; 1 0 -1]'),
        1,
        'valid',
      ),
    ).toThrow(ConvolveError);
    expect(() =>
      convolve2d(
        grid([
          [1, 2],
          [3, 4],
        ]),
        matrix('[1 0 -1; 2 0 -2; 1 0 -1]'),
        1,
        'valid',
      ),
    ).toThrow('kernel 3 is larger than its input 2');
    expect(() => convolve2d(grid([[1]]), matrix('[1 1 1 1]'), 1, 1)).toThrow('kernel 4 is larger than its padded input 3');
    expect(() => convolve2d(grid([[1, 2]]), grid([[1]]), 0)).toThrow(/stride/);
    expect(() => convolve2d({ height: 2, width: 2, values: [1, 2, 3] }, grid([[1]]))).toThrow('the input is 2x2 but holds 3 values');
  });

  it('receptiveField names the window of an output cell, padding included', () => {
    const out = convolve2d(ramp, matrix('[0 0 0; 0 1 0; 0 0 0]'), 2, 1);
    expect(receptiveField(out, 0, 0)).toEqual({ top: -1, left: -1, height: 3, width: 3 });
    expect(receptiveField(out, 1, 1)).toEqual({ top: 1, left: 1, height: 3, width: 3 });
  });
});

describe('convolve1d, step by step', () => {
  it('stride 1 with one zero of padding per side: 5 in, 5 out', () => {
    // padded: 0 1 2 -1 1 -3 0; weights 1 0 -1
    const r = convolve1d([1, 2, -1, 1, -3], [1, 0, -1], 1, 1);
    expect(r.output).toEqual([-2, 2, 1, 2, 1]);
    expect(r.padded.map((p) => p.value)).toEqual([0, 1, 2, -1, 1, -3, 0]);
    expect(r.padded.map((p) => p.source)).toEqual([null, 0, 1, 2, 3, 4, null]);
  });

  it('stride 2 with one zero of padding per side: 3 outputs, every window spelled out', () => {
    const r = convolve1d([1, 2, -1, 1, -3], [1, 0, -1], 2, 1);
    expect(r.output).toEqual([-2, 1, 1]);
    expect(r.steps.map((s) => s.start)).toEqual([0, 2, 4]);
    const first = r.steps[0]!;
    expect(first.terms).toEqual([
      { padded: 0, source: null, value: 0, weight: 1, product: 0 },
      { padded: 1, source: 0, value: 1, weight: 0, product: 0 },
      { padded: 2, source: 1, value: 2, weight: -1, product: -2 },
    ]);
    // Weight sharing: every step uses the same three weights.
    for (const s of r.steps) expect(s.terms.map((t) => t.weight)).toEqual([1, 0, -1]);
    expect(r.plan).toMatchObject({ output: 3, padBefore: 1, padAfter: 1 });
  });

  it('no padding, a bias, and the inspector size', () => {
    const r = convolve1d([1, 2, 3, 4, 5], [1, 1], 1, 'valid', 10);
    expect(r.output).toEqual([13, 15, 17, 19]);
    const check = checkStack([5, 1], LayerStackSchema.parse([{ type: 'conv1d', filters: 1, kernel: 2 }]));
    expect(check.ok && check.inspection.outputShape).toEqual([4, 1]);
  });

  it("'same' with an even kernel: zero after", () => {
    expect(convolve1d([1, 2, 3, 4], [1, 1], 1, 'same').output).toEqual([3, 5, 7, 4]);
  });

  it('refuses impossible windows', () => {
    expect(() => convolve1d([1, 2], [1, 1, 1], 1, 'valid')).toThrow('kernel 3 is larger than its input 2');
    expect(() => convolve1d([], [1])).toThrow('the input row is empty');
  });
});

describe('parsing what the user types', () => {
  it('reads the Sobel kernel in the course notation, and other layouts', () => {
    expect(matrix('[1 0 -1; 2 0 -2; 1 0 -1]')).toEqual({ height: 3, width: 3, values: [1, 0, -1, 2, 0, -2, 1, 0, -1] });
    expect(matrix('1, 0, -1\n2, 0, -2\n1, 0, -1\n')).toEqual({ height: 3, width: 3, values: [1, 0, -1, 2, 0, -2, 1, 0, -1] });
    expect(matrix('[0.5 -.25 1e-1 1/4]')).toEqual({ height: 1, width: 4, values: [0.5, -0.25, 0.1, 0.25] });
  });

  it('names the row and column of a bad entry', () => {
    expect(parseMatrix('[1 0 -1; 2 x -2; 1 0 -1]')).toEqual({ ok: false, error: 'row 2, column 2: "x" is not a number' });
    expect(parseMatrix('[1 0 -1; 2 0; 1 0 -1]')).toEqual({ ok: false, error: 'row 2 has 2 numbers but row 1 has 3' });
    expect(parseMatrix('  ')).toEqual({ ok: false, error: 'the matrix is empty' });
    expect(parseMatrix('[1 1/0]')).toEqual({ ok: false, error: 'row 1, column 2: "1/0" is not a number' });
    expect(parseMatrix('[[1 2]]').ok).toBe(false);
    const big = Array.from({ length: 32 }, () => '1').join(' ');
    expect(parseMatrix(big)).toEqual({ ok: false, error: 'the matrix is 1x32; at most 31x31' });
  });

  it('reads rows of numbers and names the bad position', () => {
    expect(parseRow('1 2 -1, 1 -3')).toEqual({ ok: true, values: [1, 2, -1, 1, -3] });
    expect(parseRow('[1 two 3]')).toEqual({ ok: false, error: 'number 2: "two" is not a number' });
    expect(parseRow('')).toEqual({ ok: false, error: 'type at least one number' });
  });

  it('entries, formatting, ranges', () => {
    expect(parseEntry('-3')).toBe(-3);
    expect(parseEntry('1/9')).toBeCloseTo(1 / 9, 12);
    expect(Number.isNaN(parseEntry('1..2'))).toBe(true);
    expect(Number.isNaN(parseEntry(''))).toBe(true);
    expect(formatMatrix(matrix('[1 0 -1; 2 0 -2]'))).toBe('[1 0 -1; 2 0 -2]');
    expect(valueRange([3, -2, 7])).toEqual([-2, 7]);
    expect(valueRange([])).toEqual([0, 0]);
    expect(planAxis(5, 7, 1, 'same')).toMatchObject({ output: 5, padBefore: 3, padAfter: 3 });
  });

  it('every preset parses to a 3x3 kernel', () => {
    for (const p of KERNEL_PRESETS) {
      const m = parseMatrix(p.text);
      expect(m.ok, p.id).toBe(true);
      if (m.ok) expect([m.matrix.height, m.matrix.width]).toEqual([3, 3]);
    }
    const blur = matrix(KERNEL_PRESETS.find((p) => p.id === 'blur')!.text);
    expect(blur.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
