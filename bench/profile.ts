/**
 * Per-kernel profile of one training step (exclusive CPU time, best of several steps):
 *
 *   npx tsx bench/profile.ts lenet5|mlblb [--backend wasm|cpu|auto]
 *
 * Kernels our kernels call internally are counted under their own names (exclusive time).
 * Progress and the table go to stdout; this is a developer tool, not the benchmark.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, isBackendName, type BackendName } from '../src/engine/backend';
import { buildLeNet5, MlblB, MLBLB_PEER_SIZES } from './models';
import { FusedAdamOptimizer } from '../src/engine/train/fused-adam';

const which = process.argv[2] ?? 'lenet5';
const bi = process.argv.indexOf('--backend');
const beArg = bi > 0 ? process.argv[bi + 1] : 'wasm';
const requested: 'auto' | BackendName = beArg === 'auto' || !isBackendName(beArg) ? 'auto' : beArg;
const choice = await selectBackend(requested, (m) => console.log(m));
const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

// Wrap the engine's kernel dispatch to time every kernel, exclusive of the kernels it calls.
const eng = tf.engine() as unknown as { runKernelFunc: (p: { kernelName?: string }) => unknown };
const dispatch = eng.runKernelFunc.bind(eng);
const agg = new Map<string, { ms: number; n: number }>();
const stack: number[] = [];
let on = false;
eng.runKernelFunc = (p) => {
  if (!on) return dispatch(p);
  const t0 = cpuMs();
  stack.push(0);
  try {
    return dispatch(p);
  } finally {
    const dt = cpuMs() - t0;
    const child = stack.pop() ?? 0;
    if (stack.length) stack[stack.length - 1] = (stack[stack.length - 1] as number) + dt;
    const name = p.kernelName ?? '(customGrad)';
    const e = agg.get(name) ?? { ms: 0, n: 0 };
    e.ms += dt - child;
    e.n++;
    agg.set(name, e);
  }
};

let step: () => void;
let items: number;
if (which === 'lenet5') {
  const m = buildLeNet5();
  const opt = new FusedAdamOptimizer(1e-3); // as the ConvNet trainer
  const x = tf.randomNormal([64, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
  items = 64;
  step = () => tf.tidy(() => void opt.minimize(() => tf.losses.softmaxCrossEntropy(y, m.apply(x) as tf.Tensor) as tf.Scalar, true)?.dataSync());
} else if (which === 'mlblb') {
  const m = new MlblB(MLBLB_PEER_SIZES);
  const opt = tf.train.momentum(0.1, 0.9);
  const ctx = tf.randomUniform([100, 5], 0, 5000, 'int32') as tf.Tensor2D;
  const nxt = tf.randomUniform([100], 0, 5000, 'int32') as tf.Tensor1D;
  const x = tf.randomNormal([100, 4096]) as tf.Tensor2D;
  items = 100;
  step = () => tf.tidy(() => void opt.minimize(() => m.loss(ctx, x, nxt), true, m.variables())?.dataSync());
} else {
  throw new Error(`unknown model ${which} (lenet5 | mlblb)`);
}

for (let i = 0; i < 3; i++) step();
let best = Infinity;
for (let r = 0; r < 3; r++) {
  const t0 = cpuMs();
  for (let i = 0; i < 5; i++) step();
  best = Math.min(best, (cpuMs() - t0) / 5);
}
console.log(`${which} on ${choice.backend}: ${best.toFixed(1)} CPU ms/step, ${((items * 1000) / best).toFixed(0)} items per CPU second`);
const per = new Map<string, { ms: number; n: number }>();
for (let i = 0; i < 8; i++) {
  agg.clear();
  on = true;
  step();
  on = false;
  for (const [k, e] of agg) {
    const b = per.get(k);
    if (!b || e.ms < b.ms) per.set(k, { ...e });
  }
}
let total = 0;
for (const e of per.values()) total += e.ms;
console.log(`kernels: ${total.toFixed(1)} CPU ms/step (exclusive, best step per kernel); the rest is JS (tape, layers, GC)`);
for (const [k, e] of [...per.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
  console.log(`${k.padEnd(28)} ${e.ms.toFixed(2).padStart(8)} ms ${String(e.n).padStart(5)} calls`);
}
