/**
 * Parity of every kernel the project registers on wasm against the cpu backend, on random shapes
 * over strides, 'same' / 'valid' / numeric / explicit padding and batch 1..N.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend';
import { seededRandom } from '../../shared/random';
import { registerWasmKernels, sparseSoftmaxCrossEntropy } from './index';

// --- helpers ---------------------------------------------------------------------------------

const rng = seededRandom;

type Spec = { shape: number[]; dtype?: 'float32' | 'int32'; values: Float32Array | Int32Array };
const randSpec = (r: () => number, shape: number[], scale = 1): Spec => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (r() * 2 - 1) * scale;
  return { shape, values: v };
};
const intSpec = (shape: number[], values: number[]): Spec => ({ shape, dtype: 'int32', values: Int32Array.from(values) });

/** Runs a kernel on one backend with fresh input tensors; returns the output values. */
function runOn(backend: string, kernel: string, inputs: Record<string, Spec>, attrs: Record<string, unknown>): { shape: number[]; values: Float32Array } {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const ins: Record<string, tf.Tensor> = {};
    for (const [k, s] of Object.entries(inputs)) ins[k] = tf.tensor(s.values, s.shape, s.dtype ?? 'float32');
    const out = tf.engine().runKernel(kernel, ins as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
    return { shape: out.shape, values: Float32Array.from(out.dataSync() as Float32Array) };
  });
}

/** max |a-b| / max |b| (norm-wise relative error; sums of products cancel elementwise). */
function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs((a[i] as number) - (b[i] as number)));
    den = Math.max(den, Math.abs(b[i] as number));
  }
  return den === 0 ? num : num / den;
}

function expectParity(kernel: string, inputs: Record<string, Spec>, attrs: Record<string, unknown>, tol = 1e-4): void {
  const ours = runOn('wasm', kernel, inputs, attrs);
  const ref = runOn('cpu', kernel, inputs, attrs);
  const label = `${kernel} ${JSON.stringify(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.shape])))} ${JSON.stringify(attrs)}`;
  expect(ours.shape, label).toEqual(ref.shape);
  const e = relErr(ours.values, ref.values);
  expect(e, label).toBeLessThan(tol);
  expect(
    ours.values.some((v) => Number.isNaN(v)),
    label,
  ).toBe(false);
}

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

function randomConvCase(r: () => number): { x: number[]; f: number[]; strides: [number, number]; pad: Pad } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const fh = int(1, 5);
  const fw = int(1, 5);
  const strides: [number, number] = [int(1, 3), int(1, 3)];
  const padKind = pick(['same', 'valid', 'number', 'explicit'] as const);
  let pad: Pad;
  if (padKind === 'same' || padKind === 'valid') pad = padKind;
  else if (padKind === 'number') pad = int(0, 2);
  else
    pad = [
      [0, 0],
      [int(0, 3), int(0, 3)],
      [int(0, 3), int(0, 3)],
      [0, 0],
    ];
  const h = int(Math.max(fh, 3), 11);
  const w = int(Math.max(fw, 3), 11);
  return { x: [int(1, 4), h, w, int(1, 4)], f: [fh, fw, 0, int(1, 5)], strides, pad };
}

function outShape(x: number[], f: number[], strides: [number, number], pad: Pad): number[] {
  return tf.backend_util.computeConv2DInfo(x as [number, number, number, number], f as [number, number, number, number], strides, 1, pad, 'floor').outShape;
}

// --- tests -----------------------------------------------------------------------------------

beforeAll(async () => {
  const choice = await selectBackend('wasm');
  expect(choice.backend).toBe('wasm');
});

describe('registration', () => {
  it('registers the missing training kernels and the faster ones on wasm', () => {
    const names = registerWasmKernels();
    for (const k of [
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'UnsortedSegmentSum',
      'AvgPoolGrad',
      'MaxPoolGrad',
      'BatchMatMul',
      '_FusedMatMul',
      'Tanh',
      'Exp',
      'GatherV2',
      'Identity',
      'OneHot',
    ]) {
      expect(names).toContain(k);
      expect(tf.getKernel(k, 'wasm')).toBeDefined();
    }
  });
});

