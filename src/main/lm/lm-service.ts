/**
 * Language-model runs after (or during) training: their checkpoints, decoding an image (a dataset
 * item or a dropped image), retrieval both ways, evaluation of a split and captions for image
 * files or a whole split. The work runs in an engine process per run (src/engine/lm/serve.ts),
 * kept warm for INSPECT_IDLE_MS after its last job so that slider moves in the caption explorer
 * answer quickly; tfjs never loads in the host. Files are found from SQLite and the run's folder,
 * never from a client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type CheckpointInfo, type DecodedCaption, type RetrievalHit, type RunRecord } from '../../shared/api';
import type { SplitName } from '../../shared/dataset-schema';
import type {
  LmCaptionSplitProgress,
  LmCaptionSplitResult,
  LmDecodeJob,
  LmDecodeResult,
  LmEvalResult,
  LmImageInput,
  LmImageRef,
  LmRetrieveResult,
  LmSource,
} from '../../shared/engine-jobs';
import type { DatasetStore } from '../datasets/dataset-store';
import type { FeatureService } from '../features/service';
import type { Store } from '../store/store';
import { EngineClient, INSPECT_IDLE_MS } from '../engines/engine-client';
import type { EnginePool } from '../engines/engine-pool';
import { relocatedRunFile, runFolder } from '../store/data-paths';
import { datasetCaptionRows, isLmSpec, readLmInputs } from './lm-inputs';

/** Most warm LM engines at once (each holds tfjs, a model and maybe an extractor). */
const MAX_WARM = 3;
const DECODE_TIMEOUT_MS = 180_000;

export type SplitChoice = SplitName | 'all';

export interface LmServiceOptions {
  store: Store;
  datasets: DatasetStore;
  features: FeatureService;
  /** Where the warm decoding engines come from (the host closes them all when it closes). */
  engines: EnginePool;
  idleMs?: number;
}

interface CheckpointDir {
  info: CheckpointInfo;
  dir: string;
  valPerplexity: number | null;
}

export interface EvalReport {
  runId: string;
  model: string;
  dataset: string | null;
  split: SplitChoice;
  checkpoint: CheckpointInfo;
  perplexity: number;
  bleu1: number;
  bleu2: number;
  bleu3: number;
  bleu4: number;
  beam: number;
  retrieval: LmEvalResult['retrieval'];
  images: number;
  captions: number;
  words: number;
  missingFeatures: number;
  seconds: number;
}

export interface DecodeOptions {
  checkpoint?: string;
  method: 'greedy' | 'beam' | 'sample';
  beam: number;
  temperature: number;
  topK: number;
  maxLength: number;
  seed: number;
}

interface CheckpointFileMeta {
  config: { model: string };
  features: { model: string; layer: string } | null;
  epoch: number;
  step: number;
}

export class LmService {
  private readonly engines = new Map<string, EngineClient>();

  constructor(private readonly o: LmServiceOptions) {}

  private runDir(id: string): string {
    return runFolder(this.o.store.dataDir, id);
  }

  private run(id: string): RunRecord {
    const r = this.o.store.getRun(id);
    if (!r) throw new ApiError('not_found', `no run with id ${id}`);
    if (!isLmSpec(r.spec)) throw new ApiError('bad_request', `run ${id} is a ${r.preset} run, not a language model (lbl, mlbl-b, mlbl-f)`);
    return r;
  }

  /** Checkpoint folders of a run (the latest artefact of each folder still on disk), oldest first. */
  private checkpointDirs(runId: string): CheckpointDir[] {
    const runDir = path.resolve(this.runDir(runId));
    const latest = new Map<string, { id: number; epoch: number; step: number; meta: Record<string, unknown> }>();
    for (const a of this.o.store.artefacts(runId, 'checkpoint')) {
      const p = this.o.store.artefactPath(runId, a.id);
      if (!p) continue;
      const dir = path.dirname(path.resolve(p.path));
      if (!dir.startsWith(runDir + path.sep) && dir !== runDir) continue;
      latest.delete(dir);
      latest.set(dir, { id: a.id, epoch: a.epoch, step: a.step, meta: a.meta });
    }
    const out: CheckpointDir[] = [];
    for (const [dir, a] of latest) {
      if (!fs.existsSync(path.join(dir, 'model.json'))) continue;
      const ppl = typeof a.meta.val_perplexity === 'number' ? a.meta.val_perplexity : null;
      const id = path.relative(runDir, dir).split(path.sep).join('/') || '.';
      out.push({
        dir,
        valPerplexity: ppl,
        info: {
          id,
          label: `${id}: epoch ${a.epoch}${ppl !== null ? `, validation perplexity ${ppl.toFixed(2)}` : ''}`,
          epoch: a.epoch,
          step: a.step,
          best: a.meta.best === true,
        },
      });
    }
    // The best: flagged by the trainer, else the lowest validation perplexity, else the trainer's `checkpoint/` (its best so far).
    if (out.length && !out.some((c) => c.info.best)) {
      const scored = out.filter((c) => c.valPerplexity !== null).sort((a, b) => (a.valPerplexity as number) - (b.valPerplexity as number));
      const best = scored[0] ?? out.find((c) => c.info.id === 'checkpoint') ?? out[out.length - 1];
      if (best) best.info.best = true;
    }
    return out;
  }

