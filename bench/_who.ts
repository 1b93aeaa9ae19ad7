import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
import { buildLeNet5 } from './models';
await selectBackend('wasm');
const eng = tf.engine() as unknown as { runKernelFunc: (p: { kernelName?: string; inputs?: Record<string, tf.TensorInfo> }) => unknown };
const orig = eng.runKernelFunc.bind(eng);
let on = false; const seen = new Map<string, number>();
const target = process.argv[2] ?? 'Identity';
eng.runKernelFunc = (p) => {
  if (on && p.kernelName === target) {
    const st = (new Error().stack ?? '').split('\n').slice(2, 12).filter(l => !l.includes('engine.js')).map(l => l.trim().replace(/\(.*node_modules\/@tensorflow\//, '(').slice(0, 110)).slice(0, 5).join(' <- ');
    const key = JSON.stringify(Object.values(p.inputs ?? {}).map(t => t?.shape)) + ' ' + st;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return orig(p);
};
const m = buildLeNet5();
const opt = tf.train.adam(1e-3);
const x = tf.randomNormal([64, 28, 28, 1]);
const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
const step = () => { tf.tidy(() => { const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, m.apply(x) as tf.Tensor) as tf.Scalar, true); l?.dataSync(); }); };
step(); step(); on = true; step(); on = false;
for (const [k, v] of [...seen.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(v, k);
