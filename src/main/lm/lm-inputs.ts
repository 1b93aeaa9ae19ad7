/**
 * Language-model runs on an imported dataset (`--set dataset=ID`): before the engine starts, the
 * host resolves the dataset into what the engine's LM trainer reads, namely a captions file
 * `<runDir>/inputs/captions.csv` (`image,caption,split`: the dataset's own split by image, so the
 * held-out test images are the dataset's test split) and, for MLBL-B/F, the cached feature set
 * of the run's extractor on that dataset (extracted first when missing, with progress in the
 * run's log). `<runDir>/inputs.json` records what was resolved (for eval, decode and retrieval),
 * with paths inside the data directory relative to it (store/data-paths.ts).
 *
 * `withLmInputs` wraps an engine launcher: the 'start' message of such a run is held until the
 * inputs are resolved, then sent with `captions` and `features` set. A stop or pause while
 * resolving ends the engine; a resolution error fails the run with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EngineToHost } from '../../shared/engine-protocol';
import type { LanguageModelSpec, RunSpec } from '../../shared/run-spec';
import { csvRecords } from '../../shared/csv';
import { LM_MODELS } from '../../shared/lm-spec';
import type { SplitName } from '../../shared/dataset-schema';
import type { DatasetStore } from '../datasets/dataset-store';
import type { FeatureService } from '../features/service';
import { fromStored, relativeToDataDir, toStored } from '../store/data-paths';
import type { Store } from '../store/store';
import type { EngineLauncher, EngineProcess } from '../engines/engine-process';

export interface LmInputs {
  dataset: string | null;
  captions: string;
  features: string | null;
  featureSetId: string | null;
  images: number;
  captionCount: number;
  splits: Record<SplitName, number>;
  resolvedAt: number;
}

/** Built before the run manager (whose launcher withLmInputs wraps): runs are looked up in the store. */
export interface LmInputsContext {
  store: Store;
  datasets: DatasetStore;
  features: FeatureService;
}

export const INPUTS_FILE = 'inputs.json';

export function isLmSpec(spec: RunSpec): spec is LanguageModelSpec {
  return (LM_MODELS as readonly string[]).includes(spec.preset);
}

/** A dataset run whose inputs the host resolves (a captions-file run goes to the engine as it is). */
export function needsLmInputs(spec: RunSpec): spec is LanguageModelSpec {
  return isLmSpec(spec) && spec.params.dataset !== undefined;
}

/** What a run's inputs were resolved to, or null (a captions-file run, or not resolved yet). */
export function readLmInputs(runDir: string): LmInputs | null {
  let j: LmInputs;
  try {
    j = JSON.parse(fs.readFileSync(path.join(runDir, INPUTS_FILE), 'utf8')) as LmInputs;
  } catch {
    return null;
  }
  // Paths where the data directory is now; an older file's absolute paths are found again by the
  // run's or dataset's own folder in them (the data directory may have moved since).
  const dataDir = dataDirOf(runDir);
  const here = (p: string, marker: string | null): string => fromStored(dataDir, relativeToDataDir(dataDir, p, marker));
  return {
    ...j,
    captions: here(j.captions, `runs/${path.basename(runDir)}/`),
    features: j.features === null ? null : here(j.features, j.dataset ? `datasets/${j.dataset}/features/` : null),
  };
}

/** The data directory of a run folder (`<dataDir>/runs/<id>`). */
function dataDirOf(runDir: string): string {
  return path.resolve(runDir, '..', '..');
}

/** An extractor param: a run id of a ConvNet run, else a model path. */
export function extractorRequest(
  ctx: Pick<LmInputsContext, 'store'>,
  extractor: string,
  layer: string | undefined,
): { model?: string; fromRun?: string; layer?: string } {
  const s = extractor.trim();
  if (/^[A-Za-z0-9_-]+$/.test(s) && ctx.store.getRun(s)) return { fromRun: s, layer };
  return { model: s, layer };
}

/** The dataset's captions with their image and split, in dataset order. */
export function datasetCaptionRows(store: Store, datasetId: string): { itemId: number; image: string; split: SplitName; caption: string }[] {
  return store.db
    .prepare(
      `SELECT i.id AS itemId, COALESCE(i.path, i.key) AS image, i.split AS split, c.text AS caption
    FROM dataset_items i JOIN dataset_captions c ON c.item_id = i.id WHERE i.dataset_id = ? ORDER BY i.ord, c.n`,
    )
    .all(datasetId) as { itemId: number; image: string; split: SplitName; caption: string }[];
}

