/**
 * LBL, MLBL-B and MLBL-F (Kiros, Salakhutdinov & Zemel 2014), exactly as ../shared/MODELS.md,
 * with full softmax, written as a few large matmuls and a hand-written backward pass (checked
 * against finite differences in model.test.ts).
 *
 * Storage layout (row vectors; the product is the same as MODELS.md's column form):
 *   R    [V, K]   = MODELS.md's R (K x V) transposed: row w is the word vector r_w
 *   C    [n*K, K] block i (rows i*K..i*K+K-1) is C_i, so E @ C = sum_i r_{w_i}^T C_i = (sum_i C_i^T r_{w_i})^T,
 *                 i = 1 the oldest context word (as the authors' `acts += words[:,:,i] . C[i]`)
 *   b    [V]
 *   J    [D, h], bj [h]: x = ReLU(im J + bj) = (ReLU(J^T im + b_j))^T; h = 0 means x = im (no J)
 *   M    [h, K] (or [D, K] when h = 0): r_hat += x M = (M^T x)^T
 *   MLBL-F: Wfx [K, F]; Whf [V, F] = MODELS.md's W_hf (F x V) transposed; Wfv [h, F].
 *
 * MLBL-F follows the authors' code (lm/mlblf.py) where MODELS.md is silent: there is no separate
 * R; the context word vectors are columns of R = W_fx W_hf too (`R = np.dot(self.Wfx, self.Whf)`
 * in forward), so context gradients flow into W_fx and W_hf.
 *
 * Loss: mean cross-entropy over the batch's predicted words (the code's `objective`).
 */
import * as tf from '@tensorflow/tfjs';
import { lmGraph, type LmConfig, type LmGraph, type LmNode } from '../../shared/lm-graph';
import { Rng } from '../../shared/random';
import { truncatedSvd } from './linalg';
import { GraphJs, embeddedDense, type Param, type PositionTables } from './graph-js';

export type { LmConfig } from '../../shared/lm-graph';

/** Which weight-decay group a parameter belongs to (MODELS.md: R and factor matrices; C, M, J; none for biases). */
export type DecayGroup = 'words' | 'context' | 'none';

export interface ParamSpec {
  name: string;
  shape: number[];
  decay: DecayGroup;
}

export function paramSpecs(c: LmConfig): ParamSpec[] {
  const out: ParamSpec[] = [];
  if (c.model === 'mlbl-f') {
    out.push({ name: 'Wfx', shape: [c.K, c.F], decay: 'words' }, { name: 'Whf', shape: [c.V, c.F], decay: 'words' });
  } else {
    out.push({ name: 'R', shape: [c.V, c.K], decay: 'words' });
  }
  out.push({ name: 'C', shape: [c.n * c.K, c.K], decay: 'context' }, { name: 'b', shape: [c.V], decay: 'none' });
  if (c.model !== 'lbl') {
    const xDim = c.h > 0 ? c.h : c.D;
    if (c.h > 0) out.push({ name: 'J', shape: [c.D, c.h], decay: 'context' }, { name: 'bj', shape: [c.h], decay: 'none' });
    out.push({ name: 'M', shape: [xDim, c.K], decay: 'context' });
    // The code decays Wfv with gamma_r (the "word" rate), like the other factor matrices.
    if (c.model === 'mlbl-f') out.push({ name: 'Wfv', shape: [xDim, c.F], decay: 'words' });
  }
  return out;
}

export function validateConfig(c: LmConfig): void {
  for (const [k, v] of Object.entries({ V: c.V, K: c.K, n: c.n })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`language model: ${k} must be a whole number >= 1, got ${v}`);
  }
  if (c.model !== 'lbl' && !(c.D > 0)) throw new Error(`${c.model} needs image features (D > 0)`);
  if (c.model === 'mlbl-f' && !(c.F >= 1 && c.F <= c.K))
    throw new Error(`mlbl-f: factors must be in [1, K=${c.K}] (W_fx W_hf is a rank-F factorisation of R), got ${c.F}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${c.dropout}`);
}

