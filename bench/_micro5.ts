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
  console.log(label.padEnd(50), ms.toFixed(3), 'ms');
};
const a = tf.randomNormal([100, 5000]);
for (const op of ['exp','log','sigmoid','tanh','relu','neg','sqrt','abs','square','softmax','logSoftmax'] as const) {
  run(op, () => (tf[op] as (x: tf.Tensor) => tf.Tensor)(op==='log'||op==='sqrt' ? tf.abs(a) : a));
}
run('max axis1', () => tf.max(a, 1, true));
run('sum axis1', () => tf.sum(a, 1, true));
run('sum axis0', () => tf.sum(a, 0));
run('sub bcast', () => tf.sub(a, tf.ones([100,1])));
run('oneHot', () => tf.oneHot(tf.zeros([100], 'int32'), 5000));
const ctx = tf.randomUniform([100, 5], 0, 5000, 'int32');
const R = tf.randomNormal([5000, 100]);
run('gather', () => tf.gather(R, ctx));
run('transpose 5000x100', () => tf.transpose(R));
run('transpose 100x4096', () => tf.transpose(tf.randomNormal([100, 4096])));
run('randomNormal 100x4096', () => tf.randomNormal([100, 4096]));
