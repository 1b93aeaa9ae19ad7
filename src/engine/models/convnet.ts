// Builds a tf.LayersModel from a layer stack (src/shared/layer-spec.ts). The model's layers carry
// the inspector's names (conv2d_1, avgPool2d_1, dense_1, ...), so shapes and parameter counts can be
// matched row by row with inspectStack, and the run page can ask for "conv2d_1"'s filters.
//
// Padding: tf.layers convolutions only know 'same' and 'valid'. A numeric padding P is built as a
// zero-padding layer named `${name}_pad` (P zeros on every side) followed by a 'valid' conv, which
// gives floor((W - K + 2P) / S) + 1 like the inspector. tfjs has zeroPadding2d but no
// zeroPadding1d, so conv1d uses this file's ZeroPadding1D layer (registered for serialisation:
// import this module before tf.loadLayersModel on a model that contains one).
import * as tf from '@tensorflow/tfjs';
import { inspectStack } from '../../shared/conv-shapes';
import { layerNames, pair, type LayerSpec, type LayerStack } from '../../shared/layer-spec';
import { skipInputGradients } from './input-conv';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface ZeroPadding1DArgs extends LayerArgs {
  /** Zeros before and after along the length axis; one number pads both sides alike. */
  padding: number | [number, number];
}

/** Pads [batch, length, channels] with zeros along the length axis. */
export class ZeroPadding1D extends tf.layers.Layer {
  static readonly className = 'ZeroPadding1D';
  readonly padding: [number, number];

  constructor(args: ZeroPadding1DArgs) {
    const { padding, ...rest } = args;
    super(rest);
    this.padding = typeof padding === 'number' ? [padding, padding] : [padding[0], padding[1]];
    if (!this.padding.every((p) => Number.isInteger(p) && p >= 0)) {
      throw new Error(`ZeroPadding1D: padding must be whole numbers >= 0, got ${JSON.stringify(padding)}`);
    }
    this.inputSpec = [{ ndim: 3 }];
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const length = shape[1];
    return [shape[0] ?? null, length == null ? null : length + this.padding[0] + this.padding[1], shape[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!x) throw new Error('ZeroPadding1D: no input');
      return tf.pad(x, [
        [0, 0],
        [this.padding[0], this.padding[1]],
        [0, 0],
      ]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: [...this.padding] };
  }
}
tf.serialization.registerClass(ZeroPadding1D);

/**
 * Seed of layer `index`'s kernel initialiser, derived from the model seed so that equal-shaped
 * layers do not get equal weights. undefined (no model seed) -> tfjs draws from Math.random.
 */
function layerSeed(seed: number | undefined, index: number): number | undefined {
  if (seed === undefined) return undefined;
  return Math.abs(Math.trunc(seed)) * 1009 + index + 1;
}

function kernelInit(seed: number | undefined, index: number) {
  return tf.initializers.glorotUniform({ seed: layerSeed(seed, index) });
}

/** Applies one spec layer (plus its padding layer, if any) to `x`. */
function applyLayer(x: tf.SymbolicTensor, layer: LayerSpec, name: string, index: number, seed: number | undefined): tf.SymbolicTensor {
  const apply = (l: tf.layers.Layer, input: tf.SymbolicTensor) => l.apply(input) as tf.SymbolicTensor;
  switch (layer.type) {
    case 'conv2d': {
      let input = x;
      let padding: 'same' | 'valid';
      if (typeof layer.padding === 'number') {
        const p = layer.padding;
        if (p > 0) {
          input = apply(
            tf.layers.zeroPadding2d({
              padding: [
                [p, p],
                [p, p],
              ],
              name: `${name}_pad`,
            }),
            input,
          );
        }
        padding = 'valid';
      } else {
        padding = layer.padding;
      }
      return apply(
        tf.layers.conv2d({
          name,
          filters: layer.filters,
          kernelSize: pair(layer.kernel),
          strides: pair(layer.stride),
          padding,
          activation: layer.activation,
          useBias: layer.useBias,
          kernelInitializer: kernelInit(seed, index),
          biasInitializer: 'zeros',
        }),
        input,
      );
    }
    case 'conv1d': {
      let input = x;
      let padding: 'same' | 'valid';
      if (typeof layer.padding === 'number') {
        if (layer.padding > 0) input = apply(new ZeroPadding1D({ padding: layer.padding, name: `${name}_pad` }), input);
        padding = 'valid';
      } else {
        padding = layer.padding;
      }
      return apply(
        tf.layers.conv1d({
          name,
          filters: layer.filters,
          kernelSize: layer.kernel,
          strides: layer.stride,
          padding,
          activation: layer.activation,
          useBias: layer.useBias,
          kernelInitializer: kernelInit(seed, index),
          biasInitializer: 'zeros',
        }),
        input,
      );
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const args = {
        name,
        poolSize: pair(layer.size),
        strides: pair(layer.stride ?? layer.size),
        padding: layer.padding,
      };
      return apply(layer.type === 'maxPool2d' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args), x);
    }
    case 'maxPool1d':
    case 'avgPool1d': {
      const args = { name, poolSize: layer.size, strides: layer.stride ?? layer.size, padding: layer.padding };
      return apply(layer.type === 'maxPool1d' ? tf.layers.maxPooling1d(args) : tf.layers.averagePooling1d(args), x);
    }
    case 'dense':
      return apply(
        tf.layers.dense({
          name,
          units: layer.units,
          activation: layer.activation,
          useBias: layer.useBias,
          kernelInitializer: kernelInit(seed, index),
          biasInitializer: 'zeros',
        }),
        x,
      );
    case 'dropout':
      // No seed: a seeded tfjs dropout draws the same mask on every step.
      return apply(tf.layers.dropout({ name, rate: layer.rate }), x);
    case 'flatten': {
      // tf.layers.flatten refuses an already flat input; the inspector lets it through as a no-op.
      const perExample = x.shape.slice(1);
      if (perExample.length === 1) return apply(tf.layers.reshape({ name, targetShape: perExample as number[] }), x);
      return apply(tf.layers.flatten({ name }), x);
    }
    default: {
      const unknown: never = layer;
      throw new Error(`buildConvNet: unknown layer type ${String((unknown as { type?: unknown }).type)}`);
    }
  }
}

