/**
 * The one contract between the renderer and the Node side. Every method and event is declared
 * here once; the preload, the IPC binding, the WebSocket server and the renderer client are all
 * typed from these declarations.
 */
import type { RunPhase } from './run-phase';
import { z } from 'zod';
import type { EVENT_NAMES } from './api-wire';
import { RunSpec } from './run-spec';
import { activationsQueryFields, CheckpointChoice, type ActivationMaps, type ConfusionReport } from './convnet-spec';
import { EvalSplit, type ClassifierEvaluation, type Prediction } from './classifier-metrics';
import {
  DatasetId,
  ImportOptions,
  ImportSource,
  ItemsQuery,
  SplitSpec,
  StatsQuery,
  ThumbnailQuery,
  type DatasetInfo,
  type DatasetItemDetail,
  type DatasetStats,
  type ImportPreview,
  type ImportProgress,
  type ImportReport,
  type ItemsPage,
  type SkippedItem,
  type Thumbnail,
} from './dataset-schema';

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'stopped', 'interrupted', 'diverged'] as const;
/** paused: stopped at a checkpoint on request, resumable; diverged: a NaN or infinite loss ended it (last good checkpoint kept). */
export type RunStatus = (typeof RUN_STATUSES)[number];
export const isTerminal = (s: RunStatus): boolean => s !== 'queued' && s !== 'running';

export interface RunRecord {
  id: string;
  name: string;
  preset: string;
  spec: RunSpec;
  status: RunStatus;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  backend: string | null;
  seed: number | null;
  error: string | null;
  exitCode: number | null;
  tags: string[];
  notes: string;
  /** Last value of every metric key, e.g. { loss: 0.21, val_accuracy: 0.97 }. */
  summary: Record<string, number>;
  queuePosition: number | null;
  /**
   * Time spent training: the sum of the run's closed running intervals (ms), plus `now -
   * runningSince` while it runs. Paused, stopped and queued time is not counted. Absent from
   * records of hosts older than this field.
   */
  activeMs?: number;
  runningSince?: number | null;
  /** The long phase outside the epochs that the run is in (features, decoding, export), while it lasts. */
  phase?: RunPhase | null;
  /**
   * The other live workbench process on this data directory that has this run queued or running
   * (a CLI `mlbl train` beside `mlbl serve`): stop, pause and delete belong to it. Absent or null
   * when the answering process owns the run or the run is not active.
   */
  owner?: { pid: number; machine: string } | null;
}

export interface MetricPoint {
  step: number;
  epoch: number;
  wallTime: number;
  value: number;
}
export interface MetricSeries {
  key: string;
  total: number;
  points: MetricPoint[];
}
export interface SampleRecord {
  id: number;
  runId: string;
  step: number;
  epoch: number;
  kind: string;
  text: string;
  data: unknown;
  createdAt: number;
}
export interface ArtefactRecord {
  id: number;
  runId: string;
  kind: string;
  step: number;
  epoch: number;
  meta: Record<string, unknown>;
  createdAt: number;
}
export interface FilterSnapshot {
  epoch: number;
  kernel: [number, number];
  channels: number;
  count: number;
  /** per filter, kh*kw*channels values in [0,1], HWC order */ filters: number[][];
}
export interface LogRecord {
  runId: string;
  ts: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}
export interface DatasetRecord {
  id: string;
  name: string;
  kind: string;
  source: string;
  createdAt: number;
  stats: Record<string, unknown>;
}
/** A dataset as listed: the stored record plus its format, counts, split and classes. */
export type DatasetSummary = DatasetRecord & DatasetInfo;
export interface SystemInfo {
  versions: Record<string, string>;
  dataDir: string;
  transport: 'ipc' | 'websocket';
  backends: { name: string; available: boolean; reason?: string }[];
  defaultBackend: string;
  concurrency: number;
}