describe('Conv2DBackpropFilter / Conv2DBackpropInput parity with cpu', () => {
  it('matches on 40 random cases (strides, same/valid/number/explicit padding, batch 1..4)', () => {
    const r = rng(1234);
    for (let i = 0; i < 40; i++) {
      const c = randomConvCase(r);
      c.f[2] = c.x[3] as number;
      const os = outShape(c.x, c.f, c.strides, c.pad);
      if (os.some((d) => d <= 0)) continue;
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: 'floor' };
      expectParity('Conv2DBackpropFilter', { x: randSpec(r, c.x), dy: randSpec(r, os) }, { ...attrs, filterShape: c.f });
      expectParity('Conv2DBackpropInput', { dy: randSpec(r, os), filter: randSpec(r, c.f) }, { ...attrs, inputShape: c.x });
    }
  });

  it('matches the LeNet-5 shapes (batch 16)', () => {
    const r = rng(7);
    const a = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
    expectParity('Conv2DBackpropFilter', { x: randSpec(r, [16, 28, 28, 1]), dy: randSpec(r, [16, 28, 28, 6]) }, { ...a, filterShape: [5, 5, 1, 6] });
    const b = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' };
    expectParity('Conv2DBackpropFilter', { x: randSpec(r, [16, 14, 14, 6]), dy: randSpec(r, [16, 10, 10, 16]) }, { ...b, filterShape: [5, 5, 6, 16] });
    expectParity('Conv2DBackpropInput', { dy: randSpec(r, [16, 10, 10, 16]), filter: randSpec(r, [5, 5, 6, 16]) }, { ...b, inputShape: [16, 14, 14, 6] });
  });

  it('handles explicit padding wider than filter and input (rows that see only padding)', () => {
    const r = rng(77);
    for (const [x, f, s, p] of [
      [[2, 2, 3, 2], [1, 1, 2, 3], [1, 1], 4],
      [[1, 3, 2, 1], [2, 2, 1, 2], [3, 2], 3],
      [[1, 4, 4, 2], [3, 1, 2, 2], [2, 3], 5],
    ] as [number[], number[], [number, number], number][]) {
      const pad: Pad = [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ];
      const os = outShape(x, f, s, pad);
      const attrs = { strides: s, pad, dataFormat: 'NHWC', dimRoundingMode: 'floor' };
      expectParity('Conv2DBackpropFilter', { x: randSpec(r, x), dy: randSpec(r, os) }, { ...attrs, filterShape: f });
      expectParity('Conv2DBackpropInput', { dy: randSpec(r, os), filter: randSpec(r, f) }, { ...attrs, inputShape: x });
    }
  });

  it('gives the same gradients as cpu through tf.grad of conv2d', () => {
    const r = rng(99);
    const xs = randSpec(r, [3, 9, 8, 2]);
    const ws = randSpec(r, [3, 3, 2, 4]);
    const grads = (backend: string): Float32Array[] => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(xs.values, xs.shape as [number, number, number, number]);
        const w = tf.tensor4d(ws.values, ws.shape as [number, number, number, number]);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))));
        return g([x, w]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
      });
    };
    const ours = grads('wasm');
    const ref = grads('cpu');
    for (let i = 0; i < 2; i++) expect(relErr(ours[i] as Float32Array, ref[i] as Float32Array)).toBeLessThan(1e-4);
  });

  it('throws a clear error for NCHW and for dilation > 1', () => {
    const r = rng(5);
    tf.setBackend('wasm');
    const x = tf.tensor4d(randSpec(r, [1, 6, 6, 2]).values, [1, 6, 6, 2]);
    const dy = tf.tensor4d(randSpec(r, [1, 6, 6, 3]).values, [1, 6, 6, 3]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] })).toThrow(
      /NCHW.*not supported|not supported/,
    );
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 2, filterShape: [3, 3, 2, 3] }),
    ).toThrow(/dilation.*not supported/);
    tf.dispose([x, dy]);
  });
});

