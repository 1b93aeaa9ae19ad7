// The convolution arithmetic of the playground, in plain numbers: 2-D and 1-D cross-correlation
// (what ConvNet layers compute: the kernel is not flipped) with a stride and zero padding, the
// 1-D version step by step, and a parser for kernels typed as `[1 0 -1; 2 0 -2; 1 0 -1]`.
// Pure TypeScript. Output sizes come from the shape inspector (conv-shapes.ts), so the playground
// and the new-run form always agree on them.
import { outputSide } from './conv-shapes';
import type { ConvPadding } from './layer-spec';

/** A 2-D map, row-major: values[r * width + c]. */
export interface Grid {
  height: number;
  width: number;
  values: number[];
}

/** A convolution that cannot be computed (kernel larger than the padded input, bad stride, ...). */
export class ConvolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvolveError';
  }
}

/** Output size along one axis and the zeros added before and after the input on that axis. */
export interface AxisPlan {
  input: number;
  kernel: number;
  stride: number;
  output: number;
  padBefore: number;
  padAfter: number;
}

/**
 * One axis of a convolution. Numeric padding adds that many zeros on both sides (the last ones
 * may go unused when the stride does not divide evenly); 'same' pads like TensorFlow: total
 * max((out - 1) * S + K - W, 0) zeros, the extra one after. Sizes are the inspector's.
 */
export function planAxis(input: number, kernel: number, stride: number, padding: ConvPadding): AxisPlan {
  if (!Number.isInteger(input) || input < 1) throw new ConvolveError(`input size must be a positive integer, got ${String(input)}`);
  let output: number;
  try {
    output = outputSide(input, kernel, stride, padding);
  } catch (err) {
    throw new ConvolveError((err as Error).message);
  }
  if (padding === 'same') {
    const total = Math.max((output - 1) * stride + kernel - input, 0);
    const padBefore = Math.floor(total / 2);
    return { input, kernel, stride, output, padBefore, padAfter: total - padBefore };
  }
  const p = padding === 'valid' ? 0 : padding;
  return { input, kernel, stride, output, padBefore: p, padAfter: p };
}

function checkGrid(g: Grid, what: string): void {
  if (!Number.isInteger(g.height) || !Number.isInteger(g.width) || g.height < 1 || g.width < 1) {
    throw new ConvolveError(`${what} must be at least 1x1, got ${g.height}x${g.width}`);
  }
  if (g.values.length !== g.height * g.width) {
    throw new ConvolveError(`${what} is ${g.height}x${g.width} but holds ${g.values.length} values`);
  }
}

export interface Conv2dResult extends Grid {
  rows: AxisPlan;
  cols: AxisPlan;
}

/**
 * out[r][c] = bias + sum_{a,b} kernel[a][b] * input[r*Sh + a - padTop][c*Sw + b - padLeft],
 * the input read as zero outside its borders.
 */
export function convolve2d(input: Grid, kernel: Grid, stride: number | [number, number] = 1, padding: ConvPadding = 'valid', bias = 0): Conv2dResult {
  checkGrid(input, 'the input');
  checkGrid(kernel, 'the kernel');
  const [sh, sw] = typeof stride === 'number' ? [stride, stride] : stride;
  const rows = planAxis(input.height, kernel.height, sh, padding);
  const cols = planAxis(input.width, kernel.width, sw, padding);
  const values = new Array<number>(rows.output * cols.output);
  for (let r = 0; r < rows.output; r++) {
    for (let c = 0; c < cols.output; c++) {
      let sum = bias;
      const top = r * sh - rows.padBefore;
      const left = c * sw - cols.padBefore;
      for (let a = 0; a < kernel.height; a++) {
        const y = top + a;
        if (y < 0 || y >= input.height) continue;
        for (let b = 0; b < kernel.width; b++) {
          const x = left + b;
          if (x < 0 || x >= input.width) continue;
          sum += (kernel.values[a * kernel.width + b] as number) * (input.values[y * input.width + x] as number);
        }
      }
      values[r * cols.output + c] = sum;
    }
  }
  return { height: rows.output, width: cols.output, values, rows, cols };
}