/** One decoded word with its model probability and the five most probable alternatives. */
export interface CaptionWord {
  word: string;
  p: number;
  top: { word: string; p: number }[];
}
export interface DecodedCaption {
  text: string;
  words: CaptionWord[];
  logProb: number;
  method: 'greedy' | 'beam' | 'sample';
  checkpoint: string;
}
export interface CheckpointInfo {
  id: string;
  label: string;
  epoch: number;
  step: number;
  best: boolean;
}
export interface RetrievalHit {
  itemId: number;
  image: string;
  caption?: string;
  score: number;
}
/** A cached feature matrix: one row per image of a dataset, from (model, layer). */
export interface FeatureSetRecord {
  id: string;
  datasetId: string;
  model: string;
  layer: string;
  dim: number;
  rows: number;
  complete: boolean;
  path: string;
  createdAt: number;
}
export interface FeatureProgress {
  featureSetId: string;
  done: number;
  total: number;
  imagesPerSecond: number;
}
/** A file produced by an export: text (utf8) or binary (base64), named for a save dialog or a download. */
export interface ExportFile {
  name: string;
  mime: string;
  encoding: 'utf8' | 'base64';
  content: string;
}

/** What runs.predict answers. */
export interface ClassifierPredictions {
  runId: string;
  checkpoint: { artefactId: number; epoch: number };
  labels: string[];
  inputShape: number[];
  predictions: Prediction[];
}

const RunId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'run ids are letters, digits, _ and -');

function method<I extends z.ZodType>(input: I) {
  return { returns: <O>() => ({ input, output: undefined as unknown as O }) };
}

