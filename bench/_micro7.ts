import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
await selectBackend('wasm');
function cpuMs(f: () => void, n = 10): number {
  f(); f();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000 / n);
  }
  return best;
}
const run = (label: string, f: () => unknown) => {
  const ms = cpuMs(() => { tf.tidy(() => { f(); }); });
  console.log(label.padEnd(46), ms.toFixed(3), 'ms');
};
for (const [K, N] of [[5000, 100], [100, 5000], [4096, 100], [1000, 1000], [500, 100]]) {
  const w = tf.randomNormal([K, N]);
  const a1 = tf.randomNormal([1, K]);
  run(`pack ${K}x${N} (M=1 fresh)`, () => tf.matMul(a1, tf.add(w, 0)));
  run(`  cached M=1`, () => tf.matMul(a1, w));
  run(`  add0 only`, () => tf.add(w, 0));
}
console.log('--- 1x1 conv as matmul');
for (const [M, K, N] of [[1, 5000, 100], [100, 5000, 100], [100, 100, 5000], [100, 4096, 100], [1, 1000, 1000], [5000,100,100]]) {
  const w = tf.randomNormal([K, N]);
  const a = tf.randomNormal([M, K]);
  run(`conv1x1 M${M} K${K} N${N} fresh`, () => tf.conv2d(tf.reshape(a, [1, M, 1, K]) as tf.Tensor4D, tf.reshape(tf.add(w, 0), [1, 1, K, N]) as tf.Tensor4D, 1, 'valid'));
  run(`conv1x1 M${M} K${K} N${N} cached`, () => tf.conv2d(tf.reshape(a, [1, M, 1, K]) as tf.Tensor4D, tf.reshape(w, [1, 1, K, N]) as tf.Tensor4D, 1, 'valid'));
  run(`matmul M${M} K${K} N${N} fresh`, () => tf.matMul(a, tf.add(w, 0)));
  run(`matmul M${M} K${K} N${N} cached`, () => tf.matMul(a, w));
}
