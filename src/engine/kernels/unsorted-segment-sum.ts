/**
 * UnsortedSegmentSum for the wasm backend (the gradient of Gather, i.e. of embedding layers).
 * A single pass over x, reading and writing the wasm heap directly: O(x.size).
 *
 * out[s, ...] = sum over positions p with segmentIds[p] == s of x[p, ...]; ids outside
 * [0, numSegments) are dropped (as on the cpu backend). x: float32 or int32; segmentIds: int32
 * with shape equal to a prefix of x's shape.
 */
import * as tf from '@tensorflow/tfjs';
import { UnsupportedKernelError, type WasmBackendLike } from './util';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

export function unsortedSegmentSumWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as WasmBackendLike;
  const x = inputs.x as tf.TensorInfo;
  const ids = inputs.segmentIds as tf.TensorInfo;
  const numSegments = Number((attrs as { numSegments?: unknown } | undefined)?.numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${String(numSegments)}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new UnsupportedKernelError('UnsortedSegmentSum', `x of dtype ${x.dtype}`);
  }
  if (ids.dtype !== 'int32') throw new UnsupportedKernelError('UnsortedSegmentSum', `segmentIds of dtype ${ids.dtype}`);
  const r = ids.shape.length;
  for (let i = 0; i < r; i++) {
    if (ids.shape[i] !== x.shape[i]) {
      throw new Error(`UnsortedSegmentSum: segmentIds shape [${ids.shape}] must be a prefix of x shape [${x.shape}]`);
    }
  }
  const inner = x.shape.slice(r);
  const rowSize = inner.reduce((a, b) => a * b, 1);
  const out = be.makeOutput([numSegments, ...inner], x.dtype);
  // Views are taken after makeOutput: allocating can grow (and detach) the wasm heap.
  const xv = be.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const iv = be.typedArrayFromHeap(ids) as Int32Array;
  const ov = be.typedArrayFromHeap(out) as Float32Array | Int32Array;
  ov.fill(0);
  const rows = iv.length;
  for (let p = 0; p < rows; p++) {
    const s = iv[p] as number;
    if (s < 0 || s >= numSegments) continue;
    const src = p * rowSize;
    const dst = s * rowSize;
    for (let k = 0; k < rowSize; k++) ov[dst + k] = (ov[dst + k] as number) + (xv[src + k] as number);
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
};
