import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend';
import { FusedAdamOptimizer } from './fused-adam';

/** A small two-layer problem with fixed data: every optimizer sees the same gradients at step 1. */
let made = 0;
function problem(seed: number) {
  const tag = `p${made++}`;
  const w1 = tf.variable(tf.randomNormal([6, 5], 0, 0.5, 'float32', seed), true, `${tag}_w1`);
  const b1 = tf.variable(tf.zeros([5]), true, `${tag}_b1`);
  const w2 = tf.variable(tf.randomNormal([5, 3], 0, 0.5, 'float32', seed + 1), true, `${tag}_w2`);
  const x = tf.randomNormal([16, 6], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2, 1, 1, 0, 2], 'int32'), 3);
  const loss = () => tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2)) as tf.Scalar;
  return { tag, vars: [w1, b1, w2], loss, dispose: () => tf.dispose([w1, b1, w2, x, y]) };
}

function train(opt: tf.Optimizer, p: ReturnType<typeof problem>, steps: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = opt.minimize(p.loss, true, p.vars) as tf.Scalar;
    losses.push(l.dataSync()[0] as number);
    l.dispose();
  }
  return losses;
}

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1e-3, Math.abs(b[i] as number)));
  return m;
};

describe.each(['cpu', 'wasm'] as const)('FusedAdamOptimizer on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it('follows tf.train.adam step for step', () => {
    const a = problem(1);
    const b = problem(1);
    const ref = tf.train.adam(0.01);
    const fused = new FusedAdamOptimizer(0.01);
    const la = train(ref, a, 40);
    const lb = train(fused, b, 40);
    // float32 kernels against a float64 loop: equal at first, drifting by rounding only.
    expect(maxRelDiff(lb.slice(0, 5), la.slice(0, 5))).toBeLessThan(1e-5);
    expect(maxRelDiff(lb, la)).toBeLessThan(1e-3);
    a.vars.forEach((v, i) => expect(maxRelDiff(b.vars[i]!.dataSync(), v.dataSync())).toBeLessThan(1e-3));
    expect(lb[39]!).toBeLessThan(lb[0]! * 0.7);
    ref.dispose();
    fused.dispose();
    a.dispose();
    b.dispose();
  });

  it('saves and restores its state in tf.AdamOptimizer layout, and leaks no tensors', async () => {
    const a = problem(3);
    const fused = new FusedAdamOptimizer(0.01);
    train(fused, a, 5);
    const before = tf.memory().numTensors;
    train(fused, a, 5);
    expect(tf.memory().numTensors).toBe(before);
    const saved = await fused.getWeights();
    const t = a.tag;
    expect(saved.map((w) => w.name)).toEqual(['iter', `${t}_w1/m`, `${t}_b1/m`, `${t}_w2/m`, `${t}_w1/v`, `${t}_b1/v`, `${t}_w2/v`]);
    // A stock Adam restored from the fused state continues exactly like the fused one does.
    const copy = saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    const snapshot = a.vars.map((v) => v.clone());
    const stock = tf.train.adam(0.01);
    await stock.setWeights(copy);
    const continuedFused = train(fused, a, 3);
    a.vars.forEach((v, i) => v.assign(snapshot[i]!));
    const continuedStock = train(stock, a, 3);
    expect(maxRelDiff(continuedFused, continuedStock)).toBeLessThan(1e-4);
    // And a fused Adam restored from a stock Adam's state continues like the stock one.
    const stockSaved = (await stock.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    const restored = new FusedAdamOptimizer(0.01);
    await restored.setWeights(stockSaved);
    const snap2 = a.vars.map((v) => v.clone());
    const s2 = train(stock, a, 3);
    a.vars.forEach((v, i) => v.assign(snap2[i]!));
    const r2 = train(restored, a, 3);
    expect(maxRelDiff(r2, s2)).toBeLessThan(1e-4);
    expect(restored.getClassName()).toBe('Adam');
    tf.dispose([...snapshot, ...snap2]);
    [fused, stock, restored].forEach((o) => o.dispose());
    a.dispose();
  });
});
