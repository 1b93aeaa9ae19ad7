/**
 * Words a user knows for the keys the engine and the spec use (issue 18, problem 7): metric keys
 * (`val_i2t_r1`) and spec keys (`lrSchedule`), with units and, for metrics, which way is better.
 * Every page labels metrics and spec keys through this module.
 */

export type MetricGoal = 'min' | 'max';

interface MetricInfo {
  /** "Image→text recall@1": the metric's name without its split. */
  name: string;
  goal: MetricGoal | null;
  /** A fraction in [0, 1], shown as a percentage. */
  fraction: boolean;
}

const SPLITS: Record<string, string> = { val: 'Validation', test: 'Test', train: 'Training' };
const DIRECTIONS: Record<string, string> = { i2t: 'Image→text', t2i: 'Text→image' };

// Names of the metrics the engines record (src/engine/lm/train.ts, src/engine/convnet).
const BASE: Record<string, MetricInfo> = {
  loss: { name: 'loss', goal: 'min', fraction: false },
  epoch_loss: { name: 'loss per epoch', goal: 'min', fraction: false },
  accuracy: { name: 'accuracy', goal: 'max', fraction: true },
  perplexity: { name: 'perplexity', goal: 'min', fraction: false },
  bleu: { name: 'BLEU', goal: 'max', fraction: false },
  learning_rate: { name: 'learning rate', goal: null, fraction: false },
  momentum: { name: 'momentum', goal: null, fraction: false },
  images_per_s: { name: 'images per second', goal: null, fraction: false },
  words_per_s: { name: 'words per second', goal: null, fraction: false },
};

// Keys not named above: a goal from the words in them (losses, errors and ranks down; accuracies, BLEU, recall up).
const MIN_RE = /(loss|perplexity|ppl|error|err|rank|medr|mse|mae|rmse|nll|_ms|seconds|time)($|_|\d)/i;
const MAX_RE = /(acc|accuracy|bleu|r@\d+|r_at_\d+|recall|precision|f1|auc|map|cider|meteor|rouge|top\d+)($|_|\d|@)/i;
const FRACTION_RE = /(^|_)(acc|accuracy|top\d+)($|_)/i;

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** What a metric key means: split, name, direction; unknown keys get their words back. */
export function metricInfo(key: string): MetricInfo & { split: string | null } {
  const m = /^(val|test|train)_(.+)$/.exec(key);
  const split = m ? (SPLITS[m[1] as string] as string) : null;
  const rest = m ? (m[2] as string) : key;
  const known = BASE[rest];
  if (known) return { ...known, split };
  const bleu = /^bleu([1-4])$/.exec(rest);
  if (bleu) return { name: `BLEU-${bleu[1]}`, goal: 'max', fraction: false, split };
  const retrieval = /^(i2t|t2i)_(r(\d+)|medr)$/.exec(rest);
  if (retrieval) {
    const dir = DIRECTIONS[retrieval[1] as string] as string;
    if (retrieval[3]) return { name: `${dir} recall@${retrieval[3]}`, goal: 'max', fraction: true, split };
    return { name: `${dir} median rank`, goal: 'min', fraction: false, split };
  }
  const goal = MAX_RE.test(key) ? 'max' : MIN_RE.test(key) ? 'min' : null;
  return { name: rest.replace(/_/g, ' '), goal, fraction: FRACTION_RE.test(key), split };
}

/** "Validation image→text recall@1": the metric's name, with its split. */
export function metricName(key: string): string {
  const { split, name } = metricInfo(key);
  if (!split) return capitalize(name);
  return `${split} ${name.startsWith('BLEU') ? name : name.charAt(0).toLowerCase() + name.slice(1)}`;
}

/** "Validation image→text recall@1 (higher is better)": the name and which way is better. */
export function metricLabel(key: string): string {
  const { goal } = metricInfo(key);
  const name = metricName(key);
  return goal ? `${name} (${goal === 'max' ? 'higher' : 'lower'} is better)` : name;
}

/** Whether lower or higher is better; null when "best" means nothing (learning rate, throughput). */
export function metricGoal(key: string): MetricGoal | null {
  return metricInfo(key).goal;
}

/** Metrics shown as percentages: accuracies, recall and other fractions in [0, 1]. */
export function isFractionMetric(key: string): boolean {
  return metricInfo(key).fraction;
}

// The spec keys of every preset (src/shared/run-spec.ts, convnet-spec.ts, lm-spec.ts), with units.
const PARAMS: Record<string, string> = {
  name: 'Name',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  lr: 'Learning rate',
  optimizer: 'Optimizer',
  trainLimit: 'Training-set limit',
  validationLimit: 'Validation images',
  seed: 'Seed',
  backend: 'Backend',
  momentum: 'Momentum',
  lrSchedule: 'Learning-rate schedule',
  lrStepEpochs: 'Learning-rate step (epochs)',
  lrGamma: 'Learning-rate factor per step',
  lrMin: 'Lowest learning rate',
  weightDecay: 'Weight decay',
  augmentShift: 'Random shift (pixels)',
  augmentFlip: 'Random horizontal flips',
  validationSplit: 'Held out for validation (fraction)',
  patience: 'Early stopping after (epochs without improvement)',
  monitor: 'Best means',
  checkpointEvery: 'Checkpoint every (epochs)',
  resumeFrom: 'Resumed from',
  testLimit: 'Test images',
  dataset: 'Dataset',
  stack: 'Layers',
  model: 'Model',
  captions: 'Captions file',
  extractor: 'Image feature extractor',
  extractorLayer: 'Extractor layer',
  features: 'Image features file',
  init: 'Word vectors from',
  excludeImagesOf: 'Leaves out the images of',
  contextSize: 'Context (words)',
  K: 'Word vector size',
  h: 'Image hidden units',
  featureNorm: 'Image feature normalisation',
  factors: 'Factors',
  minCount: 'Vocabulary: words seen at least (times)',
  sgdGradient: 'SGD gradient over the batch',
  lrDecay: 'Learning-rate factor per epoch',
  momentumStart: 'Momentum at the start',
  momentumEnd: 'Momentum at the end',
  momentumEpochs: 'Momentum rises over (epochs)',
  decayWords: 'Weight decay on word vectors',
  decayContext: 'Weight decay on context and image matrices',
  dropout: 'Dropout (fraction)',
  retrain: 'Retrain on training + validation',
  validationFraction: 'Validation images (fraction)',
  testFraction: 'Test images (fraction)',
  evalEvery: 'BLEU and retrieval every (epochs)',
  evalImages: 'Images scored for BLEU and retrieval',
  beam: 'Beam width',
  maxLength: 'Longest caption (words)',
  sampleEvery: 'Sample captions every (steps)',
  testAtEnd: 'Test at the end',
};

/** A spec key in words: `lrSchedule` -> "Learning-rate schedule"; an unknown key's camelCase split into words. */
export function paramLabel(key: string): string {
  return PARAMS[key] ?? capitalize(key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase());
}