describe('MaxPoolGrad parity with cpu', () => {
  it('matches on 40 random cases, with ties (ReLU-like zeros) and -Infinity', () => {
    const r = rng(8765);
    const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
    for (let i = 0; i < 40; i++) {
      const f: [number, number] = [int(1, 3), int(1, 3)];
      const s: [number, number] = i % 2 === 0 ? [f[0], f[1]] : [int(1, 3), int(1, 3)];
      const pad: Pad = (['same', 'valid', int(0, 1)] as Pad[])[i % 3] as Pad;
      if (typeof pad === 'number' && (pad * 2 >= f[0] || pad * 2 >= f[1])) continue;
      const x = [int(1, 3), int(f[0], 10), int(f[1], 10), int(1, 4)];
      const info = tf.backend_util.computePool2DInfo(x as [number, number, number, number], f, s, 1, pad, 'floor');
      if (info.outHeight <= 0 || info.outWidth <= 0) continue;
      const xs = randSpec(r, x);
      // ReLU-like: many exact zeros, so windows tie.
      for (let k = 0; k < xs.values.length; k++) if ((xs.values[k] as number) < 0.3) xs.values[k] = 0;
      if (i === 5) xs.values.fill(-Infinity, 0, Math.min(8, xs.values.length));
      // The output input is what the forward pass gave: compute it on cpu.
      tf.setBackend('cpu');
      const y = tf.tidy(() => tf.maxPool(tf.tensor4d(xs.values, x as [number, number, number, number]), f, s, pad as 'same').dataSync());
      const ys: Spec = { shape: info.outShape, values: Float32Array.from(y as Float32Array) };
      expectParity('MaxPoolGrad', { dy: randSpec(r, info.outShape), input: xs, output: ys }, { filterSize: f, strides: s, pad });
    }
  });

  it('gives the same gradient as cpu through tf.grad of maxPool after relu', () => {
    const r = rng(66);
    const xs = randSpec(r, [4, 12, 12, 3]);
    const grad = (backend: string): Float32Array => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(xs.values, [4, 12, 12, 3]);
        const g = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.maxPool(tf.relu(a) as tf.Tensor4D, 2, 2, 'valid'))))(x);
        return Float32Array.from(g.dataSync() as Float32Array);
      });
    };
    expect(relErr(grad('wasm'), grad('cpu'))).toBeLessThan(1e-5);
  });
});

describe('AvgPoolGrad parity with cpu', () => {
  it('matches on 40 random cases, overlapping and not', () => {
    const r = rng(4321);
    const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
    for (let i = 0; i < 40; i++) {
      const f: [number, number] = [int(1, 3), int(1, 3)];
      const s: [number, number] = i % 2 === 0 ? [f[0], f[1]] : [int(1, 3), int(1, 3)];
      const pad: Pad = (['same', 'valid', int(0, 1)] as Pad[])[i % 3] as Pad;
      if (typeof pad === 'number' && (pad * 2 >= f[0] || pad * 2 >= f[1])) continue;
      const x = [int(1, 3), int(f[0], 10), int(f[1], 10), int(1, 4)];
      const info = tf.backend_util.computePool2DInfo(x as [number, number, number, number], f, s, 1, pad, 'floor');
      if (info.outHeight <= 0 || info.outWidth <= 0) continue;
      expectParity('AvgPoolGrad', { dy: randSpec(r, info.outShape), input: randSpec(r, x) }, { filterSize: f, strides: s, pad });
    }
  });

  it('matches the LeNet-5 shapes', () => {
    const r = rng(3);
    expectParity('AvgPoolGrad', { dy: randSpec(r, [64, 14, 14, 6]), input: randSpec(r, [64, 28, 28, 6]) }, { filterSize: 2, strides: 2, pad: 'valid' });
    expectParity('AvgPoolGrad', { dy: randSpec(r, [64, 5, 5, 16]), input: randSpec(r, [64, 10, 10, 16]) }, { filterSize: 2, strides: 2, pad: 'valid' });
  });
});

