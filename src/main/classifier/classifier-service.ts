/**
 * ConvNet classifiers after training: evaluation on a dataset's split (accuracy, per-class
 * precision/recall/F1, the confusion matrix, the most confident mistakes) and prediction for
 * image files or dropped images (top-k and a saliency map). The host resolves the dataset (its
 * labels mapped onto the run's classes by name, so a run can be evaluated on another dataset with
 * the same class names) and the checkpoint; a warm engine process (one per run, ended when idle)
 * decodes and runs the model (src/engine/inspect/classifier.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type ClassifierPredictions, type MethodParsedInput, type RunRecord } from '../../shared/api';
import { mapLabelsByName, perClassScores, type ClassifierEvaluation } from '../../shared/classifier-metrics';
import type { CheckpointChoice, CheckpointMeta, CheckpointState } from '../../shared/convnet-spec';
import type { ClassifierEvalJob, ClassifierEvalResult, ClassifierPredictJob } from '../../shared/engine-jobs';
import type { DatasetStore } from '../datasets/dataset-store';
import { checkpointModelJson } from '../checkpoints/checkpoint-files';
import { EngineClient, INSPECT_IDLE_MS } from '../engines/engine-client';
import type { EnginePool } from '../engines/engine-pool';
import type { Store } from '../store/store';
import { DatasetInputError, resolveClassifierInputs, writeClassifierInputs } from './classifier-inputs';

const CONVNET_PRESETS = new Set(['lenet5-mnist', 'convnet']);
/** A data URL's base64 payload. */
const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,([A-Za-z0-9+/=\s]+)$/i;

export interface ClassifierServiceOptions {
  store: Store;
  datasets: DatasetStore;
  engines: EnginePool;
  dataDir: string;
}

export class ClassifierService {
  private engine: EngineClient | null = null;
  private seq = 0;

  constructor(private readonly o: ClassifierServiceOptions) {}

  private run(id: string): RunRecord {
    const run = this.o.store.getRun(id);
    if (!run) throw new ApiError('not_found', `no run with id ${id}`);
    if (!CONVNET_PRESETS.has(run.preset))
      throw new ApiError(
        'bad_request',
        `run ${id} is a ${run.preset} run; classifier evaluation takes a ConvNet run (mlbl eval gives a language model's perplexity and BLEU)`,
      );
    return run;
  }

  private checkpoint(runId: string, choice: CheckpointChoice): { dir: string; artefactId: number; epoch: number; labels: string[] } {
    const { file, artefact } = checkpointModelJson(this.o.store, runId, choice);
    const dir = path.dirname(file);
    let state: CheckpointState;
    try {
      state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as CheckpointState;
    } catch (e) {
      throw new ApiError('not_found', `checkpoint ${artefact.id} of run ${runId} has no readable state.json: ${(e as Error).message}`);
    }
    const labels = state.input?.labels ?? ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    return { dir, artefactId: artefact.id, epoch: (artefact.meta as unknown as CheckpointMeta).epoch ?? artefact.epoch, labels };
  }

  private client(): EngineClient {
    if (this.engine && !this.engine.dead) return this.engine;
    const fresh: EngineClient = new EngineClient(() => this.o.engines.spawn(), {
      name: 'classifier',
      idleMs: INSPECT_IDLE_MS,
      onDead: () => {
        if (this.engine === fresh) this.engine = null;
      },
    });
    this.engine = fresh;
    return fresh;
  }

  async evaluate(q: MethodParsedInput<'runs.evalClassifier'>, progress?: (p: unknown) => void): Promise<ClassifierEvaluation> {
    const run = this.run(q.id);
    const own = run.spec.preset === 'convnet' ? run.spec.params.dataset : 'mnist';
    const datasetId = q.datasetId ?? own;
    if (datasetId === 'mnist' && !this.o.datasets.get('mnist'))
      throw new ApiError('bad_request', `run ${q.id} trained on the built-in MNIST: import it (mlbl import builtin:mnist) and give its id as the dataset`);
    const ck = this.checkpoint(q.id, q.checkpoint);
    let inputs;
    try {
      inputs = resolveClassifierInputs(this.o, datasetId);
    } catch (e) {
      if (e instanceof DatasetInputError) throw new ApiError(/no dataset with id/.test(e.message) ? 'not_found' : 'bad_request', e.message);
      throw e;
    }
    // The dataset's classes onto the run's, by name; images of classes the run does not know are left out.
    const map = mapLabelsByName(inputs.labels, ck.labels);
    if (map.every((m) => m < 0))
      throw new ApiError(
        'bad_request',
        `dataset ${datasetId} has none of the run's classes (${ck.labels.join(', ')}); its classes: ${inputs.labels.join(', ')}`,
      );
    const inSplit = inputs.items.filter((it) => q.split === 'all' || it.split === q.split);
    const items = inSplit.filter((it) => (map[it.label] ?? -1) >= 0).map((it) => ({ ...it, label: map[it.label] as number }));
    if (items.length === 0)
      throw new ApiError('bad_request', `dataset ${datasetId} has no labelled images in its ${q.split} split${q.split === 'all' ? '' : ' (try --split all)'}`);
    const dir = path.join(this.o.dataDir, 'runs', q.id, 'eval');
    const file = writeClassifierInputs(dir, { ...inputs, labels: ck.labels, items }, `inputs-${process.pid}-${++this.seq}.json`);
    try {
      const job: ClassifierEvalJob = { kind: 'classifier-eval', checkpointDir: ck.dir, inputsFile: file };
      const r = await this.client().run<ClassifierEvalResult>(job, progress);
      return {
        runId: q.id,
        checkpoint: { artefactId: ck.artefactId, epoch: ck.epoch },
        dataset: datasetId,
        split: q.split,
        count: r.count,
        accuracy: r.accuracy,
        loss: r.loss,
        labels: r.labels,
        confusion: r.confusion,
        per_class: perClassScores(r.confusion, r.labels),
        unmapped: inSplit.length - items.length,
        failed: r.failed,
        mistakes: r.mistakes,
      };
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  async predict(q: MethodParsedInput<'runs.predict'>): Promise<ClassifierPredictions> {
    this.run(q.id);
    const ck = this.checkpoint(q.id, q.checkpoint);
    const images: ClassifierPredictJob['images'] = [];
    for (const f of q.files ?? []) images.push({ name: f, file: path.resolve(f) });
    (q.images ?? []).forEach((url, i) => {
      const m = DATA_URL.exec(url);
      if (!m) throw new ApiError('bad_request', `images[${i}]: expected a data URL (data:image/...;base64,...)`);
      images.push({ name: `image ${i + 1}`, base64: (m[1] as string).replace(/\s+/g, '') });
    });
    const job: ClassifierPredictJob = { kind: 'classifier-predict', checkpointDir: ck.dir, images, topK: q.topK, saliency: q.saliency };
    const r = await this.client().run<Omit<ClassifierPredictions, 'runId' | 'checkpoint'>>(job);
    return { runId: q.id, checkpoint: { artefactId: ck.artefactId, epoch: ck.epoch }, ...r };
  }

  close(): void {
    this.engine?.stop();
    this.engine = null;
  }
}
