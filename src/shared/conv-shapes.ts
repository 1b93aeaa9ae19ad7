// Shape inspector for layer stacks: per layer output volume, weights, biases, parameters and
// multiply-adds, before anything is built. Pure TypeScript (the new-run form runs it on every
// keystroke; the engine's builder is tested against it).
//
// Output side of a convolution or pooling window: floor((W - K + 2P) / S) + 1 with P zeros per
// side; 'same' padding follows TensorFlow: ceil(W / S).
import { layerNames, pair, type LayerSpec, type LayerStack, type LayerType } from './layer-spec';

export interface LayerShapeInfo {
  /** Position in the stack, from 0. (Messages say "layer index+1", as the UI numbers rows.) */
  index: number;
  /** Predictable name, as in the built model: conv2d_1, avgPool2d_1, dense_3, ... */
  name: string;
  type: LayerType;
  /** Per example, without the batch axis. */
  inputShape: number[];
  outputShape: number[];
  /** Kernel weights (conv: kh*kw*cin*filters; dense: in*units). */
  weights: number;
  biases: number;
  /** weights + biases. */
  params: number;
  /**
   * Multiply-adds per example of the layer's weights: conv = output positions * filters * kernel
   * volume; dense = in * units. Pooling, dropout and flatten count 0.
   */
  multiplyAdds: number;
}

export interface StackTotals {
  weights: number;
  biases: number;
  params: number;
  multiplyAdds: number;
}

export interface StackInspection {
  inputShape: number[];
  layers: LayerShapeInfo[];
  /** The last layer's output shape (the input shape for an empty stack). */
  outputShape: number[];
  totals: StackTotals;
}

/** An impossible stack. layerIndex is the 0-based position of the offending layer, null for the input. */
export class LayerShapeError extends Error {
  readonly layerIndex: number | null;
  readonly layerName: string | null;
  readonly layerType: LayerType | null;

  constructor(message: string, layerIndex: number | null, layerName: string | null, layerType: LayerType | null) {
    super(message);
    this.name = 'LayerShapeError';
    this.layerIndex = layerIndex;
    this.layerName = layerName;
    this.layerType = layerType;
  }
}

export type StackCheck =
  | { ok: true; inspection: StackInspection }
  | {
      ok: false;
      error: { message: string; layerIndex: number | null; layerName: string | null };
      /** Rows for the layers before the failing one, so a form can still show them. */
      layers: LayerShapeInfo[];
    };

/** "28x28x6". */
export function shapeToString(shape: readonly number[]): string {
  return shape.join('x');
}

/** Thrown by the side computations; turned into a LayerShapeError naming the layer. */
class SideError extends Error {}

function isPositiveInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}

function checkPositive(what: string, value: number): void {
  if (!isPositiveInt(value)) throw new SideError(`${what} must be a positive integer, got ${String(value)}`);
}

/**
 * Output side of a window of size `kernel` sliding with `stride` over `input` cells.
 * padding: 'valid' (0), 'same' (ceil(input / stride), as TensorFlow) or zeros per side.
 * `what` names the window in errors ("kernel", "pool size"); `axis` is appended to it and to
 * "input" when the layer is not square (e.g. " height").
 */
export function outputSide(input: number, kernel: number, stride: number, padding: 'valid' | 'same' | number, what = 'kernel', axis = ''): number {
  checkPositive(`${what}${axis}`, kernel);
  checkPositive(`stride${axis}`, stride);
  if (padding === 'same') return Math.ceil(input / stride);
  const p = padding === 'valid' ? 0 : padding;
  if (!Number.isInteger(p) || p < 0) throw new SideError(`padding must be 'valid', 'same' or a whole number >= 0, got ${String(p)}`);
  const padded = input + 2 * p;
  if (kernel > padded) {
    const inputWord = p > 0 ? 'padded input' : 'input';
    throw new SideError(`${what}${axis} ${kernel} is larger than its ${inputWord}${axis} ${padded}`);
  }
  const out = Math.floor((input - kernel + 2 * p) / stride) + 1;
  if (out < 1) throw new SideError(`output${axis} would be empty (${out})`);
  return out;
}

function needRank(shape: readonly number[], rank: number, layerType: LayerType): void {
  if (shape.length === rank) return;
  const got = shapeToString(shape);
  if (rank === 3) {
    throw new SideError(`needs an input of shape height x width x channels, got ${got}`);
  }
  if (rank === 2) throw new SideError(`needs an input of shape length x channels, got ${got}`);
  const hint = layerType === 'dense' ? '; add a flatten layer before it' : '';
  throw new SideError(`needs a flat input (a vector), got ${got}${hint}`);
}

interface Computed {
  outputShape: number[];
  weights: number;
  biases: number;
  multiplyAdds: number;
}