export const methods = {
  'runs.create': method(z.strictObject({ spec: RunSpec })).returns<RunRecord>(),
  'runs.list': method(
    z.strictObject({ status: z.enum(RUN_STATUSES).optional(), limit: z.number().int().min(1).max(10_000).default(500) }).default({ limit: 500 }),
  ).returns<RunRecord[]>(),
  'runs.get': method(z.strictObject({ id: RunId })).returns<RunRecord>(),
  'runs.stop': method(z.strictObject({ id: RunId })).returns<RunRecord>(),
  'runs.delete': method(z.strictObject({ id: RunId })).returns<{ deleted: boolean }>(),
  'runs.metrics': method(
    z.strictObject({
      id: RunId,
      keys: z.array(z.string().min(1).max(100)).max(50).optional(),
      maxPoints: z.number().int().min(2).max(100_000).default(2_000),
      // Downsampling by step on the Node side (the chart's x-axis choice does not change it): min-max keeps spikes, LTTB keeps the shape with fewer points.
      downsample: z.enum(['minmax', 'lttb']).default('minmax'),
    }),
  ).returns<MetricSeries[]>(),
  // The latest `limit` samples, oldest first.
  'runs.samples': method(z.strictObject({ id: RunId, limit: z.number().int().min(1).max(10_000).default(200) })).returns<SampleRecord[]>(),
  'runs.artefacts': method(z.strictObject({ id: RunId, kind: z.string().max(50).optional() })).returns<ArtefactRecord[]>(),
  'runs.filters': method(z.strictObject({ id: RunId, artefactId: z.number().int().positive() })).returns<FilterSnapshot>(),
  // ConvNet runs: the test confusion matrix (latest unless artefactId), and activation maps of every conv layer for one MNIST image from a checkpoint (computed on demand by a short-lived engine process).
  'runs.confusion': method(z.strictObject({ id: RunId, artefactId: z.number().int().positive().optional() })).returns<ConfusionReport>(),
  'runs.activations': method(z.strictObject({ id: RunId, ...activationsQueryFields })).returns<ActivationMaps>(),
  // ConvNet classifiers: accuracy, per-class precision/recall/F1, the confusion matrix and the mistakes on a dataset's split (its labels mapped onto the run's by name).
  'runs.evalClassifier': method(
    z.strictObject({ id: RunId, datasetId: DatasetId.optional(), split: EvalSplit.default('test'), checkpoint: CheckpointChoice.default('best') }),
  ).returns<ClassifierEvaluation>(),
  // Top-k labels with probabilities and a saliency map (input gradient) for image files on the host's machine or dropped images (data URLs).
  'runs.predict': method(
    z
      .strictObject({
        id: RunId,
        files: z.array(z.string().min(1).max(4096)).min(1).max(100).optional(),
        images: z.array(z.string().min(1).max(30_000_000)).min(1).max(20).optional(),
        topK: z.number().int().min(1).max(1000).default(3),
        saliency: z.boolean().default(true),
        checkpoint: CheckpointChoice.default('best'),
      })
      .refine((q) => (q.files === undefined) !== (q.images === undefined), { message: 'give exactly one of files and images', path: ['files'] }),
  ).returns<ClassifierPredictions>(),
  'runs.update': method(
    z.strictObject({
      id: RunId,
      name: z.string().trim().min(1).max(200).optional(),
      tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
      notes: z.string().max(20_000).optional(),
    }),
  ).returns<RunRecord>(),
  // Pause stops at a checkpoint and keeps the run resumable; resume continues a paused, stopped, interrupted or diverged run from its last good checkpoint (same step count).
  'runs.pause': method(z.strictObject({ id: RunId })).returns<RunRecord>(),
  'runs.resume': method(z.strictObject({ id: RunId })).returns<RunRecord>(),
  // Language-model runs: checkpoints, decoding an image (a dataset item or a dropped file as a data URL) with any decoder settings, retrieval both ways.
  'runs.checkpoints': method(z.strictObject({ id: RunId })).returns<CheckpointInfo[]>(),
  'runs.decode': method(
    z
      .strictObject({
        id: RunId,
        checkpoint: z.string().min(1).max(64).default('best'),
        itemId: z.number().int().positive().optional(),
        image: z.string().max(30_000_000).optional(),
        method: z.enum(['greedy', 'beam', 'sample']).default('beam'),
        beam: z.number().int().min(1).max(20).default(3),
        temperature: z.number().positive().max(10).default(1),
        topK: z.number().int().min(0).max(100_000).default(0),
        maxLength: z.number().int().min(1).max(100).default(20),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .default(1),
      })
      .refine((q) => (q.itemId === undefined) !== (q.image === undefined), { message: 'give exactly one of itemId and image', path: ['itemId'] }),
  ).returns<DecodedCaption>(),
  'runs.retrieve': method(
    z
      .strictObject({
        id: RunId,
        checkpoint: z.string().min(1).max(64).default('best'),
        itemId: z.number().int().positive().optional(),
        sentence: z.string().min(1).max(2_000).optional(),
        split: z.enum(['train', 'validation', 'test', 'all']).default('test'),
        limit: z.number().int().min(1).max(100).default(10),
      })
      .refine((q) => (q.itemId === undefined) !== (q.sentence === undefined), { message: 'give exactly one of itemId and sentence', path: ['itemId'] }),
  ).returns<RetrievalHit[]>(),
  // Exports: captions (csv | jsonl | coco results JSON) for a split, metrics (csv long format | json), the model (TF.js layers format).
  'runs.export': method(
    z.discriminatedUnion('what', [
      z.strictObject({
        what: z.literal('captions'),
        id: RunId,
        format: z.enum(['csv', 'jsonl', 'coco']),
        split: z.enum(['train', 'validation', 'test', 'all']).default('test'),
        checkpoint: z.string().min(1).max(64).default('best'),
        beam: z.number().int().min(1).max(20).default(3),
      }),
      z.strictObject({ what: z.literal('metrics'), id: RunId, format: z.enum(['csv', 'json']), keys: z.array(z.string().min(1).max(100)).max(50).optional() }),
      z.strictObject({
        what: z.literal('model'),
        id: RunId,
        checkpoint: z.string().min(1).max(64).default('best'),
        // zip: one archive named after the run (the UI's download); files: model.json, weights.bin (and vocabulary.json).
        archive: z.enum(['files', 'zip']).default('files'),
      }),
    ]),
  ).returns<{ files: ExportFile[] }>(),
  'features.list': method(z.strictObject({ datasetId: DatasetId.optional() }).default({})).returns<FeatureSetRecord[]>(),
  // Extract (or reuse the cached) features of every image of a dataset with a TF.js layers model on disk or a ConvNet run's model; progress: features.progress.
  'features.extract': method(
    z
      .strictObject({
        datasetId: DatasetId,
        model: z.string().min(1).max(4096).optional(),
        fromRun: RunId.optional(),
        layer: z.string().min(1).max(200).optional(),
      })
      .refine((q) => (q.model === undefined) !== (q.fromRun === undefined), { message: 'give exactly one of model and fromRun', path: ['model'] }),
  ).returns<FeatureSetRecord>(),
  'runs.logs': method(z.strictObject({ id: RunId, limit: z.number().int().min(1).max(10_000).default(500) })).returns<LogRecord[]>(),
  'datasets.list': method(z.strictObject({}).default({})).returns<DatasetSummary[]>(),
  'datasets.get': method(z.strictObject({ id: z.string().min(1).max(64) })).returns<DatasetSummary>(),
  // Import wizard: detect the format and show the first rows, then import (progress: dataset.import.progress).
  'datasets.preview': method(ImportSource).returns<ImportPreview>(),
  'datasets.import': method(ImportOptions).returns<ImportReport>(),
  'datasets.cancelImport': method(z.strictObject({ importId: z.string().min(1).max(64) })).returns<{ cancelled: boolean }>(),
  // Browser: pages of items (search by caption words, filter by class and split), one item, stats.
  'datasets.items': method(ItemsQuery).returns<ItemsPage>(),
  'datasets.item': method(z.strictObject({ itemId: z.number().int().positive() })).returns<DatasetItemDetail>(),
  'datasets.stats': method(StatsQuery).returns<DatasetStats>(),
  'datasets.skipped': method(
    z.strictObject({ id: DatasetId, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(10_000).default(500) }),
  ).returns<{ total: number; items: SkippedItem[] }>(),
  // Thumbnails by item id only (never a path): a data URL of a WebP made lazily and cached on disk.
  'datasets.thumbnail': method(ThumbnailQuery).returns<Thumbnail>(),
  'datasets.thumbnails': method(
    z.strictObject({ itemIds: z.array(z.number().int().positive()).max(1000), size: z.number().int().min(16).max(512).default(128) }),
  ).returns<{ thumbnails: Thumbnail[]; missing: number[] }>(),
  'datasets.split': method(z.strictObject({ id: DatasetId, split: SplitSpec })).returns<DatasetSummary>(),
  'datasets.delete': method(z.strictObject({ id: DatasetId })).returns<{ deleted: boolean }>(),
  'system.info': method(z.strictObject({}).default({})).returns<SystemInfo>(),
  // Native dialogs, answered by the desktop app's main process; elsewhere (a browser) they fail with
  // code not_available and the page falls back to a typed path or a download.
  'dialog.openPath': method(
    z.strictObject({
      kind: z.enum(['file', 'folder']),
      title: z.string().max(200).optional(),
      filters: z
        .array(
          z.strictObject({
            name: z.string().min(1).max(100),
            extensions: z
              .array(z.string().regex(/^[A-Za-z0-9*]{1,16}$/))
              .min(1)
              .max(20),
          }),
        )
        .max(10)
        .optional(),
    }),
  ).returns<{ path: string | null }>(),
  // Writes an export's files where the user picks (one file: a save dialog; several: a folder); nothing when cancelled.
  'dialog.saveFiles': method(
    z.strictObject({
      files: z
        .array(z.strictObject({ name: z.string().min(1).max(255), mime: z.string().max(200), encoding: z.enum(['utf8', 'base64']), content: z.string() }))
        .min(1)
        .max(1000),
    }),
  ).returns<{ saved: string[] }>(),
} as const;

