/**
 * Pooling gradients for the wasm backend.
 *
 * AvgPoolGrad (tfjs-backend-wasm's own is a scalar loop, ~10 ms for one LeNet-5 pooling layer at
 * batch 64):
 * Non-overlapping windows (stride == window, the usual 2x2/2): dx is dy repeated over each
 * window, one broadcast multiply. Otherwise: the transposed convolution of dy with a constant
 * box filter, i.e. dy dilated by the stride then a depthwise convolution (XNNPACK).
 * Like the cpu backend, every window divides by its full size (fh*fw), padding included.
 *
 * MaxPoolGrad (tfjs-backend-wasm's: ~10 ms for a 2x2 pool over 64x28x28x6): routing each dy to the
 * first maximum of its window is a gather/scatter that no XNNPACK op expresses (equality masks
 * double-count ties, common after ReLU), so it is one pass over the windows in JS on the wasm
 * heap, channels innermost. Same tie rule as the cpu backend (first strict maximum, row-major).
 *
 * Both: NHWC, any batch, strides, 'same' | 'valid' | number | explicit padding, dilation 1;
 * float32.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, checkDilation1, cropForPadding, dilateSpatial, shape4, UnsupportedKernelError, type Conv2DPad, type WasmBackendLike } from './util';

interface PoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: Conv2DPad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
}

export function avgPoolGradImpl(dy: tf.Tensor4D, xShape: readonly number[], attrs: PoolGradAttrs): tf.Tensor4D {
  const kernel = 'AvgPoolGrad';
  checkDilation1(kernel, attrs.dilations);
  const info = tf.backend_util.computePool2DInfo(shape4(xShape, 'input shape', kernel), attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  const [n, inH, inW, c] = shape4(xShape, 'input shape', kernel);
  if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== c) {
    throw new Error(`${kernel}: dy shape [${dy.shape}] does not match the pooling output [${n},${oh},${ow},${c}]`);
  }
  const scale = 1 / (fh * fw);
  return tf.tidy(() => {
    if (sh === fh && sw === fw) {
      // Window (oy, ox) covers padded rows oy*fh .. oy*fh+fh-1: repeat dy over the window.
      const ones = tf.fill([1, 1, fh, 1, fw, 1], scale);
      const rep = tf.reshape(tf.mul(tf.reshape(dy, [n, oh, 1, ow, 1, c]), ones), [n, oh * fh, ow * fw, c]) as tf.Tensor4D;
      // In input coordinates the repeated block starts at -top: crop or zero-pad to the input.
      const cropped = cropForPadding(rep, -top, inH + top - oh * fh, -left, inW + left - ow * fw);
      if (!cropped) return tf.zeros([n, inH, inW, c]) as tf.Tensor4D;
      const p = cropped.pad;
      const any = p[1][0] || p[1][1] || p[2][0] || p[2][1];
      return any ? tf.pad(cropped.x, p) : cropped.x;
    }
    const dyd = dilateSpatial(dy, sh, sw);
    const padTop = fh - 1 - top;
    const padLeft = fw - 1 - left;
    const padBottom = inH - 1 + top - (oh - 1) * sh;
    const padRight = inW - 1 + left - (ow - 1) * sw;
    const cropped = cropForPadding(dyd, padTop, padBottom, padLeft, padRight);
    if (!cropped) return tf.zeros([n, inH, inW, c]) as tf.Tensor4D;
    const box = tf.fill([fh, fw, c, 1], scale) as tf.Tensor4D;
    return tf.depthwiseConv2d(cropped.x, box, 1, cropped.pad);
  });
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function maxPoolGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const kernel = 'MaxPoolGrad';
  const be = backend as WasmBackendLike;
  const dy = inputs.dy as tf.TensorInfo;
  const x = inputs.input as tf.TensorInfo;
  const a = attrs as unknown as PoolGradAttrs;
  checkDilation1(kernel, a.dilations);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new UnsupportedKernelError(kernel, `dtype ${x.dtype}`);
  const info = tf.backend_util.computePool2DInfo(shape4(x.shape, 'input shape', kernel), a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const [n, inH, inW, c] = shape4(x.shape, 'input shape', kernel);
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== c) {
    throw new Error(`${kernel}: dy shape [${dy.shape}] does not match the pooling output [${n},${oh},${ow},${c}]`);
  }
  const out = be.makeOutput([n, inH, inW, c], 'float32');
  const xv = be.typedArrayFromHeap(x) as Float32Array;
  const dv = be.typedArrayFromHeap(dy) as Float32Array;
  const ov = be.typedArrayFromHeap(out) as Float32Array;
  ov.fill(0);
  for (let b = 0; b < n; b++) {
    const xb = b * inH * inW * c;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - top;
      const yLo = y0 < 0 ? 0 : y0;
      const yHi = y0 + fh > inH ? inH : y0 + fh;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - left;
        const xLo = x0 < 0 ? 0 : x0;
        const xHi = x0 + fw > inW ? inW : x0 + fw;
        const dBase = ((b * oh + oy) * ow + ox) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let yy = yLo; yy < yHi; yy++) {
            let p = xb + (yy * inW + xLo) * c + ch;
            for (let xx = xLo; xx < xHi; xx++, p += c) {
              const v = xv[p] as number;
              if (v > best) {
                best = v;
                at = p;
              }
            }
          }
          if (at >= 0) ov[at] = (ov[at] as number) + (dv[dBase + ch] as number);
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradKernel as unknown as tf.KernelFunc,
};

function avgPoolGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as WasmBackendLike;
  const dy = asTensor(inputs.dy as tf.TensorInfo, be);
  try {
    return avgPoolGradImpl(dy.t as tf.Tensor4D, (inputs.input as tf.TensorInfo).shape, attrs as unknown as PoolGradAttrs);
  } finally {
    dy.release();
  }
}

export const avgPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.AvgPoolGrad,
  backendName: 'wasm',
  kernelFunc: avgPoolGradKernel as unknown as tf.KernelFunc,
};
