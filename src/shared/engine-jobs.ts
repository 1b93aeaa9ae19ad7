/**
 * Short jobs an engine process runs outside any training run, for the host: feature extraction
 * (src/engine/features/main-extract.ts) and language-model evaluation, decoding and retrieval
 * from a checkpoint (src/engine/lm/serve.ts). Sent as `{ type: 'job' }` (engine-protocol.ts),
 * answered by `job-progress` messages and one `job-done` with the same requestId. Paths are
 * chosen by the host (from SQLite), never by a client.
 */
import type { CaptionWord } from './api';

/** Extract (or resume extracting) one layer's features for image files. */
export interface FeatureJob {
  kind: 'features';
  /** TF.js layers model: model.json or its folder. */
  model: string;
  /** Layer name; the engine picks the model's default feature layer when absent. */
  layer?: string;
  imagesDir: string;
  /** File names relative to imagesDir, one feature row each. */
  images: string[];
  /** The feature file goes to `<outDir>/<layer>.json` (+ `.f32`); an existing one is resumed. */
  outDir: string;
  batchSize?: number;
}

export interface FeatureJobProgress {
  layer: string;
  dim: number;
  header: string;
  done: number;
  total: number;
  /** Images already in the file when this job started (a resumed extraction). */
  skipped: number;
  failed: number;
  imagesPerSecond: number;
}

export interface FeatureJobResult {
  layer: string;
  dim: number;
  header: string;
  /** Rows in the file (images with features). */
  rows: number;
  total: number;
  failed: number;
  /** Rows computed by this job (the rest were already there). */
  computed: number;
  stopped: boolean;
  /** Seconds spent extracting (after the model loaded). */
  seconds: number;
  imagesPerSecond: number;
  modelPath: string;
}

/** An image of a language-model job with its reference captions. */
export interface LmImageRef {
  /** The image's name in the feature file (a dataset item's path relative to its images folder). */
  key: string;
  /** The file on disk, for extracting features when the feature file lacks this image. */
  file?: string;
  itemId?: number;
  captions: string[];
}

/** Where a job's images and captions come from. */
export type LmSource =
  /** A dataset split resolved by the host (its images, captions and feature file). */
  | { kind: 'images'; images: LmImageRef[]; features: string | null }
  /** A run trained on a captions CSV: the engine redoes the run's own split (same seed and fractions). */
  | {
      kind: 'csv';
      captions: string;
      features: string | null;
      seed: number;
      validationFraction: number;
      testFraction: number;
      split: 'train' | 'validation' | 'test' | 'all';
      excludeImagesOf?: string;
    };

/** One image to decode or to query with. */
export type LmImageInput =
  | { file: string }
  /** An image as a data URL (`data:image/...;base64,...`), e.g. dropped in the UI. */
  | { dataUrl: string }
  /** A row of a feature file (falls back to extracting `file` when the row is missing). */
  | { features: string; key: string; file?: string };

export interface LmEvalJob {
  kind: 'lm-eval';
  checkpointDir: string;
  source: LmSource;
  beam: number;
  maxLength: number;
}

export interface LmRankStats {
  r1: number;
  r5: number;
  r10: number;
  medr: number;
  queries: number;
}

export interface LmEvalResult {
  perplexity: number;
  /** Predicted words scored (`<end>` included). */
  words: number;
  images: number;
  captions: number;
  /** Images of the source left out because they have no features. */
  missingFeatures: number;
  bleu: [number, number, number, number];
  beam: number;
  /** null for LBL (no image path). */
  retrieval: { textToImage: LmRankStats; imageToText: LmRankStats } | null;
  checkpoint: { epoch: number; step: number; model: string };
  seconds: number;
}

export interface LmDecodeJob {
  kind: 'lm-decode';
  checkpointDir: string;
  images: LmImageInput[];
  method: 'greedy' | 'beam' | 'sample';
  beam: number;
  temperature: number;
  /** Sampling among the k most probable words (0 = all). */
  topK: number;
  maxLength: number;
  seed: number;
}

export interface LmDecoded {
  text: string;
  words: CaptionWord[];
  logProb: number;
  method: 'greedy' | 'beam' | 'sample';
}
export interface LmDecodeResult {
  captions: LmDecoded[];
}

/**
 * Retrieval among a split's images and captions (MODELS.md): for an image, the split's captions
 * ranked by perplexity given the image divided by perplexity given the mean training image; for
 * a sentence, the split's images ranked by the sentence's perplexity given each image.
 */
export interface LmRetrieveJob {
  kind: 'lm-retrieve';
  checkpointDir: string;
  source: Extract<LmSource, { kind: 'images' }>;
  query: { image: LmImageInput } | { sentence: string };
  limit: number;
}

/** `image`: index into source.images; `caption`: index into that image's captions (image -> text). Lower score = better (a perplexity or a perplexity ratio). */
export interface LmRetrieveHit {
  image: number;
  caption?: number;
  score: number;
}
export interface LmRetrieveResult {
  hits: LmRetrieveHit[];
  candidates: number;
  missingFeatures: number;
}

/** Beam-search captions for every image of a source (exports; BLEU by hand). */
export interface LmCaptionSplitJob {
  kind: 'lm-caption-split';
  checkpointDir: string;
  source: LmSource;
  beam: number;
  maxLength: number;
}
/** A caption-split job's `job-progress`: images captioned so far of those it captions (the export's phase bar). */
export interface LmCaptionSplitProgress {
  done: number;
  total: number;
}
/** `index`: the image's position in the source (images without features are left out). */
export interface LmCaptionSplitResult {
  captions: { index: number; image: string; text: string; logProb: number }[];
  missingFeatures: number;
}

/**
 * Evaluate a classifier checkpoint on the images of a ClassifierInputs file the host wrote
 * (items already of the chosen split, labels already mapped onto the run's classes).
 */
export interface ClassifierEvalJob {
  kind: 'classifier-eval';
  checkpointDir: string;
  inputsFile: string;
}

export interface ClassifierEvalResult {
  count: number;
  accuracy: number;
  loss: number;
  labels: string[];
  confusion: number[][];
  failed: number;
  mistakes: import('./classifier-metrics').Mistake[];
}

/** Top-k labels (and a saliency map) for image files or bytes. */
export interface ClassifierPredictJob {
  kind: 'classifier-predict';
  checkpointDir: string;
  images: { name: string; file?: string; base64?: string }[];
  topK: number;
  saliency: boolean;
}

export type EngineJob = FeatureJob | LmEvalJob | LmDecodeJob | LmRetrieveJob | LmCaptionSplitJob | ClassifierEvalJob | ClassifierPredictJob;