/**
 * A tf.LayersModel for `stack` on examples of `inputShape` (no batch axis). The stack is checked
 * with inspectStack first, so an impossible stack throws its LayerShapeError ("layer 3 (conv2d):
 * ..."). With a seed, kernel initialisation is deterministic (glorotUniform seeded per layer;
 * biases start at zero); without one it is random. The model is not compiled.
 */
export function buildConvNet(inputShape: number[], stack: LayerStack, seed?: number): tf.LayersModel {
  if (stack.length === 0) throw new Error('buildConvNet: the layer stack is empty');
  if (seed !== undefined && !Number.isFinite(seed)) throw new Error(`buildConvNet: seed must be a finite number, got ${seed}`);
  inspectStack(inputShape, stack);
  const names = layerNames(stack);
  const input = tf.input({ shape: inputShape, name: 'input' });
  let x: tf.SymbolicTensor = input;
  stack.forEach((layer, index) => {
    x = applyLayer(x, layer, names[index] ?? `${layer.type}_${index + 1}`, index, seed);
  });
  const model = tf.model({ inputs: input, outputs: x, name: 'convnet' });
  skipInputGradients(model);
  return model;
}

/** Name of the model's first convolution layer (Conv2D or Conv1D), or null if it has none. */
export function findFirstConvLayerName(model: tf.LayersModel): string | null {
  const conv = model.layers.find((l) => {
    const cls = l.getClassName();
    return cls === 'Conv2D' || cls === 'Conv1D';
  });
  return conv ? conv.name : null;
}

/**
 * Name of the model's first convolution layer (Conv2D or Conv1D; conv1d_1 comes before conv2d_1
 * only if it is earlier in the stack). Throws if the model has no convolution: check with
 * findFirstConvLayerName when the stack may be conv-free. Conv2D kernels are [kh, kw, cin, filters];
 * Conv1D kernels are [k, cin, filters].
 */
export function firstConvLayerName(model: tf.LayersModel): string {
  const name = findFirstConvLayerName(model);
  if (name === null) throw new Error(`firstConvLayerName: model ${model.name} has no convolution layer`);
  return name;
}
