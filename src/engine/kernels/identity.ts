/**
 * Identity for the wasm backend without a copy. The engine clones every tensor it saves for the
 * backward pass (Identity), and tfjs-backend-wasm's Identity memcpy's the data: ~40 copies per
 * LeNet-5 step, some of them 300K floats. Tensors are immutable, so sharing the data with a
 * reference count is enough, as the cpu backend's Identity and the wasm Reshape already do.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './util';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type RawKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

export function makeIdentityConfig(original: tf.KernelConfig): tf.KernelConfig {
  const orig = original.kernelFunc as unknown as RawKernelFunc;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' || x.dtype === 'complex64') return orig(args);
    (args.backend as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return {
    kernelName: tf.Identity,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
