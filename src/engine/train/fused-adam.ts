/**
 * Adam with the whole update of a variable done in one pass over plain arrays.
 *
 * tf.train.adam dispatches about ten small kernels per variable per step (mul, add, square,
 * div, sqrt, ...). For a small network such as LeNet-5 (61k parameters in 10 variables) those
 * hundred dispatches cost more than the arithmetic: about 8 ms of a 60 ms step on wasm. Here the
 * moments live in Float32Arrays and each variable is read once and assigned once.
 *
 * Same algorithm, hyper-parameters and state layout as tf.AdamOptimizer (class name 'Adam';
 * getWeights/setWeights give and take the same `<name>/m`, `<name>/v` tensors), so checkpoints
 * written by either load into the other. Like tf.AdamOptimizer, moments are positional: the i-th
 * saved moment belongs to the i-th variable of the gradient list, whatever the variables are
 * called now (a model rebuilt to resume a run gets new variable names).
 */
import * as tf from '@tensorflow/tfjs';

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
type NamedGrads = tf.NamedTensorMap | NamedTensor[];

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** Moments by position in the gradient list, authoritative between getWeights() calls. */
  private m: Float32Array[] = [];
  private v: Float32Array[] = [];
  /** Variable names and shapes by position: the order of getWeights(), as in tf.AdamOptimizer. */
  private order: string[] = [];
  private shapes: number[][] = [];
  /** beta1^t and beta2^t as float32, as tf.AdamOptimizer's accBeta variables hold them. */
  private b1t: number;
  private b2t: number;

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon);
    this.b1t = Math.fround(beta1);
    this.b2t = Math.fround(beta2);
  }

  override applyGradients(variableGradients: NamedGrads): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const b1 = this.beta1;
    const b2 = this.beta2;
    const lr = this.learningRate;
    const eps = this.epsilon;
    const c1 = 1 - this.b1t;
    const c2 = 1 - this.b2t;
    for (const [i, [name, gradient]] of entries.entries()) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`FusedAdam: no variable named ${name}`);
      let m = this.m[i];
      let v = this.v[i];
      if (!m || !v) {
        m = new Float32Array(variable.size);
        v = new Float32Array(variable.size);
        this.m[i] = m;
        this.v[i] = v;
      } else if (m.length !== variable.size) {
        throw new Error(`FusedAdam: moment ${i} (${this.order[i]}) has ${m.length} values, variable ${name} has ${variable.size}`);
      }
      this.order[i] = name;
      this.shapes[i] = variable.shape;
      if (gradient == null) continue;
      if (variable.dtype !== 'float32') throw new Error(`FusedAdam: variable ${name} is ${variable.dtype}; only float32 is supported`);
      // dataSync may hand out the backend's own buffer (cpu does): read it, never write it.
      const g = gradient.dataSync() as Float32Array;
      const w0 = variable.dataSync() as Float32Array;
      const w = new Float32Array(w0.length);
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] as number;
        const mi = b1 * (m[i] as number) + (1 - b1) * gi;
        const vi = b2 * (v[i] as number) + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = (w0[i] as number) - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
      }
      const updated = tf.tensor(w, variable.shape, 'float32');
      variable.assign(updated);
      updated.dispose();
    }
    this.b1t = Math.fround(this.b1t * b1);
    this.b2t = Math.fround(this.b2t * b2);
    this.incrementIterations();
  }

  /** Materialises the moments as the tensors tf.AdamOptimizer would hold, then lets it save them. */
  override async getWeights(): Promise<NamedTensor[]> {
    this.syncMomentVariables();
    return super.getWeights();
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await super.setWeights(weightValues);
    this.m = [];
    this.v = [];
    this.order = [];
    this.shapes = [];
    const moments = this as unknown as {
      accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
      accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
    };
    moments.accumulatedFirstMoment.forEach((first, i) => {
      const second = moments.accumulatedSecondMoment[i];
      if (!second) throw new Error(`FusedAdam: saved state has no second moment for ${first.originalName}`);
      this.m[i] = Float32Array.from(first.variable.dataSync());
      this.v[i] = Float32Array.from(second.variable.dataSync());
      this.order[i] = first.originalName.replace(/\/m$/, '');
      this.shapes[i] = first.variable.shape;
    });
    // beta^(t+1) as the running float32 product a run that never stopped holds (pow can differ in the last bit).
    const t = this.iterations;
    this.b1t = runningPower(this.beta1, t + 1);
    this.b2t = runningPower(this.beta2, t + 1);
  }

  override dispose(): void {
    super.dispose();
    this.m = [];
    this.v = [];
  }

  private syncMomentVariables(): void {
    const self = this as unknown as {
      accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
      accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
      accBeta1: tf.Variable;
      accBeta2: tf.Variable;
    };
    tf.dispose([...self.accumulatedFirstMoment.map((e) => e.variable), ...self.accumulatedSecondMoment.map((e) => e.variable)]);
    // tidy disposes the staging tensors; the variables keep their data. The arrays are copied:
    // the cpu backend keeps the array it is given, and these ones change in place every step.
    tf.tidy(() => {
      self.accumulatedFirstMoment = this.order.map((name, i) => ({
        originalName: `${name}/m`,
        variable: tf.variable(tf.tensor(Float32Array.from(this.m[i] as Float32Array), this.shapes[i]), false),
      }));
      self.accumulatedSecondMoment = this.order.map((name, i) => ({
        originalName: `${name}/v`,
        variable: tf.variable(tf.tensor(Float32Array.from(this.v[i] as Float32Array), this.shapes[i]), false),
      }));
      self.accBeta1.assign(tf.scalar(this.b1t));
      self.accBeta2.assign(tf.scalar(this.b2t));
    });
  }
}

/** beta^n exactly as the constructor and applyGradients build it: fround(beta), then n - 1 steps of fround(acc * beta). */
function runningPower(beta: number, n: number): number {
  let acc = Math.fround(beta);
  for (let i = 1; i < n; i++) acc = Math.fround(acc * beta);
  return acc;
}
