/**
 * The benchmark networks, built to match ../shared/bench/peers/lenet5_torch.py and mlbl_torch.py.
 */
import * as tf from '@tensorflow/tfjs';
import { sparseSoftmaxCrossEntropy } from '../src/engine/kernels';
import { skipInputGradients } from '../src/engine/models/input-conv';

/** LeNet-5: conv 5x5x6 same - tanh - avgpool 2 - conv 5x5x16 - tanh - avgpool 2 - 120 - 84 - 10. */
export function buildLeNet5(seed = 0): tf.LayersModel {
  const init = (s: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: seed + s });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'tanh', kernelInitializer: init(1) }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'tanh', kernelInitializer: init(2) }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'tanh', kernelInitializer: init(3) }),
      tf.layers.dense({ units: 84, activation: 'tanh', kernelInitializer: init(4) }),
      tf.layers.dense({ units: 10, kernelInitializer: init(5) }),
    ],
  });
  skipInputGradients(model); // as buildConvNet does
  return model;
}

export interface MlblbSizes {
  vocab: number;
  dim: number;
  context: number;
  features: number;
}

export const MLBLB_PEER_SIZES: MlblbSizes = { vocab: 5000, dim: 100, context: 5, features: 4096 };

/**
 * MLBL-B as the peer builds it: r_hat = sum_i C_i^T r_{w_i} + C_m x; logits = R r_hat + b.
 * Full softmax, embeddings trained (the same R on both sides).
 */
export class MlblB {
  readonly R: tf.Variable;
  readonly C: tf.Variable; // the n context matrices stacked: [n*K, K]
  readonly Cm: tf.Variable; // [F, K]
  readonly b: tf.Variable;

  constructor(
    readonly sizes: MlblbSizes,
    seed = 0,
  ) {
    const { vocab: V, dim: K, context: n, features: F } = sizes;
    this.R = tf.variable(tf.randomNormal([V, K], 0, 1, 'float32', seed + 1), true, `mlblb_R_${seed}`);
    this.C = tf.variable(tf.randomNormal([n * K, K], 0, 0.01, 'float32', seed + 2), true, `mlblb_C_${seed}`);
    const lim = 1 / Math.sqrt(F);
    this.Cm = tf.variable(tf.randomUniform([F, K], -lim, lim, 'float32', seed + 3), true, `mlblb_Cm_${seed}`);
    this.b = tf.variable(tf.zeros([V]), true, `mlblb_b_${seed}`);
  }

  logits(ctx: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
    const { dim: K, context: n } = this.sizes;
    const B = ctx.shape[0];
    const r = tf.reshape(tf.gather(this.R, ctx), [B, n * K]);
    const rHat = tf.add(tf.matMul(r, this.C as tf.Tensor2D), tf.matMul(x, this.Cm as tf.Tensor2D));
    return tf.add(tf.matMul(rHat, this.R as tf.Tensor2D, false, true), this.b) as tf.Tensor2D;
  }

  loss(ctx: tf.Tensor2D, x: tf.Tensor2D, next: tf.Tensor1D): tf.Scalar {
    // Mean cross-entropy over integer labels, as torch.nn.CrossEntropyLoss.
    return sparseSoftmaxCrossEntropy(this.logits(ctx, x), next);
  }

  variables(): tf.Variable[] {
    return [this.R, this.C, this.Cm, this.b];
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
