/**
 * Parameters of a language-model run (LBL, MLBL-B, MLBL-F; MODELS.md). Defaults are the 2014
 * recipe (SGD with momentum 0.5 -> 0.9 over 20 epochs, lr 0.2, or 0.02 for MLBL-F, batch 20,
 * weight decay 1e-4 on word/factor matrices and 1e-5 on C, M, J, early stopping on validation
 * perplexity with patience 5, best weights kept) with three changes chosen on VALIDATION
 * perplexity of flickr8k-mini (seed 1, 640/80/80 images), never on its test images:
 * - sgdGradient 'sum': MODELS.md's `grad` is the batch's summed gradient, so a step is lr x the
 *   mean gradient. The authors' code passes the mean and divides by the batch again (20x slower
 *   learning at batch 20); that, not the model, kept our LBL ~10% behind (validation 24.29 after
 *   75 epochs with 'mean', 23.79 after 7 with 'sum', both at lr x 0.998).
 * - lrDecay 0.8 per epoch instead of 0.998: annealing gives LBL 22.30 (0.7: 23.28).
 * - dropout 0.5 on x: without it MLBL-B memorises its 640 training images through the image
 *   path within 4 epochs (validation 25.63, training loss far below LBL's); with it 22.03.
 * Pure TypeScript (zod).
 */
import { z } from 'zod';
import { BackendRequest } from './backend-request';

export const LM_MODELS = ['lbl', 'mlbl-b', 'mlbl-f'] as const;
export type LmModelName = (typeof LM_MODELS)[number];

const Fraction = z.coerce.number().min(0).max(0.9);
/** A boolean that also accepts the strings 'true' and 'false' (as typed on the CLI). */
const Flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const LmParams = z.strictObject({
  model: z.enum(LM_MODELS).default('mlbl-b'),
  /**
   * A captions CSV with the columns `image,caption` (Kaggle Flickr8k layout; quoted fields allowed)
   * and optionally `split` (train|validation|test for every row: the split is then taken from the
   * file, not drawn from the seed). Give exactly one of `captions` and `dataset`.
   */
  captions: z.string().min(1).max(4096).optional(),
  /**
   * An imported dataset id (`mlbl datasets`): its captions, image files and its own
   * train/validation/test split by image. The host resolves it to a captions file (and a cached
   * feature set for MLBL-B/F) before the engine starts.
   */
  dataset: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'dataset ids are letters, digits, _ and -')
    .optional(),
  /**
   * The image feature extractor for a `dataset` run of MLBL-B/F: a TF.js layers model (its
   * model.json or folder) or a ConvNet run id (its best checkpoint, penultimate dense layer).
   * Features are extracted once per (model, layer, dataset) and cached. Ignored when `features`
   * is given.
   */
  extractor: z.string().min(1).max(4096).optional(),
  /** The extractor's layer (default: the model's pooled penultimate layer, or a ConvNet's penultimate dense layer). */
  extractorLayer: z.string().min(1).max(200).optional(),
  /**
   * Image features for MLBL-B/F: the JSON header written by the feature extractor
   * (src/engine/features), rows matched to the CSV's image column by file name. Unused by LBL.
   */
  features: z.string().min(1).max(4096).optional(),
  /**
   * Transfer: start from an earlier run's word vectors R, context matrices C and word biases b
   * (a run id in the same runs folder, a run folder or a checkpoint folder), the vocabularies
   * mapped by word; words the source lacks keep a fresh initialisation. K must match.
   */
  init: z.string().min(1).max(4096).optional(),
  /**
   * Leave out every image named in this other captions CSV (by file name): e.g. a text-only
   * pretraining run on flickr8k-captions excludes all flickr8k-mini images, whose captions a later
   * run validates and tests on.
   */
  excludeImagesOf: z.string().min(1).max(4096).optional(),
  /** Context size n (words before the predicted one). */
  contextSize: z.coerce.number().int().min(1).max(25).default(5),
  /** Word vector size K. */
  K: z.coerce.number().int().min(2).max(2048).default(100),
  /** Image hidden layer h of x = ReLU(J^T im + b_j); 0 feeds the raw features (x = im, no J), as the speed benchmark does. */
  h: z.coerce.number().int().min(0).max(8192).default(256),
  /**
   * Image features as the model sees them, fitted on the training images: 'none' (raw),
   * 'center' (minus the training mean) or 'standardize' (also divided by sqrt(variance + 0.01)
   * per dimension). Needs h > 0: checkpoints fold it into J, so they still take raw features.
   */
  featureNorm: z.enum(['none', 'center', 'standardize']).default('none'),
  /** MLBL-F factors F (must be below K: W_fx, W_hf start from a rank-F truncated SVD of R). */
  factors: z.coerce.number().int().min(1).max(2048).default(50),
  /** Vocabulary: words seen at least this many times in the training captions; the rest become <unk>. */
  minCount: z.coerce.number().int().min(1).max(1000).default(2),
  optimizer: z.enum(['sgd', 'adam']).default('sgd'),
  /**
   * SGD: what `grad` is in MODELS.md's `delta <- p delta - (1-p)(lr/batch) grad`. 'sum': summed
   * over the batch's predicted words, so a step moves lr x the mean gradient. 'mean': the batch
   * mean, as the authors' code passes it (it divides by the batch size twice: 20x smaller steps
   * at batch 20). Weight decay is gamma W relative to the mean loss in both.
   */
  sgdGradient: z.enum(['sum', 'mean']).default('sum'),
  /** Learning rate; default 0.2 for LBL and MLBL-B, 0.02 for MLBL-F (SGD), 0.001 for Adam. */
  lr: z.coerce.number().positive().max(100).optional(),
  /** Per-epoch learning-rate factor (the 2014 code: 0.998; see the header for 0.8). */
  lrDecay: z.coerce.number().positive().max(1).default(0.8),
  momentumStart: z.coerce.number().min(0).max(0.999).default(0.5),
  momentumEnd: z.coerce.number().min(0).max(0.999).default(0.9),
  /** Epochs over which momentum rises linearly from momentumStart to momentumEnd. */
  momentumEpochs: z.coerce.number().int().min(1).max(1000).default(20),
  /** Weight decay on R and the factor matrices. */
  decayWords: z.coerce.number().min(0).max(1).default(1e-4),
  /** Weight decay on C, M and J. */
  decayContext: z.coerce.number().min(0).max(1).default(1e-5),
  /** Dropout on x (the code's: the mask in training, x (1 - p) at test; 2017 recipe 0.15, 2014 none); 0 = off. */
  dropout: z.coerce.number().min(0).max(0.9).default(0.5),
  /**
   * The 2014 code's optional second phase: after early stopping, train again from the same initial
   * weights on the training AND validation images until the training loss falls to the first
   * phase's at its best epoch; that model is the run's final one (src/engine/lm/retrain.ts).
   */
  retrain: Flag.default(false),
  /** Maximum epochs. */
  epochs: z.coerce.number().int().min(1).max(1000).default(100),
  batchSize: z.coerce.number().int().min(1).max(4096).default(20),
  /** Early stopping: stop after this many epochs without a better validation perplexity (0 = never stop early). */
  patience: z.coerce.number().int().min(0).max(1000).default(5),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  /** Use only the first N training images of the split (0 = all). */
  trainLimit: z.coerce.number().int().min(0).default(0),
  /** Share of the images held out for validation and for test (split by image, from the seed). */
  validationFraction: Fraction.default(0.1),
  testFraction: Fraction.default(0.1),
  /** Validation images used for perplexity (0 = all). */
  validationLimit: z.coerce.number().int().min(0).default(0),
  /** BLEU and retrieval on the validation images every this many epochs (0 = only at the end). */
  evalEvery: z.coerce.number().int().min(0).default(5),
  /** Images scored for BLEU / retrieval (0 = all of the split). */
  evalImages: z.coerce.number().int().min(0).default(100),
  /** Beam width for BLEU (1 = greedy). */
  beam: z.coerce.number().int().min(1).max(50).default(3),
  /** Longest generated caption, in words (`<end>` excluded). */
  maxLength: z.coerce.number().int().min(1).max(100).default(20),
  /** Sample captions for up to 8 fixed validation images every this many steps (0 = per epoch only). */
  sampleEvery: z.coerce.number().int().min(0).default(1000),
  /** Evaluate the best checkpoint on the test split at the end. */
  testAtEnd: Flag.default(true),
  backend: BackendRequest.default('auto'),
});
export type LmParams = z.infer<typeof LmParams>;
export type LmParamsInput = z.input<typeof LmParams>;

