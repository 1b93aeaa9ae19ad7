import { z } from 'zod';

import { BackendRequest } from './backend-request';
import { LmParams, LM_MODELS, lmInputIssues } from './lm-spec';
import { ConvNetDatasetParam, defaultInputFor, isBuiltinDataset, LrScheduleName, StackParamSchema, stackProblem, trainingOptionFields } from './convnet-spec';
import { InputShapeParam, parseInputShape, inputShapeArray, ResizeMode } from './image-input';
import { LENET5 } from './layer-spec';

export { BackendRequest };

/** Training options shared by the ConvNet presets; the defaults are a quick first run (10k images, 3 epochs). */
export const ConvNetTrainingParams = z.strictObject({
  epochs: z.coerce.number().int().min(1).max(200).default(3),
  batchSize: z.coerce.number().int().min(1).max(4096).default(64),
  learningRate: z.coerce.number().positive().max(10).default(0.001),
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  /** Use only the first N training images (0 = all 60,000). */
  trainLimit: z.coerce.number().int().min(0).max(60_000).default(10_000),
  /** Images of the MNIST test set used for validation accuracy each epoch. */
  validationLimit: z.coerce.number().int().min(1).max(10_000).default(2_000),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  backend: BackendRequest.default('auto'),
  /** Optimizer details, schedule, weight decay, augmentation, validation split, early stopping, checkpoints, resume: see convnet-spec.ts. */
  ...trainingOptionFields,
});

/**
 * The LeNet-5 preset defaults to the recipe that reproduces the paper: all 60,000 training images,
 * 15 epochs of Adam at 0.002 with cosine annealing and random shifts of up to 2 pixels (measured:
 * 99.2% test accuracy). Every key can still be overridden.
 */
export const LeNet5MnistParams = ConvNetTrainingParams.extend({
  epochs: ConvNetTrainingParams.shape.epochs.removeDefault().default(15),
  learningRate: ConvNetTrainingParams.shape.learningRate.removeDefault().default(0.002),
  trainLimit: ConvNetTrainingParams.shape.trainLimit.removeDefault().default(0),
  lrSchedule: LrScheduleName.default('cosine'),
  augmentShift: z.coerce.number().int().min(0).max(8).default(2),
});
export type LeNet5MnistParams = z.infer<typeof LeNet5MnistParams>;
export type ConvNetTrainingParams = z.infer<typeof ConvNetTrainingParams>;

/**
 * The convnet preset: the LeNet-5 training options on a layer stack of the user's (checked by the
 * shape inspector), on the built-in MNIST or an imported classification dataset (`dataset=ID`,
 * its own train/validation/test split) at a chosen input shape. On a dataset, the last dense
 * layer is sized to the dataset's classes when the run starts.
 */
export const ConvNetParams = ConvNetTrainingParams.extend({
  dataset: ConvNetDatasetParam.default('mnist'),
  stack: StackParamSchema.default(LENET5),
  /** H x W x C (C 1 = grey, 3 = RGB); default 28x28x1 for the built-in MNIST, 64x64x3 for a dataset. */
  input: InputShapeParam.optional(),
  /** How an image of another aspect ratio becomes H x W (dataset runs). */
  resize: ResizeMode.default('stretch'),
  /** Subtract each channel's mean and divide by its standard deviation, both measured on the training split (dataset runs). */
  normalize: z.preprocess((v) => (typeof v === 'string' ? !['false', '0', 'no', 'off'].includes(v.trim().toLowerCase()) : v), z.boolean()).default(true),
}).superRefine((p, ctx) => {
  if (isBuiltinDataset(p.dataset) && p.input !== undefined && p.input !== defaultInputFor('mnist'))
    ctx.addIssue({
      code: 'custom',
      path: ['input'],
      message: `the built-in mnist is 28x28x1; import it (mlbl import builtin:mnist) to train it at ${p.input}`,
    });
  const shape = inputShapeArray(parseInputShape(p.input ?? defaultInputFor(p.dataset)));
  const problem = stackProblem(p.stack, p.dataset, shape, isBuiltinDataset(p.dataset) ? 10 : null);
  if (problem) ctx.addIssue({ code: 'custom', path: ['stack'], message: problem });
});
export type ConvNetParams = z.infer<typeof ConvNetParams>;

/**
 * Transfer learning: a pretrained backbone (a TF.js layers model on disk, or a ConvNet run) kept
 * frozen; its features of every image of the dataset are extracted once and cached (feature sets),
 * and a new classification head (softmax regression, or one hidden layer) is trained on them with
 * the dataset's own split. Features are standardised with the training split's mean and std.
 * Defaults chosen on the validation split of flickr8k-mini's labels-dog.csv (README).
 */
