/**
 * The ConvNet new-run form's schema: its training fields as typed in, a RunSpec validated by the
 * shared zod schema (run-spec.ts) or per-field messages naming the field out (convNetFormSchema
 * wraps it for react-hook-form). The stack comes
 * from stack-form.ts. An unmodified LeNet-5 on MNIST is submitted as the `lenet5-mnist` preset
 * (the CLI's preset, same numbers as in the README); any other stack as `convnet`.
 */
import {
  CONVNET_DATASETS,
  TRAINING_DEFAULTS,
  defaultInputFor,
  resolveTrainingOptions,
  type LrScheduleName,
  type MonitorName,
  type OptimizerName,
} from '../../../shared/convnet-spec';
import { LENET5, type LayerStack } from '../../../shared/layer-spec';
import { inputShapeToString, parseInputShape, type ResizeMode } from '../../../shared/image-input';
import { BackendRequest, ConvNetParams, ConvNetTrainingParams, LeNet5MnistParams, RunSpec } from '../../../shared/run-spec';
import { sameStack } from './stack-form';
import { formSchema, inFormOrder, type FieldErrors } from '../../ui/form/form-schema';
import { humanize } from '../../ui/form/zod-messages';

export interface TrainingFields {
  name: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  optimizer: OptimizerName;
  momentum: string;
  lrSchedule: LrScheduleName;
  lrStepEpochs: string;
  lrGamma: string;
  lrMin: string;
  weightDecay: string;
  trainLimit: string;
  validationSplit: string;
  validationLimit: string;
  testLimit: string;
  seed: string;
  augmentShift: string;
  augmentFlip: boolean;
  augmentCrop: string;
  augmentBrightness: string;
  augmentContrast: string;
  normalize: boolean;
  patience: string;
  monitor: MonitorName;
  checkpointEvery: string;
  backend: BackendRequest;
}
export type TrainingField = keyof TrainingFields;
export type TrainingErrors = FieldErrors<TrainingField>;

/** Labels, in the order of the form (errors are reported in this order). */
export const TRAINING_LABELS: Record<TrainingField, string> = {
  name: 'Name',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  optimizer: 'Optimizer',
  learningRate: 'Learning rate',
  momentum: 'Momentum',
  lrSchedule: 'Learning-rate schedule',
  lrStepEpochs: 'Step every (epochs)',
  lrGamma: 'Step factor',
  lrMin: 'Final learning rate',
  weightDecay: 'Weight decay',
  trainLimit: 'Training-set limit',
  validationSplit: 'Validation split',
  validationLimit: 'Validation images',
  testLimit: 'Test images',
  seed: 'Seed',
  augmentShift: 'Random shift (pixels)',
  augmentFlip: 'Random horizontal flips',
  augmentCrop: 'Random crop (fraction per side)',
  augmentBrightness: 'Random brightness (±)',
  augmentContrast: 'Random contrast (±)',
  normalize: 'Normalise each channel',
  patience: 'Early-stopping patience',
  monitor: 'Best epoch by',
  checkpointEvery: 'Checkpoint every (epochs)',
  backend: 'Backend',
};

