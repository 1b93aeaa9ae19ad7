import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
await selectBackend((process.argv[2] ?? 'wasm') as 'wasm');
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
const run = (label: string, flops: number, f: () => unknown) => {
  const ms = cpuMs(() => { tf.tidy(() => { f(); }); });
  console.log(label.padEnd(46), ms.toFixed(3), 'ms', flops ? (flops / ms / 1e6).toFixed(1) + ' GFLOP/s' : '');
};
const fresh = (t: tf.Tensor) => tf.add(t, 0);
const r = tf.randomNormal([100, 500]), C = tf.randomNormal([500, 100]);
const x = tf.randomNormal([100, 4096]), Cm = tf.randomNormal([4096, 100]);
const rh = tf.randomNormal([100, 100]), R = tf.randomNormal([5000, 100]);
const dl = tf.randomNormal([100, 5000]);
run('add0 R (fresh cost)', 0, () => fresh(R));
run('r.C fresh', 2*100*500*100, () => tf.matMul(r, fresh(C)));
run('x.Cm fresh', 2*100*4096*100, () => tf.matMul(x, fresh(Cm)));
run('x.Cm cached', 2*100*4096*100, () => tf.matMul(x, Cm));
run('rh.R^T (transposeB) fresh', 2*100*100*5000, () => tf.matMul(rh, fresh(R), false, true));
run('dl.R fresh', 2*100*100*5000, () => tf.matMul(dl, fresh(R)));
run('dl^T.rh (transposeA)', 2*100*100*5000, () => tf.matMul(fresh(dl), rh, true, false));
run('x^T.rh (transposeA)', 2*100*100*4096, () => tf.matMul(fresh(x), rh, true, false));
run('transpose R', 0, () => tf.transpose(fresh(R)));
run('transpose x', 0, () => tf.transpose(fresh(x)));
const RT = tf.transpose(R);
run('rh.RT fresh (no transpose)', 2*100*100*5000, () => tf.matMul(rh, fresh(RT)));
run('rh.RT cached', 2*100*100*5000, () => tf.matMul(rh, RT));
const big = tf.randomNormal([1000, 1000]);
run('1000^3 cached', 2e9, () => tf.matMul(big, big));
run('1000^3 fresh', 2e9, () => tf.matMul(big, fresh(big)));
