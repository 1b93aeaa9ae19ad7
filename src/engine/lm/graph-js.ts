/**
 * The language models' test-mode graph (src/shared/lm-graph.ts) in plain JavaScript over
 * Float32Arrays, for decoding: a caption is ~21 steps of a few hypotheses each, and on the wasm
 * backend each step's ~25 small tensor ops cost more in dispatch, tidy and dataSync than their
 * arithmetic (an MLBL-B step with V 1,612, K 100 is ~0.3 M multiply-adds per hypothesis). Here a
 * step is a handful of loops; the results match the tensor graph to float32 rounding
 * (graph-js.test.ts).
 */
import type { LmGraph, LmNode } from '../../shared/lm-graph';

export interface Param {
  data: Float32Array;
  shape: number[];
}

/** A batch of rows: `data` holds rows * cols values, row-major. */
export interface Rows {
  data: Float32Array | Int32Array;
  rows: number;
  cols: number;
}

/**
 * A dense layer over flattened word embeddings, `y = sum_j E[w_j] W_j` (W_j = rows j*K..(j+1)*K of
 * W): the model's `r_hat` context term. `tables[j]` = E W_j ([V, units]) turns it into n row
 * lookups; see `contextTables`.
 */
export interface PositionTables {
  /** The dense node computed this way. */
  dense: string;
  /** The input node holding the word ids. */
  ids: string;
  length: number;
  vocab: number;
  units: number;
  /** [length, vocab, units]. */
  data: Float32Array;
}

/** The dense-over-flattened-embedding node of a graph (see PositionTables), if any. */
export function embeddedDense(graph: LmGraph): { dense: Extract<LmNode, { op: 'dense' }>; embed: Extract<LmNode, { op: 'embed' }> } | null {
  for (const d of graph.nodes) {
    if (d.op !== 'dense' || d.kernel.transposed || d.bias || d.activation !== 'linear') continue;
    const f = graph.nodes.find((n) => n.name === d.from);
    if (f?.op !== 'flatten') continue;
    const e = graph.nodes.find((n) => n.name === f.from);
    if (e?.op === 'embed') return { dense: d, embed: e };
  }
  return null;
}

export class GraphJs {
  private readonly byName: Map<string, LmNode>;

  constructor(
    private readonly graph: LmGraph,
    private readonly params: Map<string, Param>,
    private readonly tables: PositionTables | null = null,
  ) {
    this.byName = new Map(graph.nodes.map((n) => [n.name, n]));
  }

  private p(name: string): Param {
    const v = this.params.get(name);
    if (!v) throw new Error(`language model: no parameter ${name}`);
    return v;
  }

  /** The value of node `name` given some nodes' values (`given` is filled with every node computed). */
  evaluate(given: Map<string, Rows>, name: string, logits: boolean): Rows {
    const have = given.get(name);
    if (have) return have;
    const node = this.byName.get(name);
    if (!node) throw new Error(`language model graph: no node ${name}`);
    const out = this.node(node, (from) => this.evaluate(given, from, logits), logits && name === this.graph.output);
    given.set(name, out);
    return out;
  }