/** Where output cell (r, c) reads from: rows top..top+kh-1, columns left..left+kw-1 of the input (may reach into the padding). */
export function receptiveField(
  result: Pick<Conv2dResult, 'rows' | 'cols'>,
  r: number,
  c: number,
): { top: number; left: number; height: number; width: number } {
  return {
    top: r * result.rows.stride - result.rows.padBefore,
    left: c * result.cols.stride - result.cols.padBefore,
    height: result.rows.kernel,
    width: result.cols.kernel,
  };
}

/** One cell of a 1-D window: its place in the padded row, the input index (null for a padding zero), the value, its weight and the product. */
export interface Conv1dTerm {
  padded: number;
  source: number | null;
  value: number;
  weight: number;
  product: number;
}

/** How output `index` is made: the window starting at `start` of the padded row, its terms and their sum (+ bias). */
export interface Conv1dStep {
  index: number;
  start: number;
  terms: Conv1dTerm[];
  sum: number;
}

export interface Conv1dResult {
  output: number[];
  steps: Conv1dStep[];
  plan: AxisPlan;
  /** The row with its zeros: source is the input index, or null for a padding zero. */
  padded: { value: number; source: number | null }[];
}

/** 1-D convolution of a row of numbers, with every step spelled out (weight sharing: the same kernel at every step). */
export function convolve1d(input: readonly number[], kernel: readonly number[], stride = 1, padding: ConvPadding = 'valid', bias = 0): Conv1dResult {
  if (input.length < 1) throw new ConvolveError('the input row is empty');
  if (kernel.length < 1) throw new ConvolveError('the kernel is empty');
  const plan = planAxis(input.length, kernel.length, stride, padding);
  const padded: Conv1dResult['padded'] = [];
  for (let i = 0; i < plan.padBefore; i++) padded.push({ value: 0, source: null });
  input.forEach((value, i) => padded.push({ value, source: i }));
  for (let i = 0; i < plan.padAfter; i++) padded.push({ value: 0, source: null });
  const steps: Conv1dStep[] = [];
  for (let o = 0; o < plan.output; o++) {
    const start = o * stride;
    const terms: Conv1dTerm[] = kernel.map((weight, k) => {
      const cell = padded[start + k] ?? { value: 0, source: null };
      return { padded: start + k, source: cell.source, value: cell.value, weight, product: weight * cell.value };
    });
    steps.push({ index: o, start, terms, sum: terms.reduce((s, t) => s + t.product, bias) });
  }
  return { output: steps.map((s) => s.sum), steps, plan, padded };
}

export type ParsedMatrix = { ok: true; matrix: Grid } | { ok: false; error: string };

