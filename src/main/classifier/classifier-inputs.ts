/**
 * ConvNet runs and evaluations on an imported classification dataset: the host reads the
 * dataset's labelled items, class names and split from SQLite into a `ClassifierInputs` file the
 * engine decodes from (src/engine/train/convnet-dataset.ts). The decoded-image cache of a dataset
 * lives in `<dataDir>/datasets/<id>/inputs/`, shared by every run and evaluation at the same shape.
 *
 * `withClassifierInputs` wraps an engine launcher: a convnet run's 'start' on a dataset is held
 * until `<runDir>/classifier-inputs.json` is written; a dataset that cannot be trained on fails
 * the run with the reason (no label, no training images, a text dataset).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLASSIFIER_INPUTS_FILE, type ClassifierInputs, type ClassifierItem } from '../../shared/image-input';
import type { SplitName } from '../../shared/dataset-schema';
import type { RunSpec, TransferSpec } from '../../shared/run-spec';
import type { FeatureService } from '../features/service';
import type { DatasetStore } from '../datasets/dataset-store';
import type { EngineLauncher, EngineProcess } from '../engines/engine-process';
import type { Store } from '../store/store';
import type { EngineToHost } from '../../shared/engine-protocol';

export interface ClassifierInputsContext {
  store: Store;
  datasets: DatasetStore;
  dataDir: string;
  /** Transfer runs: the backbone's cached features of the dataset. */
  features?: FeatureService;
}

/** A convnet run on an imported dataset (the built-in `mnist` needs nothing resolved), or a transfer run. */
export function needsClassifierInputs(spec: RunSpec): boolean {
  return (spec.preset === 'convnet' && spec.params.dataset !== 'mnist') || spec.preset === 'transfer';
}

/** What a transfer run's engine reads besides the classifier inputs: the backbone's feature file. */
export interface TransferInputs {
  features: string;
  featureSetId: string;
  model: string;
  layer: string;
  dim: number;
}
export const TRANSFER_INPUTS_FILE = 'transfer-inputs.json';

/** Extracts (or finds cached) the backbone's features of the dataset; logs as it goes. */
async function resolveTransfer(ctx: ClassifierInputsContext, spec: TransferSpec, runDir: string, log: (m: EngineToHost) => void): Promise<void> {
  if (!ctx.features) throw new Error('transfer: this host has no feature service');
  const p = spec.params;
  const b = p.backbone.trim();
  const req = /^[A-Za-z0-9_-]+$/.test(b) && ctx.store.getRun(b) ? { fromRun: b } : { model: b };
  let last = 0;
  const out = await ctx.features.extract({ datasetId: p.dataset, ...req, ...(p.layer ? { layer: p.layer } : {}) }, (pr) => {
    log({ type: 'phase', name: 'features', label: 'Extracting backbone features', unit: 'images', done: pr.done, total: pr.total });
    if (Date.now() - last > 5000 || pr.done === pr.total) {
      last = Date.now();
      log({ type: 'log', level: 'info', message: `features (${pr.layer}): ${pr.done}/${pr.total} images` });
    }
  });
  log({
    type: 'log',
    level: 'info',
    message: out.cached
      ? `backbone features: cached set ${out.set.id} (${out.set.model} layer ${out.set.layer}, ${out.set.rows} x ${out.set.dim})`
      : `backbone features: extracted set ${out.set.id} (${out.set.rows} x ${out.set.dim}; ${out.computed} images in ${out.seconds.toFixed(1)} s, ${out.imagesPerSecond.toFixed(1)} images/s)`,
  });
  const t: TransferInputs = { features: out.set.path, featureSetId: out.set.id, model: out.set.model, layer: out.set.layer, dim: out.set.dim };
  fs.writeFileSync(path.join(runDir, TRANSFER_INPUTS_FILE), JSON.stringify(t));
}

export class DatasetInputError extends Error {}

