import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LmModel, paramSpecs, type LmConfig } from './model';
import { Adam, KirosSgd, momentumAt } from './optim';

const c: LmConfig = { model: 'lbl', V: 3, K: 2, n: 1, D: 0, h: 0, F: 1, dropout: 0 };

function model(value: number): LmModel {
  return new LmModel(c, new Map(paramSpecs(c).map((s) => [s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1)).fill(value)])));
}
function grads(value: number): Map<string, tf.Tensor> {
  return new Map(paramSpecs(c).map((s) => [s.name, tf.fill(s.shape, value)]));
}

describe('optimisers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("momentum follows the code's schedule: 0.52, 0.52, 0.54, ... 0.9 from epoch 20", () => {
    const o = { momentumStart: 0.5, momentumEnd: 0.9, momentumEpochs: 20 };
    expect([0, 1, 2, 3].map((e) => momentumAt(e, o))).toEqual([0.52, 0.52, 0.54, 0.56].map((v) => expect.closeTo(v, 12)));
    expect(momentumAt(20, o)).toBeCloseTo(0.9, 12);
    expect(momentumAt(35, o)).toBeCloseTo(0.9, 12);
  });

  it('KirosSgd: delta <- p delta - (1 - p)(lr / batch)(grad + gamma W), W <- W + delta; lr x decay per epoch', () => {
    const m = model(1);
    const sgd = new KirosSgd(m, { lr: 0.2, lrDecay: 0.5, momentumStart: 0.5, momentumEnd: 0.9, momentumEpochs: 20, decay: { words: 0.1, context: 0.01 } });
    const g = grads(2);
    sgd.apply(g, 10);
    // p = 0.52, scale = 0.48 * 0.02 = 0.0096. R (decay 0.1): grad 2.1 -> delta -0.02016; C (0.01): 2.01 -> -0.019296; b (none): 2 -> -0.0192.
    expect(m.p('R').dataSync()[0]).toBeCloseTo(1 - 0.02016, 6);
    expect(m.p('C').dataSync()[0]).toBeCloseTo(1 - 0.019296, 6);
    expect(m.p('b').dataSync()[0]).toBeCloseTo(1 - 0.0192, 6);
    // Second step, next epoch (p = 0.52, lr = 0.1): R = 0.97984, grad 2 + 0.097984, delta = 0.52 * -0.02016 - 0.48 * 0.01 * 2.097984.
    sgd.endEpoch();
    expect(sgd.state()).toMatchObject({ lr: 0.1, epoch: 1 });
    sgd.apply(g, 10);
    const delta2 = 0.52 * -0.02016 - 0.48 * 0.01 * (2 + 0.1 * 0.97984);
    expect(m.p('R').dataSync()[0]).toBeCloseTo(0.97984 + delta2, 6);
    tf.dispose([...g.values()]);
    sgd.dispose();
    m.dispose();
  });

  it('KirosSgd with a summed gradient: the batch divides once (a step is lr x the mean gradient)', () => {
    const o = { lr: 0.2, lrDecay: 1, momentumStart: 0.5, momentumEnd: 0.9, momentumEpochs: 20, decay: { words: 0.1, context: 0 } };
    const mean = model(1);
    const sum = model(1);
    const a = new KirosSgd(mean, { ...o, gradient: 'mean' });
    const b = new KirosSgd(sum, { ...o, gradient: 'sum' });
    const g = grads(2);
    a.apply(g, 20);
    b.apply(g, 20);
    // p = 0.52: 'mean' moves R by 0.48 * (0.2 / 20) * 2.1, 'sum' by 0.48 * 0.2 * 2.1 (20x more); b (no decay) by 0.48 * 0.2 * 2.
    expect(mean.p('R').dataSync()[0]).toBeCloseTo(1 - 0.48 * 0.01 * 2.1, 6);
    expect(sum.p('R').dataSync()[0]).toBeCloseTo(1 - 0.48 * 0.2 * 2.1, 6);
    expect(sum.p('b').dataSync()[0]).toBeCloseTo(1 - 0.48 * 0.2 * 2, 6);
    tf.dispose([...g.values()]);
    a.dispose();
    b.dispose();
    mean.dispose();
    sum.dispose();
  });

  it('Adam: the first step moves every weight by about lr against its gradient', () => {
    const m = model(0);
    const adam = new Adam(m, { lr: 0.01, lrDecay: 1, decay: { words: 0, context: 0 } });
    const g = grads(-3);
    adam.apply(g);
    for (const s of paramSpecs(c)) expect(m.p(s.name).dataSync()[0]).toBeCloseTo(0.01, 5);
    tf.dispose([...g.values()]);
    adam.dispose();
    m.dispose();
  });
});
