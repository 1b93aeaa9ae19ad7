/**
 * Feature sets: image features of every image of a dataset from a TF.js layers model on disk or a
 * ConvNet run's checkpoint, extracted by an engine process (src/engine/features/main-extract.ts)
 * into `datasets/<id>/features/<model identity>/<layer>.json` under the data directory and
 * recorded in SQLite. Cached per (model identity, layer, dataset): asking again returns the set
 * without starting anything. An interrupted extraction (engine or host killed) resumes where it
 * stopped; concurrent requests for the same set share one extraction. Progress goes out as
 * `features.progress` events and to per-request listeners (a run's log).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type Events, type FeatureProgress, type FeatureSetRecord } from '../../shared/api';
import type { FeatureJob, FeatureJobProgress, FeatureJobResult } from '../../shared/engine-jobs';
import type { DatasetStore } from '../datasets/dataset-store';
import { checkpointModelJson } from '../checkpoints/checkpoint-files';
import { EngineClient } from '../engines/engine-client';
import type { EnginePool } from '../engines/engine-pool';
import type { Store } from '../store/store';
import { FeatureSets, toRecord, type FeatureSet } from './feature-sets';
import { ModelFileError, modelIdentity, modelJsonPath, penultimateDenseLayer } from './model-files';

export interface ExtractRequest {
  datasetId: string;
  /** A TF.js layers model: model.json or its folder. */
  model?: string;
  /** A ConvNet run id: its best checkpoint's model. */
  fromRun?: string;
  layer?: string;
}

export interface ExtractOutcome {
  set: FeatureSet;
  /** True when the set was already complete: nothing was started. */
  cached: boolean;
  /** Rows computed now (0 when cached); the rest were in the file already (a resumed extraction). */
  computed: number;
  /** Images already in the file when this extraction started. */
  resumedFrom: number;
  seconds: number;
  imagesPerSecond: number;
}

export type FeatureListener = (p: FeatureProgress & { layer: string; skipped: number; failed: number }) => void;

export interface FeatureServiceOptions {
  store: Store;
  datasets: DatasetStore;
  /** Where extraction engines come from (the host closes them all when it closes). */
  engines: EnginePool;
  dataDir: string;
  publish?: (event: 'features.progress', payload: Events['features.progress']) => void;
}

const CONVNET_PRESETS = new Set(['lenet5-mnist', 'convnet']);

export class FeatureService {
  readonly sets: FeatureSets;
  private readonly inflight = new Map<string, { done: Promise<ExtractOutcome>; listeners: Set<FeatureListener> }>();
  private readonly engines = new Set<EngineClient>();

  constructor(private readonly o: FeatureServiceOptions) {
    this.sets = new FeatureSets(o.store.db, o.store.dataDir);
  }

  list(datasetId?: string): FeatureSetRecord[] {
    return this.sets.list(datasetId).map(toRecord);
  }

  /** The model file a request names, its identity, the layer (a ConvNet's default resolved here) and how to show it. */
  private resolveModel(q: ExtractRequest): { modelPath: string; modelHash: string; layer: string | undefined; label: string; fromRun: string | null } {
    try {
      if (q.fromRun !== undefined) {
        const run = this.o.store.getRun(q.fromRun);
        if (!run) throw new ApiError('not_found', `fromRun: no run with id ${q.fromRun}`);
        if (!CONVNET_PRESETS.has(run.preset))
          throw new ApiError('bad_request', `fromRun: run ${q.fromRun} is a ${run.preset} run; features come from a ConvNet run (lenet5-mnist or convnet)`);
        const { file } = checkpointModelJson(this.o.store, q.fromRun, 'best');
        return {
          modelPath: file,
          modelHash: modelIdentity(file),
          layer: q.layer ?? penultimateDenseLayer(file),
          label: `run:${q.fromRun}`,
          fromRun: q.fromRun,
        };
      }
      if (q.model === undefined) throw new ApiError('bad_request', 'give exactly one of model and fromRun');
      const file = modelJsonPath(q.model);
      return { modelPath: file, modelHash: modelIdentity(file), layer: q.layer, label: file, fromRun: null };
    } catch (e) {
      if (e instanceof ModelFileError) throw new ApiError('bad_request', e.message);
      throw e;
    }
  }

  /** The dataset's images folder and image files (relative paths, in dataset order). */
  private datasetImages(datasetId: string): { imagesDir: string; images: string[] } {
    const ds = this.o.datasets.get(datasetId);
    if (!ds) throw new ApiError('not_found', `no dataset with id ${datasetId}`);
    if (ds.kind === 'text')
      throw new ApiError('bad_request', `dataset ${datasetId} (${ds.name}) is a text-only corpus: it has no images to extract features from`);
    if (ds.format === 'mnist' || !ds.imagesDir)
      throw new ApiError(
        'bad_request',
        `dataset ${datasetId} (${ds.name}) has no image files (${ds.format} images live inside its data files); feature extraction reads image files`,
      );
    const images = this.o.store.db
      .prepare('SELECT path FROM dataset_items WHERE dataset_id = ? AND path IS NOT NULL ORDER BY ord')
      .pluck()
      .all(datasetId) as string[];
    if (images.length === 0) throw new ApiError('bad_request', `dataset ${datasetId} has no images`);
    return { imagesDir: ds.imagesDir, images };
  }