function computeLayer(input: readonly number[], layer: LayerSpec): Computed {
  switch (layer.type) {
    case 'conv2d': {
      needRank(input, 3, layer.type);
      checkPositive('filters', layer.filters);
      const [h, w, c] = input as [number, number, number];
      const [kh, kw] = pair(layer.kernel);
      const [sh, sw] = pair(layer.stride);
      const square = kh === kw && h === w && sh === sw;
      const oh = outputSide(h, kh, sh, layer.padding, 'kernel', square ? '' : ' height');
      const ow = outputSide(w, kw, sw, layer.padding, 'kernel', square ? '' : ' width');
      const weights = kh * kw * c * layer.filters;
      return {
        outputShape: [oh, ow, layer.filters],
        weights,
        biases: layer.useBias ? layer.filters : 0,
        multiplyAdds: oh * ow * weights,
      };
    }
    case 'conv1d': {
      needRank(input, 2, layer.type);
      checkPositive('filters', layer.filters);
      const [len, c] = input as [number, number];
      const out = outputSide(len, layer.kernel, layer.stride, layer.padding, 'kernel');
      const weights = layer.kernel * c * layer.filters;
      return {
        outputShape: [out, layer.filters],
        weights,
        biases: layer.useBias ? layer.filters : 0,
        multiplyAdds: out * weights,
      };
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      needRank(input, 3, layer.type);
      const [h, w, c] = input as [number, number, number];
      const [kh, kw] = pair(layer.size);
      const [sh, sw] = pair(layer.stride ?? layer.size);
      const square = kh === kw && h === w && sh === sw;
      const oh = outputSide(h, kh, sh, layer.padding, 'pool size', square ? '' : ' height');
      const ow = outputSide(w, kw, sw, layer.padding, 'pool size', square ? '' : ' width');
      return { outputShape: [oh, ow, c], weights: 0, biases: 0, multiplyAdds: 0 };
    }
    case 'maxPool1d':
    case 'avgPool1d': {
      needRank(input, 2, layer.type);
      const [len, c] = input as [number, number];
      const out = outputSide(len, layer.size, layer.stride ?? layer.size, layer.padding, 'pool size');
      return { outputShape: [out, c], weights: 0, biases: 0, multiplyAdds: 0 };
    }
    case 'dense': {
      needRank(input, 1, layer.type);
      checkPositive('units', layer.units);
      const n = input[0] as number;
      const weights = n * layer.units;
      return {
        outputShape: [layer.units],
        weights,
        biases: layer.useBias ? layer.units : 0,
        multiplyAdds: weights,
      };
    }
    case 'dropout': {
      if (!(layer.rate >= 0 && layer.rate < 1)) throw new SideError(`rate must be in [0, 1), got ${String(layer.rate)}`);
      return { outputShape: [...input], weights: 0, biases: 0, multiplyAdds: 0 };
    }
    case 'flatten': {
      return { outputShape: [input.reduce((a, b) => a * b, 1)], weights: 0, biases: 0, multiplyAdds: 0 };
    }
    default: {
      const unknown: never = layer;
      throw new SideError(`unknown layer type ${String((unknown as { type?: unknown }).type)}`);
    }
  }
}

function inspectInto(inputShape: readonly number[], stack: LayerStack, rows: LayerShapeInfo[]): StackInspection {
  if (inputShape.length < 1 || inputShape.length > 3 || !inputShape.every(isPositiveInt)) {
    throw new LayerShapeError(`input shape ${shapeToString(inputShape) || '(empty)'}: needs 1 to 3 sides, each a positive integer`, null, null, null);
  }
  const names = layerNames(stack);
  let shape = [...inputShape];
  const totals: StackTotals = { weights: 0, biases: 0, params: 0, multiplyAdds: 0 };
  stack.forEach((layer, index) => {
    const name = names[index] ?? `${layer.type}_?`;
    let computed: Computed;
    try {
      computed = computeLayer(shape, layer);
    } catch (err) {
      if (err instanceof SideError) {
        throw new LayerShapeError(`layer ${index + 1} (${layer.type}): ${err.message}`, index, name, layer.type);
      }
      throw err;
    }
    const row: LayerShapeInfo = {
      index,
      name,
      type: layer.type,
      inputShape: shape,
      outputShape: computed.outputShape,
      weights: computed.weights,
      biases: computed.biases,
      params: computed.weights + computed.biases,
      multiplyAdds: computed.multiplyAdds,
    };
    rows.push(row);
    totals.weights += row.weights;
    totals.biases += row.biases;
    totals.params += row.params;
    totals.multiplyAdds += row.multiplyAdds;
    shape = computed.outputShape;
  });
  return { inputShape: [...inputShape], layers: rows, outputShape: shape, totals };
}

/**
 * Every layer's output volume and parameter counts for `stack` applied to one example of
 * `inputShape` (no batch axis). Throws LayerShapeError naming the first impossible layer, e.g.
 * "layer 3 (conv2d): kernel 7 is larger than its padded input 5". Expects a parsed stack
 * (LayerStackSchema); non-integer or non-positive sizes are still reported as errors, not NaN.
 */
export function inspectStack(inputShape: readonly number[], stack: LayerStack): StackInspection {
  return inspectInto(inputShape, stack, []);
}

/** inspectStack without throwing: the form shows the rows it has and the error inline. */
export function checkStack(inputShape: readonly number[], stack: LayerStack): StackCheck {
  const rows: LayerShapeInfo[] = [];
  try {
    return { ok: true, inspection: inspectInto(inputShape, stack, rows) };
  } catch (err) {
    if (err instanceof LayerShapeError) {
      return {
        ok: false,
        error: { message: err.message, layerIndex: err.layerIndex, layerName: err.layerName },
        layers: rows,
      };
    }
    throw err;
  }
}
