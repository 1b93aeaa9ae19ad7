/**
 * The project's training kernels for the tfjs wasm backend: tfjs-backend-wasm 4.22 lacks
 * Conv2DBackpropFilter and UnsortedSegmentSum (conv and embedding training throw), and some of
 * its training-path kernels are slow. See each file for what it supports.
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

/** Replaces (or adds) a wasm kernel; keeps the original's setup so that its wasm bindings exist. */
function override(make: (original: tf.KernelConfig | undefined) => tf.KernelConfig, name: string): void {
  const original = tf.getKernel(name, 'wasm');
  const config = make(original);
  if (original) tf.unregisterKernel(name, 'wasm');
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
    override(() => config, config.kernelName);
    names.push(config.kernelName);
  };
  add(conv2dBackpropFilterConfig);
  add(unsortedSegmentSumConfig);
  // Diagnostic switch for before/after measurements: only the kernels tfjs-backend-wasm lacks.
  if (process.env.MLBL_WASM_KERNELS === 'missing') {
    registeredNames = names;
    return names;
  }
  add(conv2dBackpropInputConfig);
  add(avgPoolGradConfig);
  add(maxPoolGradConfig);
  // Wrappers around the original kernels (which keep running the cases they handle well).
  const wrap = (name: string, make: (original: tf.KernelConfig) => tf.KernelConfig): void => {
    const original = tf.getKernel(name, 'wasm');
    if (original) add(make(original));
  };
  wrap(tf.BatchMatMul, makeBatchMatMulConfig);
  wrap(tf._FusedMatMul, makeFusedMatMulConfig);
  wrap(tf.Tanh, makeTanhConfig);
  wrap(tf.Exp, makeExpConfig);
  wrap(tf.GatherV2, makeGatherV2Config);
  wrap(tf.Identity, makeIdentityConfig);
  wrap(tf.OneHot, makeOneHotConfig);
  registeredNames = names;
  return names;
}
