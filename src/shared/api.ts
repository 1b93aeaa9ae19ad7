/**
 * The one contract between the renderer and the Node side. Every method and event is declared
 * here once; the preload, the IPC binding, the WebSocket server and the renderer client are all
 * typed from these declarations.
 */
import { z } from 'zod';
import { RunSpec } from './run-spec';
import { activationsQueryFields, type ActivationMaps, type ConfusionReport } from './convnet-spec';
import { DatasetId, ImportOptions, ImportSource, ItemsQuery, SplitSpec, StatsQuery, ThumbnailQuery, type DatasetInfo, type DatasetItemDetail, type DatasetStats, type ImportPreview, type ImportProgress, type ImportReport, type ItemsPage, type SkippedItem, type Thumbnail } from './dataset-schema';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'stopped' | 'interrupted';
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'completed', 'failed', 'stopped', 'interrupted'];
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
}

export interface MetricPoint { step: number; epoch: number; wallTime: number; value: number }
export interface MetricSeries { key: string; total: number; points: MetricPoint[] }
export interface SampleRecord { id: number; runId: string; step: number; epoch: number; kind: string; text: string; data: unknown; createdAt: number }
export interface ArtefactRecord { id: number; runId: string; kind: string; step: number; epoch: number; meta: Record<string, unknown>; createdAt: number }
export interface FilterSnapshot { epoch: number; kernel: [number, number]; channels: number; count: number; /** per filter, kh*kw*channels values in [0,1], HWC order */ filters: number[][] }
export interface LogRecord { runId: string; ts: number; level: 'info' | 'warn' | 'error'; message: string }
export interface DatasetRecord { id: string; name: string; kind: string; source: string; createdAt: number; stats: Record<string, unknown> }
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

const RunId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'run ids are letters, digits, _ and -');

function method<I extends z.ZodType>(input: I) {
  return { returns: <O>() => ({ input, output: undefined as unknown as O }) };
}

export const methods = {
  'runs.create': method(z.object({ spec: RunSpec })).returns<RunRecord>(),
  'runs.list': method(z.object({ status: z.enum(['queued', 'running', 'completed', 'failed', 'stopped', 'interrupted']).optional(), limit: z.number().int().min(1).max(10_000).default(500) }).default({ limit: 500 })).returns<RunRecord[]>(),
  'runs.get': method(z.object({ id: RunId })).returns<RunRecord>(),
  'runs.stop': method(z.object({ id: RunId })).returns<RunRecord>(),
  'runs.delete': method(z.object({ id: RunId })).returns<{ deleted: boolean }>(),
  'runs.metrics': method(z.object({
    id: RunId,
    keys: z.array(z.string().min(1).max(100)).max(50).optional(),
    maxPoints: z.number().int().min(2).max(100_000).default(2_000),
  })).returns<MetricSeries[]>(),
  'runs.samples': method(z.object({ id: RunId, limit: z.number().int().min(1).max(10_000).default(200) })).returns<SampleRecord[]>(),
  'runs.artefacts': method(z.object({ id: RunId, kind: z.string().max(50).optional() })).returns<ArtefactRecord[]>(),
  'runs.filters': method(z.object({ id: RunId, artefactId: z.number().int().positive() })).returns<FilterSnapshot>(),
  // ConvNet runs: the test confusion matrix (latest unless artefactId), and activation maps of every conv layer for one MNIST image from a checkpoint (computed on demand by a short-lived engine process).
  'runs.confusion': method(z.object({ id: RunId, artefactId: z.number().int().positive().optional() })).returns<ConfusionReport>(),
  'runs.activations': method(z.object({ id: RunId, ...activationsQueryFields })).returns<ActivationMaps>(),
  'runs.logs': method(z.object({ id: RunId, limit: z.number().int().min(1).max(10_000).default(500) })).returns<LogRecord[]>(),
  'datasets.list': method(z.object({}).default({})).returns<DatasetSummary[]>(),
  'datasets.get': method(z.object({ id: z.string().min(1).max(64) })).returns<DatasetSummary>(),
  // Import wizard: detect the format and show the first rows, then import (progress: dataset.import.progress).
  'datasets.preview': method(ImportSource).returns<ImportPreview>(),
  'datasets.import': method(ImportOptions).returns<ImportReport>(),
  'datasets.cancelImport': method(z.object({ importId: z.string().min(1).max(64) })).returns<{ cancelled: boolean }>(),
  // Browser: pages of items (search by caption words, filter by class and split), one item, stats.
  'datasets.items': method(ItemsQuery).returns<ItemsPage>(),
  'datasets.item': method(z.object({ itemId: z.number().int().positive() })).returns<DatasetItemDetail>(),
  'datasets.stats': method(StatsQuery).returns<DatasetStats>(),
  'datasets.skipped': method(z.object({ id: DatasetId, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(10_000).default(500) })).returns<{ total: number; items: SkippedItem[] }>(),
  // Thumbnails by item id only (never a path): a data URL of a WebP made lazily and cached on disk.
  'datasets.thumbnail': method(ThumbnailQuery).returns<Thumbnail>(),
  'datasets.thumbnails': method(z.object({ itemIds: z.array(z.number().int().positive()).max(1000), size: z.number().int().min(16).max(512).default(128) })).returns<{ thumbnails: Thumbnail[]; missing: number[] }>(),
  'datasets.split': method(z.object({ id: DatasetId, split: SplitSpec })).returns<DatasetSummary>(),
  'datasets.delete': method(z.object({ id: DatasetId })).returns<{ deleted: boolean }>(),
  'system.info': method(z.object({}).default({})).returns<SystemInfo>(),
} as const;

export type MethodName = keyof typeof methods;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = (typeof methods)[M]['output'];

export interface Events {
  'run.status': RunRecord;
  'run.metrics': { runId: string; points: (MetricPoint & { key: string })[] };
  'run.log': LogRecord;
  'run.artefact': ArtefactRecord;
  'run.sample': Omit<SampleRecord, 'id' | 'createdAt'>;
  'dataset.import.progress': ImportProgress;
}
export type EventName = keyof Events;
export const EVENT_NAMES: readonly EventName[] = ['run.status', 'run.metrics', 'run.log', 'run.artefact', 'run.sample', 'dataset.import.progress'];

/** What the renderer holds: the same shape over IPC and over the WebSocket. */
export interface Api {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void;
}

/** Wire format of the WebSocket transport (IPC uses the same request/response objects). */
export type ClientMessage = { id: number; method: string; input: unknown };
export type ServerMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; code: ApiErrorCode } }
  | { event: EventName; payload: unknown };
export type ApiErrorCode = 'bad_request' | 'not_found' | 'conflict' | 'internal' | 'unknown_method';

export class ApiError extends Error {
  constructor(public readonly code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}
