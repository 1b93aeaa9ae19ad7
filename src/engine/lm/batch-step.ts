/**
 * One optimisation step of a language model on a batch of n-gram instances (training and the
 * retrain phase share it): gathers the batch's contexts, targets and image rows in `order`, draws
 * the image-vector dropout mask from `dropRand`, and applies the optimizer.
 */
import * as tf from '@tensorflow/tfjs';
import type { Instances } from './data';
import type { LmModel } from './model';
import type { Optimizer } from './optim';

export interface BatchSource {
  inst: Instances;
  features: tf.Tensor2D | null;
}

export class LmBatchStep {
  private readonly ctxBuf: Int32Array;
  private readonly tgtBuf: Int32Array;
  private readonly imgBuf: Int32Array;
  readonly stepsPerEpoch: number;

  constructor(
    private readonly model: LmModel,
    private readonly optimizer: Optimizer,
    private readonly data: BatchSource,
    private readonly batchSize: number,
  ) {
    this.ctxBuf = new Int32Array(batchSize * model.config.n);
    this.tgtBuf = new Int32Array(batchSize);
    this.imgBuf = new Int32Array(batchSize);
    this.stepsPerEpoch = Math.ceil(data.inst.count / batchSize);
  }

  /** Trains on batch `b` of the epoch's `order`; its mean loss and the words in it. */
  run(order: Int32Array, b: number, dropRand: () => number): { loss: number; items: number } {
    const { model, data, ctxBuf, tgtBuf, imgBuf } = this;
    const c = model.config;
    const n = c.n;
    const xDim = c.h > 0 ? c.h : c.D;
    const s0 = b * this.batchSize;
    const bs = Math.min(this.batchSize, data.inst.count - s0);
    for (let i = 0; i < bs; i++) {
      const k = order[s0 + i] as number;
      ctxBuf.set(data.inst.contexts.subarray(k * n, (k + 1) * n), i * n);
      tgtBuf[i] = data.inst.targets[k] as number;
      imgBuf[i] = data.inst.images[k] as number;
    }
    const loss = tf.tidy(() => {
      const contexts = tf.tensor2d(ctxBuf.subarray(0, bs * n), [bs, n], 'int32');
      const targets = tf.tensor1d(tgtBuf.subarray(0, bs), 'int32');
      const images = data.features ? (tf.gather(data.features, tf.tensor1d(imgBuf.subarray(0, bs), 'int32')) as tf.Tensor2D) : undefined;
      let keep: tf.Tensor2D | undefined;
      if (c.dropout > 0 && images)
        keep = tf.tensor2d(
          Float32Array.from({ length: bs * xDim }, () => (dropRand() >= c.dropout ? 1 : 0)),
          [bs, xDim],
        );
      const { loss: l, grads } = model.lossAndGrads({ contexts, targets, images, keep });
      this.optimizer.apply(grads, bs);
      return l.dataSync()[0] as number;
    });
    return { loss, items: bs };
  }
}