/** Initial values as the authors' code draws them (own seeded PRNG, so every backend starts identically). */
export function initialValues(c: LmConfig, seed: number, pretrainedR?: Float32Array): Map<string, Float32Array> {
  validateConfig(c);
  const rng = new Rng(seed);
  const rand = (): number => rng.next();
  const normal = (): number => rng.normal();
  const uniform = (size: number, r: number): Float32Array => Float32Array.from({ length: size }, () => (rand() * 2 - 1) * r);
  const gauss = (size: number, s: number): Float32Array => Float32Array.from({ length: size }, () => s * normal());
  const out = new Map<string, Float32Array>();
  // R: pretrained where given, else U(+-sqrt(6)/sqrt(K+V+1)) as init_params does.
  let R: Float32Array;
  if (pretrainedR) {
    if (pretrainedR.length !== c.V * c.K) throw new Error(`pretrained R has ${pretrainedR.length} values, expected V*K = ${c.V * c.K}`);
    R = pretrainedR;
  } else {
    R = uniform(c.V * c.K, Math.sqrt(6) / Math.sqrt(c.K + c.V + 1));
  }
  const C = gauss(c.n * c.K * c.K, 0.01);
  let M: Float32Array | null = null;
  let J: Float32Array | null = null;
  if (c.model !== 'lbl') {
    const xDim = c.h > 0 ? c.h : c.D;
    M = gauss(xDim * c.K, 0.01);
    if (c.h > 0) J = uniform(c.D * c.h, Math.sqrt(6) / Math.sqrt(c.D + c.h + 1));
  }
  if (c.model === 'mlbl-f') {
    // R (K x V) in MODELS.md's orientation for the SVD.
    const Rkv = new Float64Array(c.K * c.V);
    for (let v = 0; v < c.V; v++) for (let k = 0; k < c.K; k++) Rkv[k * c.V + v] = R[v * c.K + k] as number;
    const { Wfx, Whf } = truncatedSvd(Rkv, c.K, c.V, c.F);
    out.set('Wfx', Float32Array.from(Wfx));
    const WhfT = new Float32Array(c.V * c.F);
    for (let f = 0; f < c.F; f++) for (let v = 0; v < c.V; v++) WhfT[v * c.F + f] = Whf[f * c.V + v] as number;
    out.set('Whf', WhfT);
  } else {
    out.set('R', R);
  }
  out.set('C', C);
  out.set('b', new Float32Array(c.V));
  if (J) {
    out.set('J', J);
    out.set('bj', new Float32Array(c.h));
  }
  if (M) out.set('M', M);
  if (c.model === 'mlbl-f') out.set('Wfv', gauss((c.h > 0 ? c.h : c.D) * c.F, 0.01));
  return out;
}

export interface Batch {
  /** [B, n] int32 context ids. */
  contexts: tf.Tensor2D;
  /** [B] int32 targets. */
  targets?: tf.Tensor1D;
  /** [B, D] image features (MLBL only). */
  images?: tf.Tensor2D;
  /** [B, h] (or [B, D]) dropout keep mask (0/1), training only. */
  keep?: tf.Tensor2D;
}

/**
 * Sums the rows of `rows` ([m, d]) into a [numRows, d] matrix at `ids` (repeated ids add up):
 * the word-matrix gradient of the context lookup. tfjs-backend-cpu's UnsortedSegmentSum builds
 * one mask per segment (seconds for a 1,000-word vocabulary), so the cpu backend uses ScatterNd,
 * which sums duplicates in one pass; other backends keep UnsortedSegmentSum (the project's wasm
 * kernel, or TensorFlow's).
 */
export function scatterAddRows(rows: tf.Tensor2D, ids: tf.Tensor1D, numRows: number): tf.Tensor2D {
  if (tf.getBackend() === 'cpu') return tf.scatterND(tf.reshape(ids, [-1, 1]), rows, [numRows, rows.shape[1]]);
  return tf.unsortedSegmentSum(rows, ids, numRows);
}

