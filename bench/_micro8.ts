import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
await selectBackend('wasm');
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
const run = (label: string, f: () => unknown) => {
  const ms = cpuMs(() => { tf.tidy(() => { f(); }); });
  console.log(label.padEnd(46), ms.toFixed(3), 'ms');
};
for (const [K, N] of [[5000, 100], [100, 5000], [4096, 100]]) {
  const w = tf.randomNormal([K, N]);
  const a = tf.randomNormal([1, K]);
  run(`matmul pack ${K}x${N}`, () => tf.matMul(a, tf.add(w, 0)));
  run(`conv pack ${K}x${N}`, () => tf.conv2d(tf.reshape(a, [1, 1, 1, K]) as tf.Tensor4D, tf.reshape(tf.add(w, 0), [1, 1, K, N]) as tf.Tensor4D, 1, 'valid'));
  const wT = tf.transpose(w);
  run(`matmul transposeB path ${K}x${N} (ours)`, () => tf.matMul(a, tf.add(wT, 0), false, true));
}
