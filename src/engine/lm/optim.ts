/**
 * Optimisers for the language models.
 *
 * KirosSgd is the 2014 recipe of MODELS.md as the authors' code implements it (lm/mlbl.py
 * `backward` + `update_params` + `update_hyperparams`):
 *   grad  = d(mean cross-entropy over the batch)/dW + gamma * W     (gamma: 1e-4 words, 1e-5 C/M/J, 0 biases)
 *   delta <- p * delta - (1 - p) * (lr / batch) * grad
 *   W     <- W + delta
 * Note the code divides by the batch size twice (once in the mean gradient, `Ix = (preds - Y) /
 * batchsize`, once in the update); MODELS.md's formula is written for that `grad`, so we keep both.
 * After each epoch: lr <- lr * 0.998 and p rises linearly from p_i to p_f over T = 20 epochs
 * (see momentumAt for the code's exact steps). The code also advances this schedule every
 * 100,000 training n-grams inside an epoch (`_update`); on Flickr8k-sized data (< 100k n-grams
 * per epoch) that never fires, and we follow MODELS.md's "per epoch" only.
 *
 * Adam (the option) uses the same gradient (mean loss + L2 decay), no double division.
 */
import * as tf from '@tensorflow/tfjs';
import type { DecayGroup, LmModel } from './model';

export interface OptimizerState {
  kind: 'sgd' | 'adam';
  step: number;
  epoch: number;
  lr: number;
  momentum: number;
}

/** An optimizer's full state, for resume checkpoints: scalars plus named slot arrays. */
export interface OptimizerSnapshot {
  kind: 'sgd' | 'adam';
  scalars: Record<string, number>;
  slots: Map<string, Float32Array>;
}

/** Copies `slots` (prefix/name -> values) into the variables of `vars`, checking that each is there with the right size. */
function restoreSlots(prefix: string, vars: Map<string, tf.Variable>, slots: Map<string, Float32Array>): void {
  for (const [name, v] of vars) {
    const data = slots.get(`${prefix}/${name}`);
    if (!data || data.length !== v.size) throw new Error(`optimizer state: ${prefix}/${name} is missing or has the wrong size`);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  }
}

function exportSlots(prefix: string, vars: Map<string, tf.Variable>, out: Map<string, Float32Array>): void {
  for (const [name, v] of vars) out.set(`${prefix}/${name}`, Float32Array.from(v.dataSync() as Float32Array));
}

export interface Optimizer {
  /** Applies one update from `grads` (disposed by the caller); `batch` is the batch size. */
  apply(grads: Map<string, tf.Tensor>, batch: number): void;
  /** Advances the per-epoch schedule (call after each epoch). */
  endEpoch(): void;
  state(): OptimizerState;
  /** Everything a resumed run needs to continue exactly: schedule scalars and slot values (momentum deltas, Adam moments). */
  exportState?(): OptimizerSnapshot;
  /** Restores what exportState returned (same model shapes). */
  importState?(s: OptimizerSnapshot): void;
  dispose(): void;
}

export interface DecayRates {
  words: number;
  context: number;
}

function decayOf(group: DecayGroup, rates: DecayRates): number {
  return group === 'words' ? rates.words : group === 'context' ? rates.context : 0;
}

export interface KirosSgdOptions {
  lr: number;
  /**
   * What MODELS.md's `grad` is: 'mean' (the code's per-batch mean gradient, so the batch size
   * divides twice) or 'sum' (summed over the batch, so the step is lr x the mean gradient; the
   * decay term stays gamma W relative to the mean loss). Default 'mean'.
   */
  gradient?: 'mean' | 'sum';
  lrDecay: number;
  momentumStart: number;
  momentumEnd: number;
  momentumEpochs: number;
  decay: DecayRates;
}

export class KirosSgd implements Optimizer {
  private readonly deltas = new Map<string, tf.Variable>();
  private lr: number;
  private p: number;
  private epoch = 0;
  private steps = 0;

  constructor(
    private readonly model: LmModel,
    private readonly o: KirosSgdOptions,
  ) {
    this.lr = o.lr;
    this.p = momentumAt(0, o);
    for (const s of model.specs) this.deltas.set(s.name, tf.variable(tf.zeros(s.shape), false));
  }

  apply(grads: Map<string, tf.Tensor>, batch: number): void {
    const p = this.p;
    const scale = (1 - p) * (this.o.gradient === 'sum' ? this.lr : this.lr / batch);
    tf.tidy(() => {
      for (const s of this.model.specs) {
        const g = grads.get(s.name);
        if (!g) throw new Error(`optimizer: no gradient for ${s.name}`);
        const w = this.model.p(s.name);
        const d = this.deltas.get(s.name) as tf.Variable;
        const gamma = decayOf(s.decay, this.o.decay);
        const full = gamma > 0 ? tf.add(g, tf.mul(w, gamma)) : g;
        const next = tf.sub(tf.mul(d, p), tf.mul(full, scale));
        d.assign(next);
        w.assign(tf.add(w, next));
      }
    });
    this.steps++;
  }

