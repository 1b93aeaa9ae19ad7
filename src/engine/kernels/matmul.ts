/**
 * BatchMatMul and _FusedMatMul for the wasm backend.
 *
 * tfjs-backend-wasm 4.22 runs a matmul on XNNPACK (fully-connected operator, SIMD) only when
 * neither side is transposed and the batch is 1; every other case falls to a scalar blocked loop
 * that is 10-30x slower. Every gradient of a dense layer is a transposed matmul, so we make the
 * transposes explicit (a Transpose is O(size), the matmul O(m*k*n)) and feed the fast path.
 * Batched products (batch > 1) run as one fast 2-D product per batch entry when they are big
 * enough to amortise the per-call cost, else on the original kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, type WasmBackendLike } from './util';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type RawKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/**
 * Cost model, in ns per element, measured on tfjs-backend-wasm 4.22 (x86-64, one thread).
 * XNNPACK packs the right-hand operand ("weights") on every call with fresh weights, which in
 * training is every call, and that packing is slow: ~12 ns per element, against ~3 ns to
 * transpose. So C = A B may be cheaper as C = (B^T A^T)^T when A is much smaller than B (e.g. the
 * output layer logits = h R^T of a language model with a 5000-word vocabulary).
 */
const PACK_NS = 12;
const TRANSPOSE_NS = 3;

export function preferSwapped(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): boolean {
  // XNNPACK's GEMM tiles are 8 output channels wide: keep narrow products as they are.
  if (m < 16) return false;
  const direct = (transposeA ? TRANSPOSE_NS * m * k : 0) + (transposeB ? TRANSPOSE_NS * k * n : 0) + PACK_NS * k * n;
  const swapped = (transposeB ? 0 : TRANSPOSE_NS * k * n) + (transposeA ? 0 : TRANSPOSE_NS * m * k) + PACK_NS * k * m + TRANSPOSE_NS * m * n;
  return swapped < 0.8 * direct;
}