/** The labelled images of a classification dataset, in dataset order, with its class names. */
export function resolveClassifierInputs(ctx: ClassifierInputsContext, datasetId: string): ClassifierInputs {
  const ds = ctx.datasets.get(datasetId);
  if (!ds) throw new DatasetInputError(`dataset: no dataset with id ${datasetId} (see mlbl datasets)`);
  if (ds.kind !== 'classification')
    throw new DatasetInputError(
      `dataset: ${datasetId} (${ds.name}) is a ${ds.kind} dataset; a ConvNet needs labelled images (class folders, an image,label CSV/JSONL or MNIST)`,
    );
  const root = ds.format === 'mnist' ? ds.source : ds.imagesDir;
  if (!root) throw new DatasetInputError(`dataset: ${datasetId} (${ds.name}) has no images folder`);
  const labels = (ctx.store.db.prepare('SELECT name FROM dataset_classes WHERE dataset_id = ? ORDER BY idx').pluck().all(datasetId) as string[]).slice();
  const rows = ctx.store.db
    .prepare('SELECT id, path, frame, label, split FROM dataset_items WHERE dataset_id = ? AND label IS NOT NULL AND path IS NOT NULL ORDER BY ord')
    .all(datasetId) as { id: number; path: string; frame: number | null; label: number; split: SplitName }[];
  if (rows.length === 0) throw new DatasetInputError(`dataset: ${datasetId} (${ds.name}) has no labelled images`);
  if (labels.length < 2) throw new DatasetInputError(`dataset: ${datasetId} (${ds.name}) has ${labels.length} class; a classifier needs at least 2`);
  const items: ClassifierItem[] = rows.map((r) => ({ id: r.id, path: r.path, frame: r.frame, label: r.label, split: r.split }));
  return {
    dataset: { id: ds.id, name: ds.name, format: ds.format },
    root,
    labels,
    items,
    cacheDir: path.join(ctx.dataDir, 'datasets', ds.id, 'inputs'),
  };
}

/** Writes `<dir>/classifier-inputs.json` (by rename); returns the file. */
export function writeClassifierInputs(dir: string, inputs: ClassifierInputs, file = CLASSIFIER_INPUTS_FILE): string {
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, file);
  fs.writeFileSync(`${out}.tmp`, JSON.stringify(inputs));
  fs.renameSync(`${out}.tmp`, out);
  return out;
}

/** An engine launcher that writes a dataset run's inputs before its 'start' reaches the engine. */
export function withClassifierInputs(base: EngineLauncher, ctx: ClassifierInputsContext): EngineLauncher {
  return (env) => {
    const proc = base(env);
    const listeners: ((m: EngineToHost) => void)[] = [];
    proc.onMessage((m) => {
      for (const l of listeners) l(m);
    });
    const fail = (e: unknown): void => {
      for (const l of listeners) l({ type: 'error', message: e instanceof Error ? e.message : String(e) });
      proc.kill();
    };
    let preparing = false;
    let cancelled = false;
    const wrapped: EngineProcess = {
      get pid() {
        return proc.pid;
      },
      send(m) {
        if (m.type === 'start' && needsClassifierInputs(m.spec)) {
          try {
            const inputs = resolveClassifierInputs(ctx, (m.spec.params as { dataset: string }).dataset);
            writeClassifierInputs(m.runDir, inputs);
          } catch (e) {
            fail(e);
            return;
          }
          if (m.spec.preset === 'transfer') {
            // The features come first (an engine of the feature service extracts them); the run's engine waits.
            preparing = true;
            resolveTransfer(ctx, m.spec, m.runDir, (msg) => {
              if (!cancelled) for (const l of listeners) l(msg);
            }).then(
              () => {
                preparing = false;
                if (!cancelled) proc.send(m);
              },
              (e: unknown) => {
                preparing = false;
                if (!cancelled) fail(e);
              },
            );
            return;
          }
        }
        if ((m.type === 'stop' || m.type === 'pause') && preparing) {
          cancelled = true;
          for (const l of listeners)
            l({ type: 'log', level: 'info', message: 'stopped while extracting the backbone features (the extraction goes on and is cached)' });
          proc.kill();
          return;
        }
        proc.send(m);
      },
      onMessage(cb) {
        listeners.push(cb);
      },
      onExit(cb) {
        proc.onExit(cb);
      },
      kill() {
        cancelled = true;
        proc.kill();
      },
    };
    return wrapped;
  };
}