export const TRAINING_HINTS: Partial<Record<TrainingField, string>> = {
  name: 'Optional; shown in the runs list.',
  epochs: '1–200 passes over the training images.',
  batchSize: 'Images per step (1–4096).',
  learningRate: 'Step size of the optimizer, e.g. 0.001 (Adam) or 0.01 (SGD).',
  momentum: 'Heavy-ball momentum of SGD, 0 ≤ m < 1 (0 = plain SGD).',
  lrSchedule: 'How the learning rate changes from epoch to epoch.',
  lrStepEpochs: 'Multiply the rate by the step factor every N epochs.',
  lrGamma: 'E.g. 0.1: a tenth of the rate after each step.',
  lrMin: 'Cosine annealing ends here after the last epoch.',
  weightDecay: 'Decoupled decay of the kernels after each step (0 = off), e.g. 0.0005.',
  trainLimit: 'Use only the first N of the 60,000 MNIST training images (0 = all).',
  validationSplit: 'Fraction of the training images held out for validation (0–0.5); 0 = use MNIST test images.',
  validationLimit: 'MNIST test images scored for validation after each epoch (when the split is 0).',
  testLimit: 'MNIST test images for the final confusion matrix (0 = skip it).',
  seed: 'Initialisation, shuffling and augmentation seed: same seed, same backend, same loss curve.',
  augmentShift: 'Shift each training image by up to N pixels (0–8, 0 = off).',
  augmentFlip: 'Mirror training images at random: for photos, not digits (a mirrored digit is another symbol).',
  augmentCrop: 'Crop up to this fraction of each side at random and resample to the input size (0–0.5, 0 = off), e.g. 0.15.',
  augmentBrightness: 'Add up to ± this to the [0, 1] pixel values (0–1, 0 = off), e.g. 0.1.',
  augmentContrast: "Scale the pixels about the image's mean by 1 ± this (0–1, 0 = off), e.g. 0.2.",
  normalize: "Subtract each channel's mean and divide by its standard deviation, both measured on the training split.",
  patience: 'Stop after N epochs without improvement (0 = never stop early).',
  monitor: 'What "best" means for early stopping and the best checkpoint.',
  checkpointEvery: 'Write a checkpoint every N epochs (the best is always kept; 0 = none). The activation viewer reads them.',
  backend: 'auto picks tensorflow > wasm > cpu.',
};

const NUMERIC: readonly TrainingField[] = [
  'epochs',
  'batchSize',
  'learningRate',
  'momentum',
  'lrStepEpochs',
  'lrGamma',
  'lrMin',
  'weightDecay',
  'trainLimit',
  'validationSplit',
  'validationLimit',
  'testLimit',
  'seed',
  'augmentShift',
  'augmentCrop',
  'augmentBrightness',
  'augmentContrast',
  'patience',
  'checkpointEvery',
];

/** The training options (convnet-spec.ts) this form sets; left out of the spec when they keep their default. */
const OPTION_FIELDS = [
  'momentum',
  'lrSchedule',
  'lrStepEpochs',
  'lrGamma',
  'lrMin',
  'weightDecay',
  'augmentShift',
  'augmentFlip',
  'augmentCrop',
  'augmentBrightness',
  'augmentContrast',
  'validationSplit',
  'patience',
  'monitor',
  'checkpointEvery',
  'testLimit',
] as const satisfies readonly (TrainingField & keyof typeof TRAINING_DEFAULTS)[];

/**
 * What a preset runs with when its spec leaves a training option out: its own schema default
 * (LeNet-5: cosine schedule, shift 2), else TRAINING_DEFAULTS. The form starts from these and
 * leaves out only options equal to them, so the run uses exactly what the form showed.
 */
export function presetOptionDefaults(preset: 'lenet5-mnist' | 'convnet') {
  const schema = preset === 'lenet5-mnist' ? LeNet5MnistParams : ConvNetTrainingParams;
  return resolveTrainingOptions(schema.parse({}));
}

export function defaultTrainingFields(): TrainingFields {
  return trainingFieldsFrom(null);
}

/**
 * The fields showing `spec` (a ConvNet run's, for "Clone run"): its values where it has them, its
 * preset's defaults elsewhere; null gives the LeNet-5 defaults.
 */
export function trainingFieldsFrom(spec: RunSpec | null): TrainingFields {
  const convnet = spec?.preset === 'convnet';
  const raw = spec && (spec.preset === 'convnet' || spec.preset === 'lenet5-mnist') ? (spec.params as Record<string, unknown>) : {};
  // A spec stored by an older version may not parse any more: its preset's defaults then.
  const schema = convnet ? ConvNetTrainingParams : LeNet5MnistParams;
  const parsed = schema.safeParse(convnet ? withoutStack(raw) : raw);
  const d = parsed.success ? parsed.data : schema.parse({});
  const o = resolveTrainingOptions(d);
  return {
    name: spec?.name ?? '',
    epochs: String(d.epochs),
    batchSize: String(d.batchSize),
    learningRate: String(d.learningRate),
    optimizer: d.optimizer,
    momentum: String(o.momentum),
    lrSchedule: o.lrSchedule,
    lrStepEpochs: String(o.lrStepEpochs),
    lrGamma: String(o.lrGamma),
    lrMin: String(o.lrMin),
    weightDecay: String(o.weightDecay),
    trainLimit: String(d.trainLimit),
    validationSplit: String(o.validationSplit),
    validationLimit: String(d.validationLimit),
    testLimit: String(o.testLimit),
    seed: String(d.seed),
    augmentShift: String(o.augmentShift),
    augmentFlip: o.augmentFlip,
    augmentCrop: String(o.augmentCrop),
    augmentBrightness: String(o.augmentBrightness),
    augmentContrast: String(o.augmentContrast),
    normalize: true,
    patience: String(o.patience),
    monitor: o.monitor,
    checkpointEvery: String(o.checkpointEvery),
    backend: d.backend,
  };
}