export const TransferParams = z.strictObject({
  dataset: ConvNetDatasetParam,
  /** model.json (or its folder) of a TF.js layers model, or a ConvNet run id. */
  backbone: z.string().trim().min(1).max(4096),
  /** The backbone layer whose activations are the features (default: its pooled penultimate layer). */
  layer: z.string().trim().min(1).max(200).optional(),
  /** Hidden units of the head (0 = softmax regression on the features). */
  hidden: z.coerce.number().int().min(0).max(4096).default(0),
  dropout: z.coerce.number().min(0).lt(1).default(0),
  epochs: z.coerce.number().int().min(1).max(1000).default(100),
  batchSize: z.coerce.number().int().min(1).max(4096).default(32),
  learningRate: z.coerce.number().positive().max(10).default(0.001),
  /** L2 penalty on the head's kernels, added to the loss. */
  l2: z.coerce.number().min(0).max(10).default(1),
  /** Stop after this many epochs without a lower validation loss (the best epoch's head is kept); 0 = off. */
  patience: z.coerce.number().int().min(0).max(1000).default(10),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  backend: BackendRequest.default('auto'),
});
export type TransferParams = z.infer<typeof TransferParams>;

const common = {
  name: z.string().trim().max(200).optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
};

export const LeNet5MnistSpec = z.strictObject({ ...common, preset: z.literal('lenet5-mnist'), params: LeNet5MnistParams.default(LeNet5MnistParams.parse({})) });
export const ConvNetSpec = z.strictObject({ ...common, preset: z.literal('convnet'), params: ConvNetParams.default(ConvNetParams.parse({})) });
export const TransferSpec = z.strictObject({ ...common, preset: z.literal('transfer'), params: TransferParams });
/** LBL, MLBL-B, MLBL-F: the preset names the model; params.model follows it. */
export const LanguageModelSpec = z.strictObject({ ...common, preset: z.enum(LM_MODELS), params: LmParams.omit({ model: true }) }).superRefine((s, ctx) => {
  for (const i of lmInputIssues({ ...s.params, model: s.preset })) ctx.addIssue({ code: 'custom', path: ['params', i.path], message: i.message });
});

export const RunSpec = z.discriminatedUnion('preset', [LeNet5MnistSpec, ConvNetSpec, TransferSpec, LanguageModelSpec]);
export type RunSpec = z.infer<typeof RunSpec>;
export type RunSpecInput = z.input<typeof RunSpec>;
export type LeNet5MnistSpec = z.infer<typeof LeNet5MnistSpec>;
export type ConvNetSpec = z.infer<typeof ConvNetSpec>;
export type TransferSpec = z.infer<typeof TransferSpec>;
export type LanguageModelSpec = z.infer<typeof LanguageModelSpec>;

export const PRESETS = ['lenet5-mnist', 'convnet', 'transfer', ...LM_MODELS] as const;
export type PresetName = (typeof PRESETS)[number];

function paramKeys(preset: PresetName): string[] {
  if (preset === 'convnet') return Object.keys(ConvNetParams.shape);
  if (preset === 'transfer') return Object.keys(TransferParams.shape);
  return preset === 'lenet5-mnist' ? Object.keys(LeNet5MnistParams.shape) : Object.keys(LmParams.shape).filter((k) => k !== 'model');
}

/** Applies `key=value` overrides (as typed on the CLI) to a preset's params; names the bad key. */
export function applyOverrides(preset: PresetName, sets: string[]): RunSpec {
  const params: Record<string, string> = {};
  const known = paramKeys(preset);
  let name: string | undefined;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--set ${s}: expected key=value`);
    const key = s.slice(0, eq).trim();
    const value = s.slice(eq + 1).trim();
    if (key === 'name') {
      name = value;
      continue;
    }
    if (!known.includes(key)) throw new Error(`--set ${key}: unknown parameter for preset ${preset} (known: name, ${known.join(', ')})`);
    params[key] = value;
  }
  const parsed = RunSpec.safeParse({ preset, name, params });
  if (!parsed.success) throw new Error(formatZodError(parsed.error, 'spec'));
  return parsed.data;
}

/**
 * One line per problem, each naming the field path, e.g. `params.epochs: Too small`. Inputs are
 * strict objects, so a misspelt or misplaced key is an error that names the key itself
 * (`spec.epochs: unknown key`) instead of being dropped while the defaults run.
 */
export function formatZodError(error: z.ZodError, root = 'input'): string {
  const where = (path: PropertyKey[]): string => [root, ...path.map(String)].join('.');
  return error.issues
    .flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => `${where([...i.path, k])}: unknown key`) : [`${where(i.path)}: ${i.message}`]))
    .join('; ');
}
