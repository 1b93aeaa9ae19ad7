/**
 * Tanh and Exp for the wasm backend. tfjs-backend-wasm 4.22 computes both with scalar libm calls
 * (about 30 ns and 10 ns per element), 10-20x slower than its XNNPACK sigmoid. Training LeNet-5
 * runs tanh on every conv output and the softmax cross-entropy runs exp over the whole logits, so
 * both are rewritten on top of the XNNPACK sigmoid:
 *
 *   tanh(x) = 2 sigmoid(2x) - 1       (|x| >= 2^-7; absolute error ~1e-7, relative < 2e-5)
 *   blended linearly towards x         (|x| <  2^-7; relative error < 2e-5)
 *   exp(x)  = sigmoid(x) / sigmoid(-x) (relative error a few ulp; overflows to Infinity past ~88.7
 *                                       and underflows to 0 below ~-87, like float32 exp)
 *
 * float32 only; other dtypes go to the original kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, type WasmBackendLike } from './util';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type RawKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** Below this |x|, blend towards tanh(x) ~ x (weight 1 - |x|/TANH_BLEND, linear, no compare/select). */
const TANH_BLEND = 1 / 128;

/**
 * t = 2 sigmoid(2x) - 1 has absolute error ~1.5e-7, i.e. large relative error as x -> 0. The
 * result is t + m (x - t) with m = relu(1 - |x|/TANH_BLEND): exactly t for |x| >= 1/128 and a
 * blend of t and x below, relative error < 2e-5 everywhere. Eleven XNNPACK elementwise ops, no
 * scalar loop, ~8x faster than the original.
 */
export function tanhViaSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
    const m = tf.relu(tf.sub(1, tf.mul(tf.abs(x), 1 / TANH_BLEND)));
    return tf.add(t, tf.mul(m, tf.sub(x, t)));
  });
}

export function expViaSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sigmoid(x), tf.sigmoid(tf.neg(x))));
}

function makeUnary(name: string, original: tf.KernelConfig, impl: (x: tf.Tensor) => tf.Tensor, minSize: number): tf.KernelConfig {
  const orig = original.kernelFunc as unknown as RawKernelFunc;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const xInfo = args.inputs.x as tf.TensorInfo;
    // Small tensors: a dozen op dispatches cost more than the scalar loop.
    if (xInfo.dtype !== 'float32' || tf.util.sizeFromShape(xInfo.shape) < minSize) return orig(args);
    const x = asTensor(xInfo, args.backend as WasmBackendLike);
    try {
      return impl(x.t);
    } finally {
      x.release();
    }
  };
  return {
    kernelName: name,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}

export const makeTanhConfig = (original: tf.KernelConfig): tf.KernelConfig => makeUnary(tf.Tanh, original, tanhViaSigmoid, 8192);
export const makeExpConfig = (original: tf.KernelConfig): tf.KernelConfig => makeUnary(tf.Exp, original, expViaSigmoid, 2048);