/** Options only an imported dataset's input pipeline has (the built-in MNIST trains without them). */
const DATASET_ONLY: readonly TrainingField[] = ['augmentCrop', 'augmentBrightness', 'augmentContrast', 'normalize'];

/**
 * The measured recipe for an imported photo dataset (README: the small photo ConvNet at 64x64x3,
 * 20 epochs of Adam 0.001, batch 64, flips and crops of up to 0.15): the convnet preset's defaults
 * with those changes, over the fields as they are (name, seed, backend kept).
 */
export function datasetRecipeFields(f: TrainingFields): TrainingFields {
  const d = ConvNetTrainingParams.parse({});
  const o = presetOptionDefaults('convnet');
  return {
    ...f,
    epochs: '20',
    batchSize: String(d.batchSize),
    learningRate: String(d.learningRate),
    optimizer: d.optimizer,
    lrSchedule: o.lrSchedule,
    weightDecay: String(o.weightDecay),
    augmentShift: String(o.augmentShift),
    augmentFlip: true,
    augmentCrop: '0.15',
    augmentBrightness: String(o.augmentBrightness),
    augmentContrast: String(o.augmentContrast),
    normalize: true,
  };
}

/** Fields that do something with the current choices (momentum only for SGD, and so on); the form hides the others. */
export function visibleTrainingFields(f: TrainingFields, dataset = 'mnist'): Set<TrainingField> {
  const all = new Set(Object.keys(TRAINING_LABELS) as TrainingField[]);
  if (dataset === 'mnist') for (const k of DATASET_ONLY) all.delete(k);
  if (f.optimizer !== 'sgd') all.delete('momentum');
  if (f.lrSchedule !== 'step') {
    all.delete('lrStepEpochs');
    all.delete('lrGamma');
  }
  if (f.lrSchedule !== 'cosine') all.delete('lrMin');
  const split = Number(f.validationSplit.trim());
  if (f.validationSplit.trim() !== '' && Number.isFinite(split) && split > 0) all.delete('validationLimit');
  return all;
}

export type BuiltSpec = { ok: true; spec: RunSpec; preset: 'lenet5-mnist' | 'convnet' } | { ok: false; errors: TrainingErrors; stackError: string | null };

/** The preset a stack is submitted as: the unmodified LeNet-5 on MNIST is `lenet5-mnist`. */
export function presetFor(stack: LayerStack | null, dataset: string): 'lenet5-mnist' | 'convnet' {
  return stack !== null && dataset === 'mnist' && sameStack(stack, LENET5) ? 'lenet5-mnist' : 'convnet';
}

/**
 * Validates the visible fields with the shared RunSpec schema. `stack` null means the stack
 * editor has its own errors (the spec is not built). Messages start with the field's label.
 */
/** An imported dataset's input: its shape (HxWxC) and resize mode; the built-in MNIST has none. */
export interface DatasetInput {
  input: string;
  resize: ResizeMode;
}