  endEpoch(): void {
    this.epoch++;
    this.lr *= this.o.lrDecay;
    this.p = momentumAt(this.epoch, this.o);
  }

  state(): OptimizerState {
    return { kind: 'sgd', step: this.steps, epoch: this.epoch, lr: this.lr, momentum: this.p };
  }

  exportState(): OptimizerSnapshot {
    const slots = new Map<string, Float32Array>();
    exportSlots('delta', this.deltas, slots);
    return { kind: 'sgd', scalars: { lr: this.lr, p: this.p, epoch: this.epoch, steps: this.steps }, slots };
  }

  importState(s: OptimizerSnapshot): void {
    if (s.kind !== 'sgd') throw new Error(`optimizer state: the checkpoint holds ${s.kind} state, this run uses sgd`);
    restoreSlots('delta', this.deltas, s.slots);
    this.lr = s.scalars.lr as number;
    this.p = s.scalars.p as number;
    this.epoch = s.scalars.epoch as number;
    this.steps = s.scalars.steps as number;
  }

  dispose(): void {
    for (const d of this.deltas.values()) d.dispose();
    this.deltas.clear();
  }
}

/**
 * Momentum during 0-based epoch `e`, as the code's schedule gives it: p_t starts at
 * (1 - 1/T) p_i + (1/T) p_f, and after epoch `step` (0, 1, ...) update_hyperparams sets it to the
 * ((step + 1) / T) point, so epochs 0 and 1 both use the 1/T point, epoch e >= 1 the e/T point,
 * and p_f is reached at epoch T.
 */
export function momentumAt(e: number, o: Pick<KirosSgdOptions, 'momentumStart' | 'momentumEnd' | 'momentumEpochs'>): number {
  const frac = Math.min(1, Math.max(1, e) / o.momentumEpochs);
  return (1 - frac) * o.momentumStart + frac * o.momentumEnd;
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  lrDecay: number;
  decay: DecayRates;
}

export class Adam implements Optimizer {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;
  private epoch = 0;
  private lr: number;

  constructor(
    private readonly model: LmModel,
    private readonly o: AdamOptions,
  ) {
    this.lr = o.lr;
    for (const s of model.specs) {
      this.m.set(s.name, tf.variable(tf.zeros(s.shape), false));
      this.v.set(s.name, tf.variable(tf.zeros(s.shape), false));
    }
  }

  apply(grads: Map<string, tf.Tensor>): void {
    const b1 = this.o.beta1 ?? 0.9;
    const b2 = this.o.beta2 ?? 0.999;
    const eps = this.o.epsilon ?? 1e-8;
    this.t++;
    const stepSize = (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    tf.tidy(() => {
      for (const s of this.model.specs) {
        const g0 = grads.get(s.name);
        if (!g0) throw new Error(`optimizer: no gradient for ${s.name}`);
        const w = this.model.p(s.name);
        const gamma = decayOf(s.decay, this.o.decay);
        const g = gamma > 0 ? tf.add(g0, tf.mul(w, gamma)) : g0;
        const m = this.m.get(s.name) as tf.Variable;
        const v = this.v.get(s.name) as tf.Variable;
        const m1 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(m1);
        v.assign(v1);
        w.assign(tf.sub(w, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), eps)), stepSize)));
      }
    });
  }

  endEpoch(): void {
    this.epoch++;
    this.lr *= this.o.lrDecay;
  }

  state(): OptimizerState {
    return { kind: 'adam', step: this.t, epoch: this.epoch, lr: this.lr, momentum: this.o.beta1 ?? 0.9 };
  }

  exportState(): OptimizerSnapshot {
    const slots = new Map<string, Float32Array>();
    exportSlots('m', this.m, slots);
    exportSlots('v', this.v, slots);
    return { kind: 'adam', scalars: { lr: this.lr, t: this.t, epoch: this.epoch }, slots };
  }

  importState(s: OptimizerSnapshot): void {
    if (s.kind !== 'adam') throw new Error(`optimizer state: the checkpoint holds ${s.kind} state, this run uses adam`);
    restoreSlots('m', this.m, s.slots);
    restoreSlots('v', this.v, s.slots);
    this.lr = s.scalars.lr as number;
    this.t = s.scalars.t as number;
    this.epoch = s.scalars.epoch as number;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