  checkpoints(runId: string): CheckpointInfo[] {
    this.run(runId);
    return this.checkpointDirs(runId).map((c) => c.info);
  }

  /** 'best', 'last' or a checkpoint id from `checkpoints`. */
  private checkpoint(runId: string, choice = 'best'): CheckpointDir {
    const all = this.checkpointDirs(runId);
    if (all.length === 0) throw new ApiError('not_found', `run ${runId} has no checkpoint yet (the first is written after the first epoch)`);
    const c = choice === 'best' ? all.find((x) => x.info.best) : choice === 'last' ? all[all.length - 1] : all.find((x) => x.info.id === choice);
    if (!c) throw new ApiError('not_found', `run ${runId} has no checkpoint ${choice} (it has: best, last, ${all.map((x) => x.info.id).join(', ')})`);
    return c;
  }

  private meta(dir: string): CheckpointFileMeta {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as CheckpointFileMeta;
    } catch (e) {
      throw new ApiError('internal', `cannot read the checkpoint in ${dir}: ${(e as Error).message}`);
    }
  }

  private engine(runId: string): EngineClient {
    let e = this.engines.get(runId);
    if (e && !e.dead) {
      // Most recently used last.
      this.engines.delete(runId);
      this.engines.set(runId, e);
      return e;
    }
    for (const [id, other] of this.engines) {
      if (this.engines.size < MAX_WARM) break;
      if (!other.busy) {
        other.stop();
        this.engines.delete(id);
      }
    }
    try {
      const fresh: EngineClient = new EngineClient(() => this.o.engines.spawn(), {
        name: 'language-model',
        idleMs: this.o.idleMs ?? INSPECT_IDLE_MS,
        timeoutMs: 0,
        onDead: () => {
          if (this.engines.get(runId) === fresh) this.engines.delete(runId);
        },
      });
      e = fresh;
    } catch (err) {
      throw new ApiError('internal', `could not start an engine for run ${runId}: ${(err as Error).message}`);
    }
    this.engines.set(runId, e);
    return e;
  }

  /** A job with a time limit (the engine is killed when it is exceeded). */
  private async job<R>(runId: string, job: Parameters<EngineClient['run']>[0], timeoutMs = 0, progress?: (p: unknown) => void): Promise<R> {
    const e = this.engine(runId);
    const answer = e.run<R>(job, progress);
    if (!timeoutMs) return answer;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        e.stop();
        reject(new ApiError('internal', `the language-model engine took longer than ${timeoutMs / 1000} s; it was stopped`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([answer, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The dataset a run trained on (null for a captions-file run). */
  runDataset(run: RunRecord): string | null {
    return isLmSpec(run.spec) ? (run.spec.params.dataset ?? null) : null;
  }

  /** Images of a dataset split with their captions, in dataset order. */
  private splitImages(datasetId: string, split: SplitChoice): LmImageRef[] {
    if (!this.o.datasets.get(datasetId)) throw new ApiError('not_found', `no dataset with id ${datasetId}`);
    const refs: LmImageRef[] = [];
    let last: LmImageRef | null = null;
    for (const r of datasetCaptionRows(this.o.store, datasetId)) {
      if (split !== 'all' && r.split !== split) continue;
      if (!last || last.itemId !== r.itemId) {
        last = { key: r.image, itemId: r.itemId, captions: [] };
        refs.push(last);
      }
      last.captions.push(r.caption);
    }
    if (refs.length === 0) throw new ApiError('bad_request', `dataset ${datasetId} has no captioned images in its ${split} split`);
    return refs;
  }

  /** The feature file of `datasetId` for a checkpoint's extractor: the run's own, or a cached/extracted set. */
  private async featuresFor(run: RunRecord, datasetId: string, ck: CheckpointDir, log?: (m: string) => void): Promise<string | null> {
    const meta = this.meta(ck.dir);
    if (meta.config.model === 'lbl') return null;
    const inputs = readLmInputs(this.runDir(run.id));
    if (inputs && inputs.dataset === datasetId && inputs.features && fs.existsSync(inputs.features)) return inputs.features;
    if (!meta.features) throw new ApiError('bad_request', `the checkpoint of run ${run.id} does not record its feature extractor`);
    // The extractor may be a ConvNet run's checkpoint in a data directory that has moved since.
    const model = relocatedRunFile(this.o.store.dataDir, meta.features.model);
    const out = await this.o.features.extract({ datasetId, model, layer: meta.features.layer }, (p) => log?.(`features: ${p.done}/${p.total}`));
    return out.set.path;
  }

  private source(run: RunRecord, datasetId: string | null, split: SplitChoice, features: string | null): LmSource {
    if (datasetId) return { kind: 'images', images: this.splitImages(datasetId, split), features };
    if (!isLmSpec(run.spec) || !run.spec.params.captions) throw new ApiError('bad_request', `run ${run.id} has no dataset; give one`);
    const p = run.spec.params;
    const exclude = p.excludeImagesOf;
    return {
      kind: 'csv',
      captions: p.captions as string,
      features: p.features ?? null,
      seed: p.seed,
      validationFraction: p.validationFraction,
      testFraction: p.testFraction,
      split,
      ...(exclude ? { excludeImagesOf: exclude } : {}),
    };
  }

  /** Perplexity, BLEU-1..4 (beam) and retrieval of a checkpoint on a dataset split (default: the run's own dataset, test split). */
  async evaluate(
    runId: string,
    o: { dataset?: string; split?: SplitChoice; beam?: number; maxLength?: number; checkpoint?: string } = {},
    log?: (m: string) => void,
  ): Promise<EvalReport> {
    const run = this.run(runId);
    const ck = this.checkpoint(runId, o.checkpoint ?? 'best');
    const datasetId = o.dataset ?? this.runDataset(run);
    const split = o.split ?? 'test';
    const features = datasetId ? await this.featuresFor(run, datasetId, ck, log) : null;
    const beam = o.beam ?? 3;
    const r = await this.job<LmEvalResult>(
      runId,
      { kind: 'lm-eval', checkpointDir: ck.dir, source: this.source(run, datasetId, split, features), beam, maxLength: o.maxLength ?? 20 },
      0,
      (p) => log?.(`evaluating: ${(p as { phase: string }).phase}`),
    );
    return {
      runId,
      model: r.checkpoint.model,
      dataset: datasetId,
      split,
      checkpoint: ck.info,
      perplexity: r.perplexity,
      bleu1: r.bleu[0],
      bleu2: r.bleu[1],
      bleu3: r.bleu[2],
      bleu4: r.bleu[3],
      beam,
      retrieval: r.retrieval,
      images: r.images,
      captions: r.captions,
      words: r.words,
      missingFeatures: r.missingFeatures,
      seconds: r.seconds,
    };
  }

  /** The engine input for a dataset item: its row of the run's feature set when it has one, else its file. */
  private itemInput(run: RunRecord, itemId: number): LmImageInput {
    const src = this.o.datasets.imageSource(itemId);
    if (!src) throw new ApiError('not_found', `no dataset item ${itemId}`);
    if (!src.file) throw new ApiError('bad_request', `dataset item ${itemId} has no image file`);
    const inputs = readLmInputs(this.runDir(run.id));
    if (inputs && inputs.features && inputs.dataset === src.datasetId) {
      const key = this.o.store.db.prepare('SELECT COALESCE(path, key) FROM dataset_items WHERE id = ?').pluck().get(itemId) as string;
      return { features: inputs.features, key, file: src.file };
    }
    return { file: src.file };
  }

  private decodeJob(dir: string, images: LmImageInput[], o: DecodeOptions): LmDecodeJob {
    return {
      kind: 'lm-decode',
      checkpointDir: dir,
      images,
      method: o.method,
      beam: o.beam,
      temperature: o.temperature,
      topK: o.topK,
      maxLength: o.maxLength,
      seed: o.seed,
    };
  }

  async decode(q: { id: string; itemId?: number; image?: string } & DecodeOptions): Promise<DecodedCaption> {
    const run = this.run(q.id);
    const ck = this.checkpoint(q.id, q.checkpoint ?? 'best');
    let input: LmImageInput;
    if (q.itemId !== undefined) input = this.itemInput(run, q.itemId);
    else if (q.image !== undefined) {
      if (!q.image.startsWith('data:')) throw new ApiError('bad_request', 'image: expected a data URL (data:image/...;base64,...)');
      input = { dataUrl: q.image };
    } else throw new ApiError('bad_request', 'give exactly one of itemId and image');
    const r = await this.job<LmDecodeResult>(q.id, this.decodeJob(ck.dir, [input], q), DECODE_TIMEOUT_MS);
    const c = r.captions[0];
    if (!c) throw new ApiError('internal', 'the engine returned no caption');
    return { ...c, checkpoint: ck.info.id };
  }

  /** Captions for image files on disk (features extracted on the fly with the run's extractor). */
  async captionFiles(runId: string, files: string[], o: DecodeOptions): Promise<{ file: string; caption: DecodedCaption }[]> {
    this.run(runId);
    const ck = this.checkpoint(runId, o.checkpoint ?? 'best');
    const abs = files.map((f) => path.resolve(f));
    for (const [i, f] of abs.entries()) if (!fs.existsSync(f)) throw new ApiError('bad_request', `${files[i]}: no such file`);
    const r = await this.job<LmDecodeResult>(
      runId,
      this.decodeJob(
        ck.dir,
        abs.map((file) => ({ file })),
        o,
      ),
      Math.max(DECODE_TIMEOUT_MS, 20_000 * files.length),
    );
    return r.captions.map((c, i) => ({ file: files[i] as string, caption: { ...c, checkpoint: ck.info.id } }));
  }

  /** For an item: the split's top captions (perplexity given the image / given the mean image); for a sentence: the split's top images (its perplexity given each). Lower score = better. */
  async retrieve(q: { id: string; checkpoint?: string; itemId?: number; sentence?: string; split: SplitChoice; limit: number }): Promise<RetrievalHit[]> {
    const run = this.run(q.id);
    const datasetId = this.runDataset(run);
    if (!datasetId)
      throw new ApiError(
        'bad_request',
        `run ${q.id} was trained on a captions file, not an imported dataset: retrieval ranks a dataset's images and captions (train with dataset=ID)`,
      );
    const ck = this.checkpoint(q.id, q.checkpoint ?? 'best');
    if (this.meta(ck.dir).config.model === 'lbl')
      throw new ApiError('bad_request', `run ${q.id} is an LBL model: it has no image path, so it cannot rank images or captions by image`);
    const features = await this.featuresFor(run, datasetId, ck);
    const images = this.splitImages(datasetId, q.split);
    const query = q.itemId !== undefined ? { image: this.itemInput(run, q.itemId) } : { sentence: q.sentence as string };
    const r = await this.job<LmRetrieveResult>(
      q.id,
      { kind: 'lm-retrieve', checkpointDir: ck.dir, source: { kind: 'images', images, features }, query, limit: q.limit },
      DECODE_TIMEOUT_MS,
    );
    return r.hits.map((h) => {
      const im = images[h.image] as LmImageRef;
      return { itemId: im.itemId as number, image: im.key, ...(h.caption !== undefined ? { caption: im.captions[h.caption] } : {}), score: h.score };
    });
  }

  /** Beam-search captions of every image of a split (for exports): dataset runs give item ids, captions-file runs image names. */
  async captionSplit(
    runId: string,
    o: { checkpoint?: string; split: SplitChoice; beam: number; maxLength?: number; dataset?: string },
    onProgress?: (p: LmCaptionSplitProgress) => void,
  ): Promise<{ checkpoint: CheckpointInfo; captions: { itemId: number | null; image: string; caption: string }[] }> {
    const run = this.run(runId);
    const ck = this.checkpoint(runId, o.checkpoint ?? 'best');
    const datasetId = o.dataset ?? this.runDataset(run);
    const features = datasetId ? await this.featuresFor(run, datasetId, ck) : null;
    const source = this.source(run, datasetId, o.split, features);
    const r = await this.job<LmCaptionSplitResult>(
      runId,
      { kind: 'lm-caption-split', checkpointDir: ck.dir, source, beam: o.beam, maxLength: o.maxLength ?? 20 },
      0,
      (p) => {
        // The engine's progress is untyped on the wire: pass on only a well-formed count.
        const c = p as Partial<LmCaptionSplitProgress> | null;
        if (typeof c?.done === 'number' && typeof c.total === 'number') onProgress?.({ done: c.done, total: c.total });
      },
    );
    return {
      checkpoint: ck.info,
      captions: r.captions.map((c) => ({
        itemId: source.kind === 'images' ? (source.images[c.index]?.itemId ?? null) : null,
        image: c.image,
        caption: c.text,
      })),
    };
  }

  /** Ends the warm engines. */
  close(): void {
    for (const e of this.engines.values()) e.stop();
    this.engines.clear();
  }
}