describe('UnsortedSegmentSum and GatherV2 parity with cpu', () => {
  it('UnsortedSegmentSum matches, repeated and out-of-range ids included', () => {
    const r = rng(11);
    for (const [n, inner, segs] of [
      [1, [3], 4],
      [20, [5], 7],
      [13, [2, 3], 5],
      [50, [], 9],
    ] as const) {
      const ids = Array.from({ length: n }, () => Math.floor(r() * (segs + 2)) - 1); // -1 and segs are dropped
      expectParity('UnsortedSegmentSum', { x: randSpec(r, [n, ...inner]), segmentIds: intSpec([n], ids) }, { numSegments: segs });
    }
  });

  it('GatherV2 matches on axes 0 and 1', () => {
    const r = rng(12);
    const idx = Array.from({ length: 12 }, () => Math.floor(r() * 6));
    expectParity('GatherV2', { x: randSpec(r, [6, 4]), indices: intSpec([3, 4], idx) }, { axis: 0, batchDims: 0 });
    expectParity('GatherV2', { x: randSpec(r, [2, 6, 3]), indices: intSpec([12], idx) }, { axis: 1, batchDims: 0 });
  });

  it('GatherV2 rejects out-of-range indices without leaking', () => {
    tf.setBackend('wasm');
    const x = tf.ones([4, 2]);
    const before = tf.memory().numTensors;
    expect(() => tf.gather(x, tf.tensor1d([0, 4], 'int32'))).toThrow(/not in \[0, 3\]/);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1);
    x.dispose();
  });

  it('embedding gradient (gather then sum) matches cpu', () => {
    const r = rng(13);
    const table = randSpec(r, [30, 8]);
    const ids = Array.from({ length: 40 }, () => Math.floor(r() * 30));
    const grad = (backend: string): Float32Array => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const t = tf.tensor2d(table.values, [30, 8]);
        const i = tf.tensor2d(ids, [8, 5], 'int32');
        const g = tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.gather(w, i))))(t);
        return Float32Array.from(g.dataSync() as Float32Array);
      });
    };
    expect(relErr(grad('wasm'), grad('cpu'))).toBeLessThan(1e-4);
  });
});

describe('BatchMatMul / _FusedMatMul parity with cpu', () => {
  it('matches for every transpose combination, 2-D and batched with broadcasting', () => {
    const r = rng(21);
    const cases: [number[], number[]][] = [
      [
        [1, 7, 5],
        [1, 5, 3],
      ],
      [
        [1, 64, 40],
        [1, 40, 12],
      ],
      [
        [3, 6, 4],
        [3, 4, 5],
      ],
      [
        [4, 40, 30],
        [1, 30, 20],
      ],
      [
        [2, 3, 40, 30],
        [3, 30, 20],
      ],
      [
        [1, 100, 100],
        [1, 100, 700],
      ], // chosen as (B^T A^T)^T by the cost model
      [
        [1, 64, 400],
        [1, 400, 120],
      ],
    ];
    for (const [as, bs] of cases) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = ta ? [...as.slice(0, -2), as[as.length - 1] as number, as[as.length - 2] as number] : as;
          const b = tb ? [...bs.slice(0, -2), bs[bs.length - 1] as number, bs[bs.length - 2] as number] : bs;
          expectParity('BatchMatMul', { a: randSpec(r, a), b: randSpec(r, b) }, { transposeA: ta, transposeB: tb });
        }
      }
    }
  });

  it('_FusedMatMul with transposes, bias and relu matches', () => {
    const r = rng(22);
    for (const [ta, tb] of [
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const a = ta ? [1, 9, 6] : [1, 6, 9];
      const b = tb ? [1, 4, 9] : [1, 9, 4];
      expectParity('_FusedMatMul', { a: randSpec(r, a), b: randSpec(r, b), bias: randSpec(r, [4]) }, { transposeA: ta, transposeB: tb, activation: 'relu' });
    }
  });

  it('dense-layer gradients match through tf.grads', () => {
    const r = rng(23);
    const xs = randSpec(r, [16, 30]);
    const ws = randSpec(r, [30, 7]);
    const grads = (backend: string): Float32Array[] => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const g = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D))));
        return g([tf.tensor2d(xs.values, [16, 30]), tf.tensor2d(ws.values, [30, 7])]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
      });
    };
    const ours = grads('wasm');
    const ref = grads('cpu');
    for (let i = 0; i < 2; i++) expect(relErr(ours[i] as Float32Array, ref[i] as Float32Array)).toBeLessThan(1e-4);
  });
});

