/**
 * Conv2D gradients for the wasm backend, written as forward convolutions so that they run on
 * XNNPACK's convolution (the fast path of tfjs-backend-wasm) rather than scalar loops.
 *
 * Supported: NHWC, any batch, any strides, padding 'same' | 'valid' | number | explicit,
 * dilation 1 (tfjs itself refuses conv gradients with dilation > 1). NCHW throws.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, checkDilation1, checkNHWC, cropForPadding, dilateSpatial, shape4, type Conv2DPad, type WasmBackendLike } from './util';

interface BackpropAttrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
}

function convInfo(kernel: string, xShape: readonly number[], filterShape: readonly number[], attrs: BackpropAttrs): tf.backend_util.Conv2DInfo {
  checkNHWC(kernel, attrs.dataFormat);
  checkDilation1(kernel, attrs.dilations);
  return tf.backend_util.computeConv2DInfo(
    shape4(xShape, 'input shape', kernel),
    shape4(filterShape, 'filter shape', kernel),
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * dW[ky,kx,c,o] = sum_{b,y,x} xpad[b, y*sh+ky, x*sw+kx, c] * dy[b,y,x,o]
 * is a stride-1 convolution, dilated by the stride, of x seen as [C, H, W, B] (channels as batch)
 * with dy seen as a filter [outH, outW, B, O]; its output is [C, fh, fw, O].
 */
export function conv2dBackpropFilterImpl(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], attrs: BackpropAttrs): tf.Tensor4D {
  const kernel = 'Conv2DBackpropFilter';
  const info = convInfo(kernel, x.shape, filterShape, attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  if (dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== info.outChannels || dy.shape[0] !== x.shape[0]) {
    throw new Error(`${kernel}: dy shape [${dy.shape}] does not match the convolution's output [${info.outShape}]`);
  }
  return tf.tidy(() => {
    // Rows of the padded input that the windows touch: fh + (oh-1)*sh of them, starting at -top.
    const needH = fh + (oh - 1) * sh;
    const needW = fw + (ow - 1) * sw;
    const bottom = needH - info.inHeight - top;
    const right = needW - info.inWidth - left;
    const cropped = cropForPadding(x, top, bottom, left, right);
    if (!cropped) return tf.zeros(info.filterShape) as tf.Tensor4D;
    const xt = tf.transpose(cropped.x, [3, 1, 2, 0]) as tf.Tensor4D; // [C, H, W, B]
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, B, O]
    const out = tf.conv2d(xt, dyAsFilter, 1, cropped.pad, 'NHWC', [sh, sw]); // [C, fh, fw, O]
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * dx is the "full" correlation of dy (dilated by the stride) with the filter rotated by 180
 * degrees and its in/out channels swapped: one stride-1 forward convolution.
 */
export function conv2dBackpropInputImpl(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: readonly number[], attrs: BackpropAttrs): tf.Tensor4D {
  const kernel = 'Conv2DBackpropInput';
  const info = convInfo(kernel, inputShape, filter.shape, attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  if (dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== info.outChannels) {
    throw new Error(`${kernel}: dy shape [${dy.shape}] does not match the convolution's output [${info.outShape}]`);
  }
  return tf.tidy(() => {
    const dyd = dilateSpatial(dy, sh, sw);
    const padTop = fh - 1 - top;
    const padLeft = fw - 1 - left;
    const padBottom = info.inHeight - 1 + top - (oh - 1) * sh;
    const padRight = info.inWidth - 1 + left - (ow - 1) * sw;
    const cropped = cropForPadding(dyd, padTop, padBottom, padLeft, padRight);
    if (!cropped) return tf.zeros(info.inShape) as tf.Tensor4D;
    const w = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [fh, fw, O, C]
    return tf.conv2d(cropped.x, w, 1, cropped.pad);
  });
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function conv2dBackpropFilterKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as WasmBackendLike;
  const a = attrs as unknown as BackpropAttrs & { filterShape: number[] };
  const x = asTensor(inputs.x as tf.TensorInfo, be);
  const dy = asTensor(inputs.dy as tf.TensorInfo, be);
  try {
    return conv2dBackpropFilterImpl(x.t as tf.Tensor4D, dy.t as tf.Tensor4D, a.filterShape, a);
  } finally {
    x.release();
    dy.release();
  }
}

function conv2dBackpropInputKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as WasmBackendLike;
  const a = attrs as unknown as BackpropAttrs & { inputShape: number[] };
  const dy = asTensor(inputs.dy as tf.TensorInfo, be);
  const filter = asTensor(inputs.filter as tf.TensorInfo, be);
  try {
    return conv2dBackpropInputImpl(dy.t as tf.Tensor4D, filter.t as tf.Tensor4D, a.inputShape, a);
  } finally {
    dy.release();
    filter.release();
  }
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterKernel as unknown as tf.KernelFunc,
};

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputKernel as unknown as tf.KernelFunc,
};
