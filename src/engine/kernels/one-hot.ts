/**
 * OneHot for the wasm backend. tfjs-backend-wasm 4.22 writes integer bit patterns whatever the
 * requested dtype, so `tf.oneHot(i, n, 1, 0, 'float32')` comes out as denormals (1.4e-45) on wasm.
 * This one writes the requested dtype (float32 or int32) straight into the wasm heap; indices out
 * of [0, depth) give an all-offValue row, as on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './util';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type RawKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

export function makeOneHotConfig(original: tf.KernelConfig): tf.KernelConfig {
  const orig = original.kernelFunc as unknown as RawKernelFunc;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const indices = args.inputs.indices as tf.TensorInfo;
    const attrs = (args.attrs ?? {}) as { depth: number; onValue?: number; offValue?: number; dtype?: tf.DataType };
    const dtype = attrs.dtype ?? 'int32';
    if ((dtype !== 'float32' && dtype !== 'int32') || indices.dtype !== 'int32') return orig(args);
    const be = args.backend as WasmBackendLike;
    const depth = attrs.depth;
    const out = be.makeOutput([...indices.shape, depth], dtype);
    const iv = be.typedArrayFromHeap(indices) as Int32Array;
    const ov = be.typedArrayFromHeap(out) as Float32Array | Int32Array;
    ov.fill(attrs.offValue ?? 0);
    const on = attrs.onValue ?? 1;
    for (let i = 0; i < iv.length; i++) {
      const j = iv[i] as number;
      if (j >= 0 && j < depth) ov[i * depth + j] = on;
    }
    return out;
  };
  return {
    kernelName: tf.OneHot,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
