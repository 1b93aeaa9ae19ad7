/**
 * GatherV2 for the wasm backend, for the embedding lookup: tfjs-backend-wasm's kernel takes ~4 ms
 * to gather 500 rows of a 5000x100 table; copying each row with TypedArray.set on the wasm heap
 * takes microseconds. batchDims 0 and float32/int32 only, others go to the original kernel.
 * Out-of-range indices throw, like the original.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './util';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type RawKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

export function makeGatherV2Config(original: tf.KernelConfig): tf.KernelConfig {
  const orig = original.kernelFunc as unknown as RawKernelFunc;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const x = args.inputs.x as tf.TensorInfo;
    const indices = args.inputs.indices as tf.TensorInfo;
    const attrs = (args.attrs ?? {}) as { axis?: number; batchDims?: number };
    if ((attrs.batchDims ?? 0) !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') {
      return orig(args);
    }
    const be = args.backend as WasmBackendLike;
    const axis = tf.util.parseAxisParam(attrs.axis ?? 0, x.shape)[0] as number;
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const dim = x.shape[axis] as number;
    const slice = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const ni = tf.util.sizeFromShape(indices.shape);
    {
      const iv0 = be.typedArrayFromHeap(indices) as Int32Array;
      for (let j = 0; j < ni; j++) {
        const idx = iv0[j] as number;
        if (idx < 0 || idx >= dim) throw new Error(`GatherV2: the index value ${idx} is not in [0, ${dim - 1}]`);
      }
    }
    const out = be.makeOutput(outShape, x.dtype);
    // Views after makeOutput: allocating can grow (and detach) the wasm heap.
    const iv = be.typedArrayFromHeap(indices) as Int32Array;
    const xv = be.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const ov = be.typedArrayFromHeap(out) as Float32Array | Int32Array;
    for (let o = 0; o < outer; o++) {
      const xBase = o * dim * slice;
      const oBase = o * ni * slice;
      for (let j = 0; j < ni; j++) {
        const src = xBase + (iv[j] as number) * slice;
        ov.set(xv.subarray(src, src + slice), oBase + j * slice);
      }
    }
    return out;
  };
  return {
    kernelName: tf.GatherV2,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
