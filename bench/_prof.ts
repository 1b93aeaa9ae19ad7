import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
import { buildLeNet5, MlblB, MLBLB_PEER_SIZES } from './models';
const which = process.argv[2] ?? 'lenet';
const be = process.argv[3] ?? 'wasm';
await selectBackend(be as 'wasm', console.log);
console.log(tf.getBackend());
const now = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
// exclusive-time kernel profiler
const eng = tf.engine() as unknown as { runKernelFunc: (p: { kernelName?: string }) => unknown };
const orig = eng.runKernelFunc.bind(eng);
const agg = new Map<string, { ms: number; n: number }>();
let on = false; const stack: number[] = [];
eng.runKernelFunc = (p) => {
  if (!on) return orig(p);
  const name = p.kernelName ?? 'custom';
  const t0 = now(); stack.push(0);
  try { return orig(p); } finally {
    const dt = now() - t0; const child = stack.pop() ?? 0;
    if (stack.length) stack[stack.length - 1]! += dt;
    const e = agg.get(name) ?? { ms: 0, n: 0 }; e.ms += dt - child; e.n++; agg.set(name, e);
  }
};
async function profile(step: () => void, label: string, perStep: number) {
  for (let i = 0; i < 3; i++) step();
  let best = Infinity;
  for (let r = 0; r < 3; r++) { const t0 = now(); const N = 5; for (let i = 0; i < N; i++) step(); best = Math.min(best, (now() - t0) / N); }
  console.log(label, 'cpu ms/step', best.toFixed(1), 'per s', (perStep * 1000 / best).toFixed(0));
  const R = 8; const per = new Map<string, { ms: number; n: number }>();
  for (let i = 0; i < R; i++) {
    agg.clear(); on = true; step(); on = false;
    for (const [k, e] of agg) { const b = per.get(k); if (!b || e.ms < b.ms) per.set(k, { ...e }); }
  }
  const rows = [...per.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  let tot = 0; for (const [, e] of per) tot += e.ms;
  console.log('kernel total (cpu, excl, min over steps) ms/step', tot.toFixed(1));
  for (const [k, e] of rows) console.log(k.padEnd(28), e.ms.toFixed(2).padStart(8), String(e.n).padStart(5));
}
if (which === 'lenet') {
  const m = buildLeNet5();
  const opt = tf.train.adam(1e-3);
  const B = 64;
  const x = tf.randomNormal([B, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([B], 0, 10, 'int32'), 10);
  const step = () => { tf.tidy(() => { const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, m.apply(x) as tf.Tensor) as tf.Scalar, true); l?.dataSync(); }); };
  await profile(step, 'lenet5', B);
  console.log('tensors', tf.memory().numTensors);
} else {
  const m = new MlblB(MLBLB_PEER_SIZES);
  const opt = tf.train.momentum(0.1, 0.9);
  const B = 100;
  const ctx = tf.randomUniform([B, 5], 0, 5000, 'int32') as tf.Tensor2D;
  const nxt = tf.randomUniform([B], 0, 5000, 'int32') as tf.Tensor1D;
  const x = tf.randomNormal([B, 4096]) as tf.Tensor2D;
  const step = () => { tf.tidy(() => { const l = opt.minimize(() => m.loss(ctx, x, nxt), true, m.variables()); l?.dataSync(); }); };
  await profile(step, 'mlblb', B);
  console.log('tensors', tf.memory().numTensors);
}
