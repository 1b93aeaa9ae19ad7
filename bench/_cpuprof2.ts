import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
await selectBackend('wasm');
const which = process.argv[2];
const x = tf.randomNormal([64, 14, 14, 6]) as tf.Tensor4D; const w = tf.randomNormal([5, 5, 6, 16]) as tf.Tensor4D;
const a = tf.randomNormal([1, 5000]); const b = tf.randomNormal([5000, 100]);
const t0 = performance.now();
while (performance.now() - t0 < 4000) {
  tf.tidy(() => {
    if (which === 'conv') tf.conv2d(x, w, 1, 'valid');
    if (which === 'pack') tf.matMul(a, tf.add(b, 0));
    if (which === 'gemm') tf.matMul(tf.randomNormal([256, 5000]), b);
  });
}
