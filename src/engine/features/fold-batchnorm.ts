/**
 * Inference-only rewrite of a loaded layers model: every Conv2D / DepthwiseConv2D whose only
 * consumer is a BatchNormalization layer gets the normalisation folded into its kernel and bias,
 * and a following ReLU (plain or capped at 6, the only consumer of the normalisation) fused in as
 * the conv's activation. One FusedConv2D / FusedDepthwiseConv2D then does the work of three ops.
 *
 * Why: profiling MobileNetV2's forward pass on the wasm backend (batch 8) gave FusedBatchNorm as
 * much time as all 35 convolutions together (~254 ms each, plus ~40 ms for ReLU6), because the
 * wasm BatchNorm kernel is a scalar loop over every activation; after folding, it is gone.
 *
 * The layers are patched in place (their `call`), so the model must only be used for inference
 * afterwards: the folded layers ignore `training` and their (unchanged) weights no longer feed the
 * result. The original weights are left as they were (saving the model still writes them).
 */
import * as tf from '@tensorflow/tfjs';

type AnyLayer = tf.layers.Layer & {
  inboundNodes: { inboundLayers: AnyLayer[] }[];
  outboundNodes: unknown[];
  call: (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];
};

type Activation = 'linear' | 'relu' | 'relu6';

export interface FoldResult {
  /** Convolutions that absorbed a batch normalisation. */
  folded: number;
  /** Of those, how many also absorbed their ReLU / ReLU6. */
  fusedActivations: number;
  /** The folded kernels and biases (the caller disposes them with the model). */
  tensors: tf.Tensor[];
}

const only = <T>(xs: readonly T[]): T | undefined => (xs.length === 1 ? xs[0] : undefined);

/** The single layer consuming `l`'s only output, or undefined. */
function soleConsumer(l: AnyLayer, model: tf.LayersModel): AnyLayer | undefined {
  if (l.outboundNodes.length !== 1) return undefined;
  const consumers = (model.layers as AnyLayer[]).filter((c) => c.inboundNodes.some((n) => n.inboundLayers.includes(l)));
  const c = only(consumers);
  if (!c || c.inboundNodes.length !== 1 || (c.inboundNodes[0]?.inboundLayers.length ?? 0) !== 1) return undefined;
  return c;
}

function reluActivation(l: AnyLayer | undefined): Activation | null {
  if (!l) return null;
  const cls = l.getClassName();
  const c = l.getConfig() as Record<string, unknown>;
  if (cls === 'ReLU') {
    if ((c.threshold ?? 0) !== 0 || (c.negativeSlope ?? 0) !== 0) return null;
    if (c.maxValue === 6) return 'relu6';
    if (c.maxValue === null || c.maxValue === undefined) return 'relu';
    return null;
  }
  if (cls === 'Activation' && (c.activation === 'relu' || c.activation === 'relu6')) return c.activation;
  return null;
}

function weightByName(l: tf.layers.Layer, suffix: string): tf.Tensor | null {
  const w = l.weights.find((v) => v.originalName.endsWith(`/${suffix}`) || v.name.endsWith(`/${suffix}`));
  return w ? w.read() : null;
}

/** Folds batch normalisations (and ReLUs) into the convolutions before them; see the file comment. */
export function foldBatchNorm(model: tf.LayersModel): FoldResult {
  const result: FoldResult = { folded: 0, fusedActivations: 0, tensors: [] };
  const identity = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => tf.clone(Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs);
  for (const conv of model.layers as AnyLayer[]) {
    const cls = conv.getClassName();
    if (cls !== 'Conv2D' && cls !== 'DepthwiseConv2D') continue;
    if (conv.inboundNodes.length !== 1) continue;
    const cc = conv.getConfig() as Record<string, unknown>;
    const dilation = cc.dilationRate;
    const dil = Array.isArray(dilation) ? dilation : [dilation ?? 1, dilation ?? 1];
    if (cc.activation !== 'linear' || (cc.dataFormat ?? 'channelsLast') !== 'channelsLast' || dil.some((d) => d !== 1)) continue;
    if (cc.padding !== 'same' && cc.padding !== 'valid') continue;
    const bn = soleConsumer(conv, model);
    if (!bn || bn.getClassName() !== 'BatchNormalization') continue;
    const bc = bn.getConfig() as Record<string, unknown>;
    if (bc.axis !== -1 && bc.axis !== 3) continue;
    const mean = weightByName(bn, 'moving_mean');
    const variance = weightByName(bn, 'moving_variance');
    if (!mean || !variance) continue;
    const gamma = bc.scale === false ? null : weightByName(bn, 'gamma');
    const beta = bc.center === false ? null : weightByName(bn, 'beta');
    const kernel = weightByName(conv, cls === 'Conv2D' ? 'kernel' : 'depthwise_kernel');
    if (!kernel || kernel.rank !== 4) continue;
    const convBias = cc.useBias ? weightByName(conv, 'bias') : null;
    const eps = typeof bc.epsilon === 'number' ? bc.epsilon : 1e-3;
    const relu = soleConsumer(bn, model);
    const activation: Activation = reluActivation(relu) ?? 'linear';

    const [filter, bias] = tf.tidy(() => {
      // y = (conv(x) + b - mean) * s + beta, s = gamma / sqrt(var + eps): scale the kernel's output channels by s.
      const s = tf.div(gamma ?? tf.onesLike(variance), tf.sqrt(tf.add(variance, eps))) as tf.Tensor1D;
      const shift = tf.add(tf.mul(tf.sub(convBias ?? tf.zerosLike(mean), mean), s), beta ?? tf.zerosLike(mean));
      const [kh, kw, cin, k3] = kernel.shape as [number, number, number, number];
      // Conv2D kernels are [h, w, in, out]; depthwise ones [h, w, in, multiplier] with output channel in * multiplier + m.
      const f = cls === 'Conv2D' ? tf.mul(kernel, s) : tf.reshape(tf.mul(kernel, tf.reshape(s, [cin, k3])), [kh, kw, cin, k3]);
      return [tf.keep(f) as tf.Tensor4D, tf.keep(shift) as tf.Tensor1D];
    });
    result.tensors.push(filter, bias);
    const strides = cc.strides as [number, number];
    const pad = cc.padding as 'same' | 'valid';
    conv.call = (inputs) => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return cls === 'Conv2D'
        ? tf.fused.conv2d({ x, filter, strides, pad, bias, activation })
        : tf.fused.depthwiseConv2d({ x, filter, strides, pad, bias, activation });
    };
    bn.call = identity;
    if (relu && activation !== 'linear') {
      relu.call = identity;
      result.fusedActivations++;
    }
    result.folded++;
  }
  return result;
}
