/**
 * Stock tfjs-backend-wasm kernels against ours, op by op (CPU ms, best of 7):
 *
 *   npx tsx bench/kernels-ab.ts
 *
 * Runs every case on the stock kernels first, then registers ours and runs them again.
 * Developer tool; the shapes are those of the LeNet-5 and MLBL-B benchmarks.
 */
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { wasmBinaryDir } from '../src/engine/backend/wasm';
import { registerWasmKernels } from '../src/engine/kernels';

const dir = wasmBinaryDir();
if (!dir) throw new Error('tfjs-backend-wasm binaries not found');
wasm.setWasmPaths(dir);
await tf.setBackend('wasm');

function cpuMs(f: () => void, n = 10): number {
  f();
  f();
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000 / n);
  }
  return best;
}
const K = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
const fresh = (t: tf.Tensor): tf.Tensor => tf.add(t, 0); // new weights, as in training (no cached packing)

const x1 = tf.randomNormal([64, 28, 28, 6]);
const logits = tf.randomNormal([100, 5000]);
const R = tf.randomNormal([5000, 100]);
const ctx = tf.randomUniform([100, 5], 0, 5000, 'int32');
const dyPool = tf.randomNormal([64, 14, 14, 6]);
const dy2 = tf.randomNormal([64, 10, 10, 16]);
const w2 = tf.randomNormal([5, 5, 6, 16]);
const a = tf.randomNormal([64, 400]);
const W = tf.randomNormal([400, 120]);
const d = tf.randomNormal([64, 120]);
const rh = tf.randomNormal([100, 100]);
const cases: [string, () => unknown][] = [
  ['Tanh 64x28x28x6', () => tf.tanh(x1)],
  ['Exp 100x5000', () => tf.exp(logits)],
  ['Identity 64x28x28x6', () => tf.clone(x1)],
  ['GatherV2 5000x100 by 100x5', () => tf.gather(R, ctx)],
  ['AvgPoolGrad 2x2/2', () => K('AvgPoolGrad', { dy: dyPool, input: x1 }, { filterSize: 2, strides: 2, pad: 'valid' })],
  ['MaxPoolGrad 2x2/2', () => K('MaxPoolGrad', { dy: dyPool, input: x1, output: dyPool }, { filterSize: 2, strides: 2, pad: 'valid' })],
  [
    'Conv2DBackpropInput conv2',
    () => K('Conv2DBackpropInput', { dy: dy2, filter: fresh(w2) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [64, 14, 14, 6] }),
  ],
  ['MatMul dense dx = dy W^T', () => tf.matMul(d, fresh(W), false, true)],
  ['MatMul dense dW = x^T dy', () => tf.matMul(a, fresh(d), true, false)],
  ['MatMul logits = h R^T', () => tf.matMul(rh, fresh(R), false, true)],
  ['MatMul dR = dlogits^T h', () => tf.matMul(fresh(logits), fresh(rh), true, false)],
];
const stock = cases.map(([, f]) => cpuMs(() => tf.tidy(() => void f())));
registerWasmKernels();
const ours = cases.map(([, f]) => cpuMs(() => tf.tidy(() => void f())));
console.log(`${'kernel'.padEnd(30)} ${'stock ms'.padStart(9)} ${'ours ms'.padStart(9)}  speed-up`);
cases.forEach(([name], i) => {
  const s = stock[i] as number;
  const o = ours[i] as number;
  console.log(`${name.padEnd(30)} ${s.toFixed(3).padStart(9)} ${o.toFixed(3).padStart(9)}  ${(s / o).toFixed(1)}x`);
});
