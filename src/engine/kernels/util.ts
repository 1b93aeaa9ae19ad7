/** Helpers shared by the project's wasm kernels. */
import * as tf from '@tensorflow/tfjs';

export type Shape4 = [number, number, number, number];
export type Conv2DPad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** The slice of the wasm backend our kernels use (BackendWasm of @tensorflow/tfjs-backend-wasm). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: object): void;
}

export class UnsupportedKernelError extends Error {
  constructor(kernel: string, what: string) {
    super(`${kernel} (mlbl wasm kernel): ${what} is not supported`);
    this.name = 'UnsupportedKernelError';
  }
}

/**
 * Our kernels build their result from tf ops; their inputs are usually Tensors already. A bare
 * TensorInfo gets a temporary Tensor wrapper (which `release` disposes without freeing the data).
 */
export function asTensor(info: tf.TensorInfo, backend: WasmBackendLike): { t: tf.Tensor; release: () => void } {
  if (info instanceof tf.Tensor) return { t: info, release: () => {} };
  backend.incRef(info.dataId);
  const t = tf.engine().makeTensorFromTensorInfo(info);
  return { t, release: () => t.dispose() };
}

export function shape4(s: readonly number[], what: string, kernel: string): Shape4 {
  if (s.length !== 4) throw new UnsupportedKernelError(kernel, `${what} of rank ${s.length} (NHWC rank 4 only)`);
  return [s[0] as number, s[1] as number, s[2] as number, s[3] as number];
}

export function pair(v: number | readonly number[] | undefined, def: number): [number, number] {
  if (v === undefined) return [def, def];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? def, v[1] ?? v[0] ?? def];
}

export function checkNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new UnsupportedKernelError(kernel, `dataFormat '${String(dataFormat)}' (NHWC only)`);
  }
}

export function checkDilation1(kernel: string, dilations: unknown): void {
  if (dilations === undefined || dilations === null) return;
  const [dh, dw] = pair(dilations as number | number[], 1);
  if (dh !== 1 || dw !== 1) throw new UnsupportedKernelError(kernel, `dilation [${dh}, ${dw}] (dilation 1 only)`);
}

/**
 * Crops (negative amounts) or pads (positive amounts) an NHWC tensor's spatial dims. Returns the
 * cropped tensor and the non-negative padding still to apply (handed to a conv as explicit padding),
 * or null when nothing is left.
 */
export function cropForPadding(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { x: tf.Tensor4D; pad: [[number, number], [number, number], [number, number], [number, number]] } | null {
  const [n, h, w, c] = x.shape;
  const ct = Math.max(0, -top);
  const cb = Math.max(0, -bottom);
  const cl = Math.max(0, -left);
  const cr = Math.max(0, -right);
  // Everything cropped away (e.g. padding wider than the input): the caller's result is zeros.
  if (h - ct - cb <= 0 || w - cl - cr <= 0) return null;
  let y = x;
  if (ct || cb || cl || cr) {
    y = tf.slice(x, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
  }
  return {
    x: y,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/** Inserts (s-1) zeros between rows/columns of an NHWC tensor ("dilates" it by the stride). */
export function dilateSpatial(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const x6 = tf.reshape(x, [n, h, 1, w, 1, c]);
    const p = tf.pad(x6, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    const full = tf.reshape(p, [n, h * sh, w * sw, c]) as tf.Tensor4D;
    // Drop the trailing zeros after the last row/column.
    return tf.slice(full, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
  });
}
