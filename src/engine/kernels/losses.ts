/**
 * Sparse softmax cross-entropy (integer labels), the loss of a language model's full softmax.
 *
 * tf.losses.softmaxCrossEntropy needs one-hot labels and runs exp over the logits twice (forward
 * log-sum-exp, backward softmax) plus a dozen elementwise passes over [batch, vocab]. This runs
 * one softmax (XNNPACK on wasm), two row maxima and a gather forward, and (p - onehot) * dy / B
 * backward. Works on every backend.
 *
 *   loss_i = lse_i - z_{i,y_i},   lse_i = max_i + log(sum_j exp(z_ij - max_i)) = max_i - log(max_j p_ij)
 *
 * (max_j p_ij >= 1/V never underflows, so the log is safe.) Returns the mean over the batch.
 */
import * as tf from '@tensorflow/tfjs';

export function sparseSoftmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const [b, v] = logits.shape;
  if (labels.shape[0] !== b) throw new Error(`sparseSoftmaxCrossEntropy: ${labels.shape[0]} labels for ${b} rows`);
  if (labels.dtype !== 'int32') throw new Error('sparseSoftmaxCrossEntropy: labels must be int32');
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const p = tf.softmax(z);
    const rowMax = tf.max(z, 1);
    const lse = tf.sub(rowMax, tf.log(tf.max(p, 1)));
    const flat = tf.add(tf.mul(tf.range(0, b, 1, 'int32'), tf.scalar(v, 'int32')), labels);
    const picked = tf.gather(tf.reshape(z, [b * v]), flat);
    save([p]);
    return {
      value: tf.mean(tf.sub(lse, picked)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const onehot = tf.oneHot(labels, v, 1, 0, 'float32');
        return tf.mul(tf.sub(saved[0] as tf.Tensor, onehot), tf.div(dy, b));
      },
    };
  });
  return f(logits) as tf.Scalar;
}