/** Resolves a dataset run's captions and features; logs as it goes; returns the spec the engine gets. */
export async function resolveLmInputs(
  ctx: LmInputsContext,
  runDir: string,
  spec: LanguageModelSpec,
  log: (level: 'info' | 'warn', message: string) => void,
  onPhase?: (m: Extract<EngineToHost, { type: 'phase' }>) => void,
): Promise<LanguageModelSpec> {
  const p = spec.params;
  const datasetId = p.dataset as string;
  const ds = ctx.datasets.get(datasetId);
  if (!ds) throw new Error(`dataset: no dataset with id ${datasetId} (see mlbl datasets)`);
  const model = spec.preset;
  if (ds.kind === 'classification') throw new Error(`dataset: ${datasetId} (${ds.name}) is a classification dataset; a language model needs captions`);
  if (ds.kind === 'text' && model !== 'lbl')
    throw new Error(`dataset: ${datasetId} (${ds.name}) is text-only; ${model} needs images (train lbl on it, or use a captioned dataset)`);

  const rows = datasetCaptionRows(ctx.store, datasetId);
  if (rows.length === 0) throw new Error(`dataset: ${datasetId} (${ds.name}) has no captions`);
  const splits: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  const seen = new Set<number>();
  for (const r of rows)
    if (!seen.has(r.itemId)) {
      seen.add(r.itemId);
      splits[r.split]++;
    }
  if (splits.train === 0) throw new Error(`dataset: ${datasetId} has no training images in its split; re-split it (mlbl datasets / the split editor)`);
  if (splits.validation === 0) throw new Error(`dataset: ${datasetId} has no validation images in its split (early stopping needs them); re-split it`);
  if (splits.test === 0) log('warn', `dataset ${datasetId} has no test images: no held-out evaluation at the end`);

  const inputsDir = path.join(runDir, 'inputs');
  fs.mkdirSync(inputsDir, { recursive: true });
  const captions = path.join(inputsDir, 'captions.csv');
  fs.writeFileSync(`${captions}.tmp`, csvRecords([['image', 'caption', 'split'], ...rows.map((r) => [r.image, r.caption, r.split])]));
  fs.renameSync(`${captions}.tmp`, captions);
  log(
    'info',
    `dataset ${datasetId} (${ds.name}): ${seen.size} images, ${rows.length} captions; split by image from the dataset: ${splits.train} train, ${splits.validation} validation, ${splits.test} test`,
  );

  let features: string | null = p.features ?? null;
  let featureSetId: string | null = null;
  if (model !== 'lbl' && features === null) {
    if (!p.extractor) throw new Error(`extractor: ${model} on a dataset needs an extractor (a TF.js model.json or a ConvNet run id) or features`);
    const req = { datasetId, ...extractorRequest(ctx, p.extractor, p.extractorLayer) };
    const svc = ctx.features;
    let lastLog = 0;
    let lastDone = -1;
    const out = await svc.extract(req, (pr) => {
      onPhase?.({ type: 'phase', name: 'features', label: 'Extracting image features', unit: 'images', done: pr.done, total: pr.total });
      const now = Date.now();
      if (pr.done === pr.total || now - lastLog > 5000 || pr.done - lastDone >= pr.total / 10) {
        if (lastDone < 0 && pr.skipped > 0) log('info', `features: resuming an interrupted extraction (${pr.skipped} of ${pr.total} images done)`);
        lastLog = now;
        lastDone = pr.done;
        log('info', `features (${pr.layer}): ${pr.done}/${pr.total} images${pr.imagesPerSecond > 0 ? `, ${pr.imagesPerSecond.toFixed(1)} images/s` : ''}`);
      }
    });
    features = out.set.path;
    featureSetId = out.set.id;
    log(
      'info',
      out.cached
        ? `features: cached set ${out.set.id} (${out.set.model} layer ${out.set.layer}, ${out.set.rows} x ${out.set.dim})`
        : `features: extracted set ${out.set.id} (${out.set.model} layer ${out.set.layer}, ${out.set.rows} x ${out.set.dim}; ${out.computed} images in ${out.seconds.toFixed(1)} s, ${out.imagesPerSecond.toFixed(1)} images/s)`,
    );
    if (out.set.failed > 0) log('warn', `features: ${out.set.failed} images could not be decoded; they are left out`);
  }
  const inputs: LmInputs = {
    dataset: datasetId,
    captions,
    features,
    featureSetId,
    images: seen.size,
    captionCount: rows.length,
    splits,
    resolvedAt: Date.now(),
  };
  const dataDir = dataDirOf(runDir);
  const stored: LmInputs = { ...inputs, captions: toStored(dataDir, captions), features: features === null ? null : toStored(dataDir, features) };
  fs.writeFileSync(path.join(runDir, INPUTS_FILE), JSON.stringify(stored, null, 2));
  return { ...spec, params: { ...p, captions, ...(features ? { features } : {}) } };
}

/** An engine launcher that resolves dataset runs' inputs before their 'start' reaches the engine. */
export function withLmInputs(base: EngineLauncher, ctx: LmInputsContext): EngineLauncher {
  return (env) => {
    const proc = base(env);
    const listeners: ((m: EngineToHost) => void)[] = [];
    const emit = (m: EngineToHost): void => {
      for (const l of listeners) l(m);
    };
    proc.onMessage(emit);
    let preparing = false;
    let cancelled = false;
    const wrapped: EngineProcess = {
      get pid() {
        return proc.pid;
      },
      send(m) {
        if (m.type === 'start' && needsLmInputs(m.spec)) {
          preparing = true;
          const log = (level: 'info' | 'warn', message: string): void => {
            if (!cancelled) emit({ type: 'log', level, message });
          };
          resolveLmInputs(ctx, m.runDir, m.spec, log, (ph) => {
            if (!cancelled) emit(ph);
          }).then(
            (spec) => {
              preparing = false;
              if (!cancelled) proc.send({ ...m, spec });
            },
            (e: unknown) => {
              preparing = false;
              if (cancelled) return;
              emit({ type: 'error', message: e instanceof Error ? e.message : String(e) });
              proc.kill();
            },
          );
          return;
        }
        if ((m.type === 'stop' || m.type === 'pause') && preparing) {
          cancelled = true;
          emit({
            type: 'log',
            level: 'info',
            message: 'stopped while resolving the dataset and its features (an extraction in progress goes on and is cached)',
          });
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