export type MethodName = keyof typeof methods;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = (typeof methods)[M]['output'];

export interface Events {
  'run.status': RunRecord;
  /** A run and everything it recorded were deleted. */
  'run.deleted': { id: string };
  'run.metrics': { runId: string; points: (MetricPoint & { key: string })[] };
  'run.log': LogRecord;
  'run.artefact': ArtefactRecord;
  'run.sample': Omit<SampleRecord, 'id' | 'createdAt'>;
  'dataset.import.progress': ImportProgress;
  'features.progress': FeatureProgress;
}
export type EventName = keyof Events;
// Compile-time check that EVENT_NAMES (api-wire.ts) lists every event: a missing one is a type error here.
const everyEventListed: Record<Exclude<EventName, (typeof EVENT_NAMES)[number]>, never> = {};
void everyEventListed;

/** What the renderer holds: the same shape over IPC and over the WebSocket. */
export interface Api {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void;
}

// The zod-free part of the contract (error type and codes, event names, wire messages) lives in
// api-wire.ts so the sandboxed preload can bundle it without zod; declared there once, re-exported here.
export type { RunPhase, RunPhaseName } from './run-phase';
export { ApiError, EVENT_NAMES, type ApiErrorCode, type ClientMessage, type ServerMessage } from './api-wire';
