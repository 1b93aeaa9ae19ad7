/**
 * Skip the input gradient of convolutions fed by the model's input.
 *
 * tf.layers.conv2d runs tfjs's fused conv2d whenever its activation is linear, relu or elu, or is
 * applied separately (as tanh is). The fused op's gradient is one custom function that always
 * computes the gradient with respect to its input too. For a convolution reading the model's
 * input nothing uses that gradient, and on LeNet-5 it is the most expensive kernel of a training
 * step on wasm (measured 8.4 ms for the 64x28x28 batch, against 3.4 ms for the forward conv).
 *
 * Such layers here compute conv2d, the bias add and the activation as separate ops, whose
 * gradients tfjs computes only where they are needed. Only the instance's `call` changes: the
 * layer keeps its class, config, names and weights, so models save, load and inspect as before.
 */
import * as tf from '@tensorflow/tfjs';

interface Conv2DInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  activation: { apply(t: tf.Tensor): tf.Tensor } | null;
}

/** True when everything upstream of the layer is the input and weightless layers (padding, reshape): no weight needs its input gradient. */
function fedByModelInput(layer: tf.layers.Layer, seen = new Set<tf.layers.Layer>()): boolean {
  if (seen.has(layer)) return false;
  seen.add(layer);
  const nodes = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
  return (
    nodes.length > 0 &&
    nodes.every(
      (n) =>
        n.inboundLayers.length > 0 &&
        n.inboundLayers.every(
          (l) => l.getClassName() === 'InputLayer' || (l.trainableWeights.length === 0 && l.nonTrainableWeights.length === 0 && fedByModelInput(l, seen)),
        ),
    )
  );
}

/** Rewires every Conv2D layer that reads the model's input, directly or through weightless layers (NHWC); returns their names. */
export function skipInputGradients(model: tf.LayersModel): string[] {
  const patched: string[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D' || !fedByModelInput(layer)) continue;
    const c = layer as unknown as Conv2DInternals;
    if (c.dataFormat !== 'channelsLast') continue;
    const [sh = 1, sw = 1] = c.strides;
    const [dh = 1, dw = 1] = c.dilationRate;
    const pad = c.padding === 'same' ? 'same' : 'valid';
    layer.call = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor =>
      tf.tidy(() => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
        let y: tf.Tensor = tf.conv2d(x, c.kernel.read() as tf.Tensor4D, [sh, sw], pad, 'NHWC', [dh, dw]);
        if (c.bias) y = tf.add(y, c.bias.read());
        return c.activation ? c.activation.apply(y) : y;
      });
    patched.push(layer.name);
  }
  return patched;
}
