/**
 * The project's training kernels for the tfjs wasm backend (tfjs-backend-wasm 4.22).
 *
 * Missing there (conv and embedding training throw without them):
 *   Conv2DBackpropFilter   conv2d-grad.ts      a forward conv (XNNPACK) of x with dy as the filter
 *   UnsortedSegmentSum     unsorted-segment-sum.ts   one pass on the wasm heap
 * Replaced because profiling showed them hot on the training path (each file gives figures):
 *   Conv2DBackpropInput    conv2d-grad.ts      a forward conv of the stride-dilated dy
 *   AvgPoolGrad            pool-grad.ts        broadcast multiply, or a depthwise conv
 *   MaxPoolGrad            pool-grad.ts        one pass over the windows on the heap
 *   BatchMatMul            matmul.ts           explicit transposes feeding the fast XNNPACK path,
 *   _FusedMatMul                               operands swapped when that packs less
 *   Tanh, Exp              unary.ts            via the XNNPACK sigmoid
 *   GatherV2               gather.ts           row copies on the heap
 *   Identity               identity.ts         shares the data instead of copying it
 * Wrong there:
 *   OneHot                 one-hot.ts          float32 output held integer bit patterns
 * Anything a kernel does not support throws UnsupportedKernelError (NCHW, dilation > 1, ...) or
 * goes to the original kernel (dtypes, batchDims, ...), as each file says.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig, conv2dBackpropInputConfig } from './conv2d-grad';
import { makeBatchMatMulConfig, makeFusedMatMulConfig } from './matmul';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';
import { avgPoolGradConfig, maxPoolGradConfig } from './pool-grad';
import { makeExpConfig, makeTanhConfig } from './unary';
import { makeGatherV2Config } from './gather';
import { makeIdentityConfig } from './identity';
import { makeOneHotConfig } from './one-hot';

export { UnsupportedKernelError } from './util';
export { sparseSoftmaxCrossEntropy } from './losses';

let registeredNames: string[] | null = null;

/** Replaces (or adds) a wasm kernel. Wrappers carry the original's setupFunc, so its bindings exist. */
function override(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}

/**
 * Registers (once) our wasm kernels. Must run after @tensorflow/tfjs-backend-wasm is imported
 * (it registers its own kernels on import) and preferably before the backend is initialised.
 * Returns the names of the kernels we provide.
 */
export function registerWasmKernels(): string[] {
  if (registeredNames) return registeredNames;
  const names: string[] = [];
  const add = (config: tf.KernelConfig): void => {
    override(config);
    names.push(config.kernelName);
  };
  // Wrappers around the original kernels (which keep running the cases they handle well).
  const wrap = (name: string, make: (original: tf.KernelConfig) => tf.KernelConfig): void => {
    const original = tf.getKernel(name, 'wasm');
    if (original) add(make(original));
  };
  add(conv2dBackpropFilterConfig);
  add(unsortedSegmentSumConfig);
  wrap(tf.OneHot, makeOneHotConfig);
  // Diagnostic switch for before/after measurements: only what is missing or wrong in tfjs.
  if (process.env.MLBL_WASM_KERNELS === 'missing') {
    registeredNames = names;
    return names;
  }
  add(conv2dBackpropInputConfig);
  add(avgPoolGradConfig);
  add(maxPoolGradConfig);
  wrap(tf.BatchMatMul, makeBatchMatMulConfig);
  wrap(tf._FusedMatMul, makeFusedMatMulConfig);
  wrap(tf.Tanh, makeTanhConfig);
  wrap(tf.Exp, makeExpConfig);
  wrap(tf.GatherV2, makeGatherV2Config);
  wrap(tf.Identity, makeIdentityConfig);
  registeredNames = names;
  return names;
}