/**
 * Where a language-model run gets its captions and image features: exactly one of `captions` and
 * `dataset`; MLBL-B/F need `features`, or (with a dataset) an `extractor`. One entry per problem,
 * naming the param.
 */
export function lmInputIssues(p: {
  model: LmModelName;
  captions?: string;
  dataset?: string;
  features?: string;
  extractor?: string;
}): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if ((p.captions === undefined) === (p.dataset === undefined)) {
    issues.push({
      path: p.captions === undefined ? 'dataset' : 'captions',
      message: 'give exactly one of captions (an image,caption CSV) and dataset (an imported dataset id)',
    });
  }
  if (p.model !== 'lbl' && p.features === undefined) {
    if (p.dataset !== undefined && p.extractor === undefined)
      issues.push({
        path: 'extractor',
        message: `${p.model} on a dataset needs image features: set extractor (a TF.js model.json or a ConvNet run id) or features (a feature file)`,
      });
    if (p.captions !== undefined && p.dataset === undefined)
      issues.push({
        path: 'features',
        message: `${p.model} on a captions CSV needs features (a feature file made by mlbl features or the extractor); or use dataset=ID with extractor=`,
      });
  }
  if (p.extractor !== undefined && p.dataset === undefined && p.captions !== undefined)
    issues.push({ path: 'extractor', message: 'extractor works with dataset=ID (the images come from the dataset); with a captions CSV give features' });
  return issues;
}

/** The learning rate a run uses when `lr` is not given. */
export function defaultLearningRate(p: Pick<LmParams, 'model' | 'optimizer' | 'lr'>): number {
  if (p.lr !== undefined) return p.lr;
  if (p.optimizer === 'adam') return 0.001;
  return p.model === 'mlbl-f' ? 0.02 : 0.2;
}