  /** The complete cached set for a request, if any (nothing is started). */
  cached(q: ExtractRequest): FeatureSet | null {
    const m = this.resolveModel(q);
    const s = this.sets.find(q.datasetId, m.modelHash, m.layer);
    return s && s.complete && fs.existsSync(s.path) ? s : null;
  }

  /** Extracts, resumes or returns the cached feature set; `listener` sees this request's progress. */
  async extract(q: ExtractRequest, listener?: FeatureListener): Promise<ExtractOutcome> {
    const m = this.resolveModel(q);
    const { imagesDir, images } = this.datasetImages(q.datasetId);
    const hit = this.sets.find(q.datasetId, m.modelHash, m.layer);
    if (hit && hit.complete && fs.existsSync(hit.path)) {
      return { set: hit, cached: true, computed: 0, resumedFrom: hit.rows, seconds: 0, imagesPerSecond: hit.imagesPerSecond ?? 0 };
    }
    const key = `${q.datasetId}\n${m.modelHash}\n${m.layer ?? ''}`;
    let job = this.inflight.get(key);
    if (!job) {
      const listeners = new Set<FeatureListener>();
      const done = this.run(q.datasetId, m, imagesDir, images, listeners).finally(() => this.inflight.delete(key));
      job = { done, listeners };
      this.inflight.set(key, job);
    }
    if (listener) job.listeners.add(listener);
    try {
      return await job.done;
    } finally {
      if (listener) job.listeners.delete(listener);
    }
  }

  private async run(
    datasetId: string,
    m: ReturnType<FeatureService['resolveModel']>,
    imagesDir: string,
    images: string[],
    listeners: Set<FeatureListener>,
  ): Promise<ExtractOutcome> {
    const outDir = path.join(this.o.dataDir, 'datasets', datasetId, 'features', m.modelHash.slice(0, 16));
    const job: FeatureJob = { kind: 'features', model: m.modelPath, layer: m.layer, imagesDir, images, outDir }; // batch size: the engine's FEATURE_BATCH
    const total = new Set(images).size;
    let set: FeatureSet | null = null;
    let resumedFrom = 0;
    const record = (p: {
      layer: string;
      dim: number;
      header: string;
      rows: number;
      failed: number;
      complete: boolean;
      imagesPerSecond: number | null;
    }): FeatureSet =>
      this.sets.upsert({
        datasetId,
        model: m.label,
        modelPath: m.modelPath,
        modelHash: m.modelHash,
        fromRun: m.fromRun,
        layer: p.layer,
        defaultLayer: m.layer === undefined,
        dim: p.dim,
        rows: p.rows,
        total,
        failed: p.failed,
        complete: p.complete,
        path: p.header,
        imagesPerSecond: p.imagesPerSecond,
      });
    const engine = new EngineClient(() => this.o.engines.spawn(), { name: 'feature extraction', idleMs: 0, onDead: () => this.engines.delete(engine) });
    this.engines.add(engine);
    const result = await engine.run<FeatureJobResult>(job, (raw) => {
      const p = raw as FeatureJobProgress;
      // The row follows the file (an interrupted extraction leaves an incomplete set that says how far it got).
      if (!set) resumedFrom = p.skipped;
      set = record({ layer: p.layer, dim: p.dim, header: p.header, rows: p.done - p.failed, failed: p.failed, complete: false, imagesPerSecond: null });
      const ev: FeatureProgress = { featureSetId: set.id, done: p.done, total: p.total, imagesPerSecond: p.imagesPerSecond };
      this.o.publish?.('features.progress', ev);
      for (const l of listeners) {
        try {
          l({ ...ev, layer: p.layer, skipped: p.skipped, failed: p.failed });
        } catch {
          /* a listener's failure is its own */
        }
      }
    });
    const finalSet = record({
      layer: result.layer,
      dim: result.dim,
      header: result.header,
      rows: result.rows,
      failed: result.failed,
      complete: !result.stopped,
      imagesPerSecond: result.computed > 0 ? result.imagesPerSecond : null,
    });
    if (result.rows === 0)
      throw new ApiError('bad_request', `no image of dataset ${datasetId} could be read for features (${result.failed} failed); see ${result.header}`);
    return { set: finalSet, cached: false, computed: result.computed, resumedFrom, seconds: result.seconds, imagesPerSecond: result.imagesPerSecond };
  }

  /** Ends running extractions (their files stay resumable). */
  close(): void {
    for (const e of this.engines) e.stop();
    this.engines.clear();
  }
}