export function buildConvNetSpec(f: TrainingFields, stack: LayerStack | null, dataset: string, datasetInput?: DatasetInput): BuiltSpec {
  const visible = visibleTrainingFields(f, dataset);
  const errors: TrainingErrors = {};
  const params: Record<string, unknown> = {};
  for (const k of NUMERIC) {
    if (!visible.has(k)) continue;
    const v = (f[k] as string).trim();
    if (v === '') errors[k] = `${TRAINING_LABELS[k]} is required`;
    else params[k] = v;
  }
  params.optimizer = f.optimizer;
  params.backend = f.backend;
  params.lrSchedule = f.lrSchedule;
  params.monitor = f.monitor;
  params.augmentFlip = f.augmentFlip;
  const preset = presetFor(stack, dataset);
  if (preset === 'lenet5-mnist' && datasetInput && !sameInput(datasetInput.input, defaultInputFor('mnist'))) {
    // LeNet-5's preset has no input parameter: check the typed input as the convnet preset would.
    const p = ConvNetParams.safeParse({ dataset, stack, input: datasetInput.input });
    const issue = p.success ? null : p.error.issues.find((i) => i.path[0] === 'input' || i.path[0] === 'stack');
    if (issue) return { ok: false, errors: {}, stackError: issue.message };
  }
  if (preset === 'convnet') {
    params.dataset = dataset;
    if (dataset !== 'mnist' && datasetInput) {
      params.input = datasetInput.input;
      params.resize = datasetInput.resize;
      if (!f.normalize) params.normalize = false;
    } else if (datasetInput && !sameInput(datasetInput.input, defaultInputFor('mnist'))) {
      // The inspector follows any typed input; the built-in MNIST refuses one it cannot train (the schema's message).
      params.input = datasetInput.input;
    }
    // A placeholder that passes the schema when the editor has errors, so the other fields still get checked.
    params.stack = stack ?? placeholderStack(dataset);
  }
  const name = f.name.trim();
  const parsed = RunSpec.safeParse({ preset, name: name === '' ? undefined : name, params });
  let stackError: string | null = null;
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      const key = (path[0] === 'params' ? path[1] : path[0]) as string | undefined;
      if (key === 'stack' || key === 'input') {
        stackError ??= issue.message;
      } else if (key && key in TRAINING_LABELS) {
        const field = key as TrainingField;
        errors[field] ??= `${TRAINING_LABELS[field]}: ${humanize(issue.message)}`;
      } else {
        errors.name ??= `${path.join('.') || 'spec'}: ${issue.message}`;
      }
    }
  }
  if (parsed.success && stack !== null && Object.keys(errors).length === 0) {
    return { ok: true, spec: withoutDefaults(parsed.data, visible, presetOptionDefaults(preset)), preset };
  }
  return { ok: false, errors: inFormOrder(errors, TRAINING_LABELS), stackError };
}

/** The form's schema for react-hook-form: fields in, the spec and the preset it runs as out. */
export function convNetFormSchema(stack: LayerStack | null, dataset: string, datasetInput?: DatasetInput) {
  return formSchema((f: TrainingFields) => {
    const b = buildConvNetSpec(f, stack, dataset, datasetInput);
    return b.ok ? { ok: true, value: { spec: b.spec, preset: b.preset } } : { ok: false, errors: b.errors };
  });
}

/**
 * The parsed spec without the training options that keep the preset's default or do nothing (the
 * spec records what the user chose; the preset's default is what it would run with anyway).
 */
function withoutDefaults(spec: RunSpec, visible: Set<TrainingField>, defaults: typeof TRAINING_DEFAULTS): RunSpec {
  const params = { ...spec.params } as Record<string, unknown>;
  for (const k of OPTION_FIELDS) {
    if (params[k] === undefined) continue;
    if (!visible.has(k) || params[k] === defaults[k]) delete params[k];
  }
  return { ...spec, params } as RunSpec;
}

function withoutStack(params: Record<string, unknown>): Record<string, unknown> {
  const { stack: _stack, dataset: _dataset, ...rest } = params;
  return rest;
}

/** Two typed input shapes name the same HxWxC (an unreadable one differs, so the schema reports it). */
function sameInput(a: string, b: string): boolean {
  try {
    return inputShapeToString(parseInputShape(a)) === inputShapeToString(parseInputShape(b));
  } catch {
    return false;
  }
}

function placeholderStack(dataset: string): LayerStack {
  // An imported dataset's last dense layer is sized to its classes when the run starts.
  return [{ type: 'flatten' }, { type: 'dense', units: dataset === 'mnist' ? CONVNET_DATASETS.mnist.classes : 2, activation: 'linear', useBias: true }];
}
