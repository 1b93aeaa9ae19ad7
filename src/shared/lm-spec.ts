/**
 * Parameters of a language-model run (LBL, MLBL-B, MLBL-F; MODELS.md). Defaults are the 2014
 * recipe: SGD with momentum 0.5 -> 0.9 over 20 epochs, lr 0.2 (0.02 for MLBL-F) x 0.998 per
 * epoch, batch 20, weight decay 1e-4 on word/factor matrices and 1e-5 on C, M, J, early stopping
 * with patience 5. Pure TypeScript (zod).
 */
import { z } from 'zod';
import { BackendRequest } from './backend-request';

export const LM_MODELS = ['lbl', 'mlbl-b', 'mlbl-f'] as const;
export type LmModelName = (typeof LM_MODELS)[number];

const Fraction = z.coerce.number().min(0).max(0.9);
/** A boolean that also accepts the strings 'true' and 'false' (as typed on the CLI). */
const Flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const LmParams = z.object({
  model: z.enum(LM_MODELS).default('mlbl-b'),
  /** A captions CSV with the columns `image,caption` (Kaggle Flickr8k layout; quoted fields allowed). */
  captions: z.string().min(1).max(4096),
  /**
   * Image features for MLBL-B/F: the JSON header written by the feature extractor
   * (src/engine/features), rows matched to the CSV's image column by file name. Unused by LBL.
   */
  features: z.string().min(1).max(4096).optional(),
  /** Context size n (words before the predicted one). */
  contextSize: z.coerce.number().int().min(1).max(25).default(5),
  /** Word vector size K. */
  K: z.coerce.number().int().min(2).max(2048).default(100),
  /** Image hidden layer h of x = ReLU(J^T im + b_j); 0 feeds the raw features (x = im, no J), as the speed benchmark does. */
  h: z.coerce.number().int().min(0).max(8192).default(256),
  /** MLBL-F factors F (must be below K: W_fx, W_hf start from a rank-F truncated SVD of R). */
  factors: z.coerce.number().int().min(1).max(2048).default(50),
  /** Vocabulary: words seen at least this many times in the training captions; the rest become <unk>. */
  minCount: z.coerce.number().int().min(1).max(1000).default(2),
  optimizer: z.enum(['sgd', 'adam']).default('sgd'),
  /** Learning rate; default 0.2 for LBL and MLBL-B, 0.02 for MLBL-F (SGD), 0.001 for Adam. */
  lr: z.coerce.number().positive().max(100).optional(),
  /** Per-epoch learning-rate factor. */
  lrDecay: z.coerce.number().positive().max(1).default(0.998),
  momentumStart: z.coerce.number().min(0).max(0.999).default(0.5),
  momentumEnd: z.coerce.number().min(0).max(0.999).default(0.9),
  /** Epochs over which momentum rises linearly from momentumStart to momentumEnd. */
  momentumEpochs: z.coerce.number().int().min(1).max(1000).default(20),
  /** Weight decay on R and the factor matrices. */
  decayWords: z.coerce.number().min(0).max(1).default(1e-4),
  /** Weight decay on C, M and J. */
  decayContext: z.coerce.number().min(0).max(1).default(1e-5),
  /** Dropout on x (2017 recipe: 0.15); 0 = off. */
  dropout: z.coerce.number().min(0).max(0.9).default(0),
  /** Maximum epochs. */
  epochs: z.coerce.number().int().min(1).max(1000).default(100),
  batchSize: z.coerce.number().int().min(1).max(4096).default(20),
  /** Early stopping: stop after this many epochs without a better validation perplexity (0 = never stop early). */
  patience: z.coerce.number().int().min(0).max(1000).default(5),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(1),
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

/** The learning rate a run uses when `lr` is not given. */
export function defaultLearningRate(p: Pick<LmParams, 'model' | 'optimizer' | 'lr'>): number {
  if (p.lr !== undefined) return p.lr;
  if (p.optimizer === 'adam') return 0.001;
  return p.model === 'mlbl-f' ? 0.02 : 0.2;
}