describe('OneHot, Identity and sparseSoftmaxCrossEntropy', () => {
  it('OneHot matches cpu for float32 and int32 (tfjs-backend-wasm writes int bits into float32)', () => {
    const ids = intSpec([2, 3], [0, 4, 2, -1, 5, 1]);
    for (const dtype of ['float32', 'int32']) {
      expectParity('OneHot', { indices: ids }, { depth: 5, onValue: 2.5, offValue: -1, dtype });
    }
  });

  it('Identity shares the data, and disposing either side keeps the other valid', () => {
    tf.setBackend('wasm');
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.engine().runKernel('Identity', { x: a }, {}) as tf.Tensor;
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    b.dispose();
  });

  it('sparseSoftmaxCrossEntropy equals tf.losses.softmaxCrossEntropy, value and gradient, on wasm and cpu', () => {
    const r = rng(51);
    const z = randSpec(r, [7, 30], 8);
    const labels = Array.from({ length: 7 }, () => Math.floor(r() * 30));
    const run = (backend: string, sparse: boolean): Float32Array[] => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const logits = tf.tensor2d(z.values, [7, 30]);
        const y = tf.tensor1d(labels, 'int32');
        const f = (l: tf.Tensor): tf.Scalar =>
          sparse ? sparseSoftmaxCrossEntropy(l as tf.Tensor2D, y) : (tf.losses.softmaxCrossEntropy(tf.oneHot(y, 30), l) as tf.Scalar);
        const { value, grad } = tf.valueAndGrad(f)(logits);
        return [Float32Array.from(value.dataSync() as Float32Array), Float32Array.from(grad.dataSync() as Float32Array)];
      });
    };
    const ref = run('cpu', false);
    for (const backend of ['wasm', 'cpu']) {
      const ours = run(backend, true);
      expect(relErr(ours[0] as Float32Array, ref[0] as Float32Array)).toBeLessThan(1e-5);
      expect(relErr(ours[1] as Float32Array, ref[1] as Float32Array)).toBeLessThan(1e-5);
    }
  });
});

describe('Tanh / Exp parity with cpu (elementwise relative error)', () => {
  function elementwise(kernel: string, values: Float32Array): number {
    const spec = { shape: [values.length], values };
    const ours = runOn('wasm', kernel, { x: spec }, {}).values;
    const ref = runOn('cpu', kernel, { x: spec }, {}).values;
    let worst = 0;
    for (let i = 0; i < ref.length; i++) {
      const b = ref[i] as number;
      const a = ours[i] as number;
      if (!Number.isFinite(b)) {
        expect(a).toBe(b);
        continue;
      }
      worst = Math.max(worst, b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));
    }
    return worst;
  }

  it('tanh within 1e-4 relative over small, medium and saturating inputs', () => {
    const r = rng(31);
    const v = new Float32Array(20000);
    for (let i = 0; i < v.length; i++) v[i] = (r() * 2 - 1) * 10 ** (r() * 8 - 6); // |x| from 1e-6 to 100
    v[0] = 0;
    v[1] = -0;
    v[2] = 1 / 128;
    v[3] = -1 / 128;
    expect(elementwise('Tanh', v)).toBeLessThan(1e-4);
  });

  it('exp within 1e-4 relative over [-80, 80]', () => {
    const r = rng(32);
    const v = new Float32Array(20000);
    for (let i = 0; i < v.length; i++) v[i] = (r() * 2 - 1) * 80;
    v[0] = 0;
    expect(elementwise('Exp', v)).toBeLessThan(1e-4);
  });
});