export class LmModel {
  readonly config: LmConfig;
  readonly specs: ParamSpec[];
  readonly params: Map<string, tf.Variable>;
  /** The test-mode graph, shared with the model export. */
  readonly graph: LmGraph;

  constructor(config: LmConfig, values: Map<string, Float32Array>) {
    validateConfig(config);
    this.config = config;
    this.graph = lmGraph(config);
    this.specs = paramSpecs(config);
    this.params = new Map();
    for (const s of this.specs) {
      const v = values.get(s.name);
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (!v || v.length !== size) throw new Error(`language model: parameter ${s.name} needs ${size} values, got ${v?.length ?? 'none'}`);
      this.params.set(s.name, tf.variable(tf.tensor(v, s.shape, 'float32'), true));
    }
  }

  static create(config: LmConfig, seed: number, pretrainedR?: Float32Array): LmModel {
    return new LmModel(config, initialValues(config, seed, pretrainedR));
  }

  p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`language model ${this.config.model} has no parameter ${name}`);
    return v;
  }

  get hasImage(): boolean {
    return this.config.model !== 'lbl';
  }

  /** Copies of the parameter values. */
  values(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [k, v] of this.params) out.set(k, v.dataSync().slice() as Float32Array);
    return out;
  }

  setValues(values: Map<string, Float32Array>): void {
    for (const s of this.specs) {
      const v = values.get(s.name);
      if (!v) throw new Error(`setValues: missing ${s.name}`);
      this.p(s.name).assign(tf.tensor(v, s.shape, 'float32'));
    }
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    for (const c of this.transposedCache.values()) c.t.dispose();
    this.transposedCache.clear();
    this.jsCache = null;
  }

  /**
   * The test-mode graph in plain JavaScript over copies of the parameters (graph-js.ts), for
   * decoding; copied again when any parameter has been assigned since.
   */
  graphJs(): GraphJs {
    const ids = [...this.params.values()].map((v) => v.dataId);
    const c = this.jsCache;
    if (c && c.ids.length === ids.length && c.ids.every((id, i) => id === ids[i])) return c.g;
    const params = new Map<string, Param>();
    for (const [k, v] of this.params) params.set(k, { data: v.dataSync() as Float32Array, shape: v.shape });
    const g = new GraphJs(this.graph, params, this.positionTables());
    this.jsCache = { ids, g };
    return g;
  }
  private jsCache: { ids: object[]; g: GraphJs } | null = null;

  /** graph-js.ts PositionTables for the context term: E C_j per position, on the tensor backend (one [V, K] x [K, K] product each). */
  private positionTables(): PositionTables | null {
    const ed = embeddedDense(this.graph);
    if (!ed) return null;
    const { dense, embed } = ed;
    const data = tf.tidy(() => {
      const rows = this.p(embed.table.param);
      const E = embed.table.timesTransposed ? tf.matMul(rows, this.transposedParam(embed.table.timesTransposed)) : rows; // [V, K]
      const W = this.p(dense.kernel.param); // [length * K, units]
      const parts = Array.from({ length: embed.length }, (_, j) => tf.matMul(E, tf.slice(W, [j * embed.outputDim, 0], [embed.outputDim, dense.units])));
      return tf.concat(parts, 0).dataSync() as Float32Array;
    });
    return { dense: dense.name, ids: embed.from, length: embed.length, vocab: embed.inputDim, units: dense.units, data };
  }

  /**
   * A parameter transposed, for the test-mode graph's `x W^T` products: the wasm backend runs a
   * matmul on XNNPACK only with untransposed operands and packs the right-hand one once per
   * tensor, so a kept transpose lets every call reuse the packed matrix (profiled on a beam-3
   * caption through this graph, V 1,612: BatchMatMul 51 ms -> 2 ms). Kept until the parameter is
   * assigned (a new dataId: training, setValues); never differentiated (this graph only runs forward).
   */
  private readonly transposedCache = new Map<string, { dataId: object; t: tf.Tensor2D }>();
  private transposedParam(name: string): tf.Tensor2D {
    const v = this.p(name);
    const c = this.transposedCache.get(name);
    if (c && c.dataId === v.dataId) return c.t;
    c?.t.dispose();
    const t = tf.keep(tf.transpose(v) as tf.Tensor2D);
    this.transposedCache.set(name, { dataId: v.dataId, t });
    return t;
  }

  /** Training's x = ReLU(im J + bj) times the keep mask (test mode is the shared graph's, see logits). */
  private imageHidden(images: tf.Tensor2D, keep: tf.Tensor2D | undefined): { pre: tf.Tensor2D | null; x: tf.Tensor2D } {
    let pre: tf.Tensor2D | null = null;
    let x: tf.Tensor2D = images;
    if (this.config.h > 0) {
      pre = tf.add(tf.matMul(images, this.p('J')), this.p('bj'));
      x = tf.relu(pre);
    }
    if (keep) x = tf.mul(x, keep);
    return { pre, x };
  }

  /** Context word vectors [B*n, K] (and, for MLBL-F, the gathered W_hf rows [B*n, F]). */
  private contextVectors(ctxFlat: tf.Tensor1D): { Ew: tf.Tensor2D; H: tf.Tensor2D | null } {
    if (this.config.model === 'mlbl-f') {
      const H = tf.gather(this.p('Whf'), ctxFlat) as tf.Tensor2D;
      return { Ew: tf.matMul(H, this.p('Wfx'), false, true), H };
    }
    return { Ew: tf.gather(this.p('R'), ctxFlat) as tf.Tensor2D, H: null };
  }

  /**
   * Logits [B, V] in test mode (no dropout mask), for evaluation and decoding: the shared graph
   * (src/shared/lm-graph.ts, also what the model export writes) without its final softmax.
   * `imageBias` ([B, K], precomputed x M) and `gate` ([B, F], x W_fv) can replace `images`.
   */
  logits(contexts: tf.Tensor2D, images?: tf.Tensor2D, pre?: { imageBias: tf.Tensor2D; gate?: tf.Tensor2D }): tf.Tensor2D {
    return tf.tidy(() => {
      const g = this.graph;
      const given = new Map<string, tf.Tensor>([['context', contexts]]);
      if (pre && g.imageBias) {
        given.set(g.imageBias, pre.imageBias);
        if (g.gate) {
          if (!pre.gate) throw new Error(`${this.config.model} needs the image gate`);
          given.set(g.gate, pre.gate);
        }
      } else if (images) given.set('image', images);
      return this.evaluate(given, g.output, true) as tf.Tensor2D;
    });
  }

  /** Per image, the test-mode image terms: x M ([N, K]) and for MLBL-F x W_fv ([N, F]). */
  imageTerms(images: tf.Tensor2D): { imageBias: tf.Tensor2D; gate?: tf.Tensor2D } {
    return tf.tidy(() => {
      const g = this.graph;
      if (!g.imageBias) throw new Error(`${this.config.model} has no image path`);
      const given = new Map<string, tf.Tensor>([['image', images]]);
      const imageBias = this.evaluate(given, g.imageBias, false) as tf.Tensor2D;
      if (g.gate) return { imageBias, gate: this.evaluate(given, g.gate, false) as tf.Tensor2D };
      return { imageBias };
    });
  }

  /** The value of graph node `name`, computing (and keeping in `values`) only the nodes it needs; `logits`: the output without its softmax. */
  private evaluate(values: Map<string, tf.Tensor>, name: string, logits: boolean): tf.Tensor {
    const have = values.get(name);
    if (have) return have;
    const node = this.graph.nodes.find((x) => x.name === name);
    if (!node) throw new Error(`language model graph: no node ${name}`);
    const out = this.evalNode(node, (from) => this.evaluate(values, from, logits), logits && name === this.graph.output);
    values.set(name, out);
    return out;
  }

  private evalNode(node: LmNode, input: (name: string) => tf.Tensor, logits: boolean): tf.Tensor {
    switch (node.op) {
      case 'input':
        throw new Error(node.name === 'image' ? `${this.config.model} needs image features` : 'language model: no context ids');
      case 'embed': {
        const ids = input(node.from);
        const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
        const rows = tf.gather(this.p(node.table.param), flat) as tf.Tensor2D;
        const vectors = node.table.timesTransposed ? tf.matMul(rows, this.transposedParam(node.table.timesTransposed)) : rows;
        return tf.reshape(vectors, [ids.shape[0] as number, node.length, node.outputDim]);
      }
      case 'flatten': {
        const x = input(node.from);
        return tf.reshape(x, [x.shape[0] as number, -1]);
      }
      case 'dense': {
        const x = input(node.from) as tf.Tensor2D;
        let y: tf.Tensor = node.kernel.transposed ? tf.matMul(x, this.transposedParam(node.kernel.param)) : tf.matMul(x, this.p(node.kernel.param));
        if (node.bias) y = tf.add(y, this.p(node.bias));
        if (node.activation === 'relu') y = tf.relu(y);
        else if (node.activation === 'softmax' && !logits) y = tf.softmax(y);
        return y;
      }
      case 'scale':
        return tf.mul(input(node.from), node.factor);
      case 'add':
        return tf.add(input(node.from[0]), input(node.from[1]));
      case 'multiply':
        return tf.mul(input(node.from[0]), input(node.from[1]));
    }
  }

  /**
   * Mean cross-entropy of the batch and its gradient for every parameter (hand-written backward
   * pass, the same products as the authors' `backward`, without weight decay: the optimiser adds
   * it). The caller disposes the gradients.
   */
  lossAndGrads(batch: Batch): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
    const c = this.config;
    const { contexts, targets, images, keep } = batch;
    if (!targets) throw new Error('lossAndGrads needs targets');
    const B = contexts.shape[0];
    const names: string[] = [];
    const result = tf.tidy(() => {
      const out: tf.Tensor[] = [];
      const put = (name: string, t: tf.Tensor): void => {
        names.push(name);
        out.push(t);
      };
      const ctxFlat = tf.reshape(contexts, [-1]) as tf.Tensor1D;
      const { Ew, H } = this.contextVectors(ctxFlat);
      const E = tf.reshape(Ew, [B, c.n * c.K]) as tf.Tensor2D;
      let rhat = tf.matMul(E, this.p('C'));
      let x: tf.Tensor2D | null = null;
      let pre: tf.Tensor2D | null = null;
      if (this.hasImage) {
        if (!images) throw new Error(`${c.model} needs image features`);
        ({ pre, x } = this.imageHidden(images, keep));
        rhat = tf.add(rhat, tf.matMul(x, this.p('M')));
      }
      let a: tf.Tensor2D | null = null;
      let g: tf.Tensor2D | null = null;
      let f: tf.Tensor2D | null = null;
      let logits: tf.Tensor2D;
      if (c.model === 'mlbl-f') {
        a = tf.matMul(rhat, this.p('Wfx'));
        g = tf.matMul(x as tf.Tensor2D, this.p('Wfv'));
        f = tf.mul(a, g);
        logits = tf.add(tf.matMul(f, this.p('Whf'), false, true), this.p('b'));
      } else {
        logits = tf.add(tf.matMul(rhat, this.p('R'), false, true), this.p('b'));
      }
      // One softmax kernel; the loss reads the B target probabilities (as the code's
      // log(preds + 1e-20), clamped so that an underflowed probability stays finite).
      const P = tf.softmax(logits);
      const picked = tf.gather(tf.reshape(P, [-1]), tf.add(tf.mul(tf.range(0, B, 1, 'int32'), tf.scalar(c.V, 'int32')), targets));
      const loss = tf.div(tf.neg(tf.sum(tf.log(tf.maximum(picked, 1e-30)))), B);
      out.push(loss);
      names.push('__loss');

      // Backward: G = dLoss/dlogits = (softmax - onehot) / B.
      // Cast rather than oneHot's dtype argument: tfjs-backend-wasm 4.22 ignores it and returns int32 bits tagged float32.
      const onehot = tf.cast(tf.oneHot(targets, c.V), 'float32') as tf.Tensor2D;
      const G = tf.div(tf.sub(P, onehot), B) as tf.Tensor2D;
      // Column sums as a [1, B] x [B, V] product (a fast matmul rather than an axis-0 reduction).
      put('b', tf.reshape(tf.matMul(tf.ones([1, B]), G), [c.V]));
      let drhat: tf.Tensor2D;
      let dx: tf.Tensor2D | null = null;
      if (c.model === 'mlbl-f') {
        const Whf = this.p('Whf');
        const Wfx = this.p('Wfx');
        const dWhfOut = tf.matMul(G, f as tf.Tensor2D, true, false); // [V, F]
        const df = tf.matMul(G, Whf); // [B, F]
        const da = tf.mul(df, g as tf.Tensor2D);
        const dg = tf.mul(df, a as tf.Tensor2D);
        let dWfx = tf.matMul(rhat, da, true, false); // [K, F]
        drhat = tf.matMul(da, Wfx, false, true); // [B, K]
        put('Wfv', tf.matMul(x as tf.Tensor2D, dg, true, false));
        dx = tf.matMul(dg, this.p('Wfv'), false, true);
        put('C', tf.matMul(E, drhat, true, false));
        const dEw = tf.reshape(tf.matMul(drhat, this.p('C'), false, true), [B * c.n, c.K]) as tf.Tensor2D;
        // Ew = H Wfx^T: dWfx += dEw^T H, dH = dEw Wfx, scattered into the rows of Whf.
        dWfx = tf.add(dWfx, tf.matMul(dEw, H as tf.Tensor2D, true, false));
        put('Wfx', dWfx);
        put('Whf', tf.add(dWhfOut, scatterAddRows(tf.matMul(dEw, Wfx), ctxFlat, c.V)));
      } else {
        const R = this.p('R');
        const dROut = tf.matMul(G, rhat, true, false); // [V, K]
        drhat = tf.matMul(G, R); // [B, K]
        put('C', tf.matMul(E, drhat, true, false));
        const dEw = tf.reshape(tf.matMul(drhat, this.p('C'), false, true), [B * c.n, c.K]) as tf.Tensor2D;
        put('R', tf.add(dROut, scatterAddRows(dEw, ctxFlat, c.V)));
      }
      if (this.hasImage) {
        const xx = x as tf.Tensor2D;
        put('M', tf.matMul(xx, drhat, true, false));
        const dxTotal = dx ? tf.add(dx, tf.matMul(drhat, this.p('M'), false, true)) : tf.matMul(drhat, this.p('M'), false, true);
        if (c.h > 0) {
          // x = ReLU(pre) * keep: dpre = dx * keep * [pre > 0].
          let dpre = tf.mul(dxTotal, tf.step(pre as tf.Tensor2D, 0));
          if (keep) dpre = tf.mul(dpre, keep);
          put('J', tf.matMul(images as tf.Tensor2D, dpre, true, false));
          put('bj', tf.reshape(tf.matMul(tf.ones([1, B]), dpre), [c.h]));
        }
      }
      return out;
    });
    const grads = new Map<string, tf.Tensor>();
    let loss: tf.Scalar | null = null;
    names.forEach((n, i) => {
      if (n === '__loss') loss = result[i] as tf.Scalar;
      else grads.set(n, result[i] as tf.Tensor);
    });
    return { loss: loss as unknown as tf.Scalar, grads };
  }

  /** Number of trainable values. */
  get size(): number {
    return this.specs.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  }
}
