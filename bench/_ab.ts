import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { createRequire } from 'node:module';
const req = createRequire(import.meta.url);
wasm.setWasmPaths(path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
await tf.setBackend('wasm');
function cpuMs(f: () => void, n = 10): number {
  f(); f();
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000 / n);
  }
  return best;
}
const K = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
const x1 = tf.randomNormal([64, 28, 28, 6]);
const big = tf.randomNormal([100, 5000]);
const R = tf.randomNormal([5000, 100]);
const ctx = tf.randomUniform([100, 5], 0, 5000, 'int32');
const dyp = tf.randomNormal([64, 14, 14, 6]);
const dy2 = tf.randomNormal([64, 10, 10, 16]); const w2 = tf.randomNormal([5, 5, 6, 16]);
const a = tf.randomNormal([64, 400]); const W = tf.randomNormal([400, 120]); const d = tf.randomNormal([64, 120]);
const rh = tf.randomNormal([100, 100]);
const fresh = (t: tf.Tensor) => tf.add(t, 0);
const cases: [string, () => unknown][] = [
  ['tanh 64x28x28x6', () => tf.tanh(x1)],
  ['exp 100x5000', () => tf.exp(big)],
  ['clone 64x28x28x6', () => tf.clone(x1)],
  ['gather R ctx', () => tf.gather(R, ctx)],
  ['avgPoolGrad 2x2', () => K('AvgPoolGrad', { dy: dyp, input: x1 }, { filterSize: 2, strides: 2, pad: 'valid' })],
  ['maxPoolGrad 2x2', () => K('MaxPoolGrad', { dy: dyp, input: x1, output: dyp }, { filterSize: 2, strides: 2, pad: 'valid' })],
  ['conv2 dX', () => K('Conv2DBackpropInput', { dy: dy2, filter: fresh(w2) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [64, 14, 14, 6] })],
  ['dense dx = d.W^T', () => tf.matMul(d, fresh(W), false, true)],
  ['dense dW = a^T.d', () => tf.matMul(a, fresh(d), true, false)],
  ['dense fwd a.W', () => tf.matMul(a, fresh(W))],
  ['logits rh.R^T', () => tf.matMul(rh, fresh(R), false, true)],
  ['dR = dl^T.rh', () => tf.matMul(fresh(big), fresh(rh), true, false)],
  ['drh = dl.R', () => tf.matMul(big, fresh(R))],
];
const res: Record<string, string> = {};
for (const [k, f] of cases) res[k] = cpuMs(() => tf.tidy(() => { f(); })).toFixed(3);
const { registerWasmKernels } = await import('../src/engine/kernels');
registerWasmKernels();
for (const [k, f] of cases) res[k] += '  ->  ' + cpuMs(() => tf.tidy(() => { f(); })).toFixed(3);
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(24), v);