/** The original (XNNPACK) kernel on untransposed 2-D operands, as a Tensor in the current scope. */
function runOriginal(orig: RawKernelFunc, a: tf.Tensor, b: tf.Tensor, be: WasmBackendLike): tf.Tensor {
  const a3 = tf.reshape(a, [1, a.shape[0] as number, a.shape[1] as number]);
  const b3 = tf.reshape(b, [1, b.shape[0] as number, b.shape[1] as number]);
  const info = orig({ inputs: { a: a3, b: b3 }, backend: be, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  return tf.reshape(t, [a.shape[0] as number, b.shape[1] as number]);
}

/** Below this many multiply-adds per batch entry, a batched product stays on the original kernel. */
const PER_SLICE_MIN_MACS = 16 * 1024;

function batchSize(shape: readonly number[]): number {
  let s = 1;
  for (let i = 0; i < shape.length - 2; i++) s *= shape[i] as number;
  return s;
}

export function makeBatchMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  const orig = original.kernelFunc as unknown as RawKernelFunc;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { inputs, backend } = args;
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const transposeA = attrs.transposeA === true;
    const transposeB = attrs.transposeB === true;
    const aInfo = inputs.a as tf.TensorInfo;
    const bInfo = inputs.b as tf.TensorInfo;
    if (aInfo.dtype !== 'float32' || bInfo.dtype !== 'float32') return orig(args);
    const batchA = batchSize(aInfo.shape);
    const batchB = batchSize(bInfo.shape);
    if (!transposeA && !transposeB && batchA === 1 && batchB === 1) {
      const ra = aInfo.shape.length;
      const m = aInfo.shape[ra - 2] as number;
      const k = aInfo.shape[ra - 1] as number;
      const n = bInfo.shape[bInfo.shape.length - 1] as number;
      if (!preferSwapped(m, k, n, false, false)) return orig(args);
    }

    const be = backend as WasmBackendLike;
    const a = asTensor(aInfo, be);
    const b = asTensor(bInfo, be);
    try {
      const ra = a.t.rank;
      const rb = b.t.rank;
      const m = transposeA ? (a.t.shape[ra - 1] as number) : (a.t.shape[ra - 2] as number);
      const k = transposeA ? (a.t.shape[ra - 2] as number) : (a.t.shape[ra - 1] as number);
      const n = transposeB ? (b.t.shape[rb - 2] as number) : (b.t.shape[rb - 1] as number);
      const kb = transposeB ? (b.t.shape[rb - 1] as number) : (b.t.shape[rb - 2] as number);
      if (k !== kb) {
        throw new Error(
          `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.t.shape} and ${b.t.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
        );
      }
      const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.t.shape.slice(0, -2), b.t.shape.slice(0, -2));
      const outShape = [...outBatch, m, n];

      if (batchA === 1 && batchB === 1) {
        return tf.tidy(() => {
          const a2 = tf.reshape(a.t, transposeA ? [k, m] : [m, k]);
          const b2 = tf.reshape(b.t, transposeB ? [n, k] : [k, n]);
          let c: tf.Tensor;
          if (preferSwapped(m, k, n, transposeA, transposeB)) {
            // C^T = B^T A^T: A^T [k, m] becomes the packed operand.
            const input = transposeB ? b2 : tf.transpose(b2); // [n, k]
            const weights = transposeA ? a2 : tf.transpose(a2); // [k, m]
            c = tf.transpose(runOriginal(orig, input, weights, be));
          } else {
            const input = transposeA ? tf.transpose(a2) : a2; // [m, k]
            const weights = transposeB ? tf.transpose(b2) : b2; // [k, n]
            c = runOriginal(orig, input, weights, be);
          }
          return tf.reshape(c, outShape);
        });
      }
      if (m * k * n < PER_SLICE_MIN_MACS) return orig(args);
      // Batched: one fast 2-D product per batch entry (the batch dims broadcast).
      return tf.tidy(() => {
        const nb = outBatch.reduce((x, y) => x * y, 1);
        const a3 = tf.reshape(a.t, [batchA, transposeA ? k : m, transposeA ? m : k]);
        const b3 = tf.reshape(b.t, [batchB, transposeB ? n : k, transposeB ? k : n]);
        const aN = transposeA ? tf.transpose(a3, [0, 2, 1]) : a3;
        const bN = transposeB ? tf.transpose(b3, [0, 2, 1]) : b3;
        const aIdx = broadcastIndex(a.t.shape.slice(0, -2), outBatch);
        const bIdx = broadcastIndex(b.t.shape.slice(0, -2), outBatch);
        const as = tf.unstack(aN);
        const bs = batchB === 1 ? [tf.reshape(bN, [k, n])] : tf.unstack(bN);
        const parts: tf.Tensor[] = [];
        for (let i = 0; i < nb; i++) {
          parts.push(tf.matMul(as[aIdx[i] as number] as tf.Tensor2D, bs[bIdx[i] as number] as tf.Tensor2D));
        }
        return tf.reshape(tf.stack(parts), outShape);
      });
    } finally {
      a.release();
      b.release();
    }
  };
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}

/** For each flat index of the broadcast batch shape, the flat index into an input's batch dims. */
function broadcastIndex(inBatch: readonly number[], outBatch: readonly number[]): number[] {
  const total = outBatch.reduce((x, y) => x * y, 1);
  const res = new Array<number>(total);
  const offset = outBatch.length - inBatch.length;
  for (let flat = 0; flat < total; flat++) {
    let rem = flat;
    let idx = 0;
    let stride = 1;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const od = outBatch[d] as number;
      const coord = rem % od;
      rem = Math.floor(rem / od);
      const id = d - offset;
      if (id >= 0) {
        const dim = inBatch[id] as number;
        idx += (dim === 1 ? 0 : coord) * stride;
        stride *= dim;
      }
    }
    res[flat] = idx;
  }
  return res;
}

/**
 * _FusedMatMul with a transposed side: transpose explicitly, then the original (fast) kernel.
 */
export function makeFusedMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  const orig = original.kernelFunc as unknown as RawKernelFunc;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const aInfo = args.inputs.a as tf.TensorInfo;
    const bInfo = args.inputs.b as tf.TensorInfo;
    if ((!attrs.transposeA && !attrs.transposeB) || aInfo.shape.length !== 3 || bInfo.shape.length !== 3) {
      return orig(args);
    }
    const be = args.backend as WasmBackendLike;
    const a = asTensor(aInfo, be);
    const b = asTensor(bInfo, be);
    const tmp: tf.Tensor[] = [];
    try {
      const aN = attrs.transposeA ? tf.transpose(a.t, [0, 2, 1]) : a.t;
      const bN = attrs.transposeB ? tf.transpose(b.t, [0, 2, 1]) : b.t;
      if (aN !== a.t) tmp.push(aN);
      if (bN !== b.t) tmp.push(bN);
      return orig({ ...args, inputs: { ...args.inputs, a: aN, b: bN }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of tmp) t.dispose();
      a.release();
      b.release();
    }
  };
  return {
    kernelName: tf._FusedMatMul,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
