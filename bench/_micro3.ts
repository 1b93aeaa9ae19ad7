import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
await selectBackend((process.argv[2] ?? 'wasm') as 'wasm');
function cpuMs(f: () => void, n = 20): number {
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
export const run = (label: string, f: () => tf.Tensor | tf.Tensor[] | void) => {
  const ms = cpuMs(() => { tf.tidy(() => { f(); }); });
  console.log(label.padEnd(50), ms.toFixed(3), 'ms');
};
for (const n of [1000, 48000, 300000]) {
  const a = tf.randomNormal([n]); const b = tf.randomNormal([n]); const s = tf.scalar(2);
  run(`add ${n}`, () => tf.add(a, b));
  run(`add scalar ${n}`, () => tf.add(a, s));
  run(`mul ${n}`, () => tf.mul(a, b));
  run(`tanh ${n}`, () => tf.tanh(a));
  run(`sigmoid ${n}`, () => tf.sigmoid(a));
  run(`square ${n}`, () => tf.square(a));
  run(`sub ${n}`, () => tf.sub(a, b));
}