/** A number as typed: `-2`, `0.25`, `.5`, `1e-3` or a fraction `1/9`. NaN when it is none of these. */
export function parseEntry(token: string): number {
  const t = token.trim();
  const frac = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\/((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i.exec(t);
  if (frac) {
    const den = Number(frac[2]);
    return den === 0 ? NaN : Number(frac[1]) / den;
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(t)) return NaN;
  return Number(t);
}

const MAX_KERNEL_SIDE = 31;

/**
 * A matrix typed like `[1 0 -1; 2 0 -2; 1 0 -1]`: rows separated by `;` or new lines, numbers by
 * spaces or commas, brackets optional, entries may be fractions (`1/9`). Errors name the row and
 * column.
 */
export function parseMatrix(text: string, maxSide = MAX_KERNEL_SIDE): ParsedMatrix {
  const body = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  if (body.includes('[') || body.includes(']')) return { ok: false, error: 'use one pair of brackets around the whole matrix, e.g. [1 0 -1; 2 0 -2; 1 0 -1]' };
  const lines = body.split(/[;\n]/).map((l) => l.trim());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines.every((l) => l === '')) return { ok: false, error: 'the matrix is empty' };
  const rows: number[][] = [];
  for (let r = 0; r < lines.length; r++) {
    const tokens = (lines[r] as string).split(/[\s,]+/).filter(Boolean);
    if (tokens.length === 0) return { ok: false, error: `row ${r + 1} is empty` };
    const row: number[] = [];
    for (let c = 0; c < tokens.length; c++) {
      const v = parseEntry(tokens[c] as string);
      if (!Number.isFinite(v)) return { ok: false, error: `row ${r + 1}, column ${c + 1}: "${tokens[c]}" is not a number` };
      row.push(v);
    }
    if (rows.length > 0 && row.length !== (rows[0] as number[]).length) {
      return { ok: false, error: `row ${r + 1} has ${row.length} numbers but row 1 has ${(rows[0] as number[]).length}` };
    }
    rows.push(row);
  }
  const height = rows.length;
  const width = (rows[0] as number[]).length;
  if (height > maxSide || width > maxSide) return { ok: false, error: `the matrix is ${height}x${width}; at most ${maxSide}x${maxSide}` };
  return { ok: true, matrix: { height, width, values: rows.flat() } };
}

export type ParsedRow = { ok: true; values: number[] } | { ok: false; error: string };

/** A row of numbers typed like `1 2 -1 1 -3` (spaces or commas, brackets optional). Errors name the position. */
export function parseRow(text: string, maxLength = 64): ParsedRow {
  const body = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  const tokens = body.split(/[\s,;]+/).filter(Boolean);
  if (tokens.length === 0) return { ok: false, error: 'type at least one number' };
  if (tokens.length > maxLength) return { ok: false, error: `${tokens.length} numbers; at most ${maxLength}` };
  const values: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const v = parseEntry(tokens[i] as string);
    if (!Number.isFinite(v)) return { ok: false, error: `number ${i + 1}: "${tokens[i]}" is not a number` };
    values.push(v);
  }
  return { ok: true, values };
}

/** A matrix as the playground shows it: `[1 0 -1; 2 0 -2; 1 0 -1]`. */
export function formatMatrix(m: Grid, digits = 4): string {
  const rows: string[] = [];
  for (let r = 0; r < m.height; r++) {
    rows.push(
      m.values
        .slice(r * m.width, (r + 1) * m.width)
        .map((v) => String(Number(v.toPrecision(digits))))
        .join(' '),
    );
  }
  return `[${rows.join('; ')}]`;
}

export interface KernelPreset {
  id: string;
  label: string;
  text: string;
  description: string;
}

export const KERNEL_PRESETS: readonly KernelPreset[] = [
  {
    id: 'sobel',
    label: 'Sobel (vertical edges)',
    text: '[1 0 -1; 2 0 -2; 1 0 -1]',
    description: 'Responds to left-to-right changes in brightness: positive where the left is brighter, negative where the right is.',
  },
  {
    id: 'sobel-h',
    label: 'Sobel (horizontal edges)',
    text: '[1 2 1; 0 0 0; -1 -2 -1]',
    description: 'The same kernel turned a quarter: responds to top-to-bottom changes.',
  },
  { id: 'blur', label: 'Blur', text: '[1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9]', description: 'Each output is the mean of a 3x3 neighbourhood.' },
  {
    id: 'sharpen',
    label: 'Sharpen',
    text: '[0 -1 0; -1 5 -1; 0 -1 0]',
    description: 'The pixel minus its neighbours, plus itself: exaggerates local contrast.',
  },
  { id: 'identity', label: 'Identity', text: '[0 0 0; 0 1 0; 0 0 0]', description: 'Copies the input (shrunk by the border the kernel cannot cover).' },
];

/** Smallest and largest value (0, 0 for an empty list). */
export function valueRange(values: ArrayLike<number>): [number, number] {
  if (values.length === 0) return [0, 0];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