  private node(node: LmNode, input: (name: string) => Rows, logits: boolean): Rows {
    switch (node.op) {
      case 'input':
        throw new Error(node.name === 'image' ? 'language model: needs image features' : 'language model: no context ids');
      case 'embed': {
        const ids = input(node.from);
        const table = this.p(node.table.param);
        const width = table.shape[1] as number;
        const rows = ids.rows;
        const out = new Float32Array(rows * node.length * node.outputDim);
        const times = node.table.timesTransposed ? this.p(node.table.timesTransposed) : null; // [outputDim, width]
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < node.length; j++) {
            const id = ids.data[r * ids.cols + j] as number;
            if (!(id >= 0 && id < node.inputDim)) throw new Error(`language model: word id ${id} outside the vocabulary`);
            const o = (r * node.length + j) * node.outputDim;
            if (!times) out.set(table.data.subarray(id * width, (id + 1) * width), o);
            else {
              // row (width) times times^T: out[d] = sum_f row[f] * times[d, f].
              for (let d = 0; d < node.outputDim; d++) {
                let s = 0;
                for (let f = 0; f < width; f++) s += (table.data[id * width + f] as number) * (times.data[d * width + f] as number);
                out[o + d] = s;
              }
            }
          }
        }
        return { data: out, rows, cols: node.length * node.outputDim };
      }
      case 'flatten':
        return input(node.from);
      case 'dense': {
        const t = this.tables;
        if (t && t.dense === node.name) {
          const ids = input(t.ids);
          const out = new Float32Array(ids.rows * t.units);
          for (let r = 0; r < ids.rows; r++) {
            for (let j = 0; j < t.length; j++) {
              const id = ids.data[r * ids.cols + j] as number;
              if (!(id >= 0 && id < t.vocab)) throw new Error(`language model: word id ${id} outside the vocabulary`);
              const o = (j * t.vocab + id) * t.units;
              for (let u = 0; u < t.units; u++) out[r * t.units + u] = (out[r * t.units + u] as number) + (t.data[o + u] as number);
            }
          }
          return { data: out, rows: ids.rows, cols: t.units };
        }
        const x = input(node.from);
        const w = this.p(node.kernel.param);
        const n = node.units;
        const k = node.inDim;
        const out = new Float32Array(x.rows * n);
        for (let r = 0; r < x.rows; r++) {
          const xo = r * k;
          const oo = r * n;
          if (node.kernel.transposed) {
            // Stored [units, inDim]: one contiguous dot product per unit.
            for (let u = 0; u < n; u++) {
              let s = 0;
              const wo = u * k;
              for (let i = 0; i < k; i++) s += (x.data[xo + i] as number) * (w.data[wo + i] as number);
              out[oo + u] = s;
            }
          } else {
            // Stored [inDim, units]: accumulate rows of W scaled by x.
            for (let i = 0; i < k; i++) {
              const xi = x.data[xo + i] as number;
              if (xi === 0) continue;
              const wo = i * n;
              for (let u = 0; u < n; u++) out[oo + u] = (out[oo + u] as number) + xi * (w.data[wo + u] as number);
            }
          }
          if (node.bias) {
            const b = this.p(node.bias).data;
            for (let u = 0; u < n; u++) out[oo + u] = (out[oo + u] as number) + (b[u] as number);
          }
          if (node.activation === 'relu') for (let u = 0; u < n; u++) out[oo + u] = Math.max(0, out[oo + u] as number);
        }
        if (node.activation === 'softmax' && !logits) logSoftmaxRows(out, x.rows, n, true);
        return { data: out, rows: x.rows, cols: n };
      }
      case 'scale': {
        const x = input(node.from);
        return { data: (x.data as Float32Array).map((v) => v * node.factor), rows: x.rows, cols: x.cols };
      }
      case 'add':
      case 'multiply': {
        const a = input(node.from[0]);
        const b = input(node.from[1]);
        if (a.cols !== b.cols || (a.rows !== b.rows && b.rows !== 1 && a.rows !== 1)) throw new Error(`language model: ${node.name} shapes do not match`);
        const rows = Math.max(a.rows, b.rows);
        const out = new Float32Array(rows * a.cols);
        for (let r = 0; r < rows; r++) {
          const ao = (a.rows === 1 ? 0 : r) * a.cols;
          const bo = (b.rows === 1 ? 0 : r) * b.cols;
          for (let j = 0; j < a.cols; j++) {
            const av = a.data[ao + j] as number;
            const bv = b.data[bo + j] as number;
            out[r * a.cols + j] = node.op === 'add' ? av + bv : av * bv;
          }
        }
        return { data: out, rows, cols: a.cols };
      }
    }
  }
}

/** In place: each row of [rows, n] becomes its log-softmax (or softmax when `exp`). */
export function logSoftmaxRows(x: Float32Array, rows: number, n: number, exp = false): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) mx = Math.max(mx, x[o + j] as number);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp((x[o + j] as number) - mx);
    const lse = mx + Math.log(sum);
    for (let j = 0; j < n; j++) x[o + j] = exp ? Math.exp((x[o + j] as number) - lse) : (x[o + j] as number) - lse;
  }
}
