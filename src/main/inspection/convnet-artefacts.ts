/**
 * What the ConvNet runs leave behind, served to the API: the test confusion report, and activation
 * maps of a checkpoint for one image, computed on demand by an engine process of their own (tfjs
 * never loads in the host; the process stays warm for a minute of further requests, then ends)
 * and cached under the run's folder (activations/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type ArtefactRecord } from '../../shared/api';
import type { ActivationMaps, ActivationsJob, ActivationsResult, CheckpointChoice, CheckpointMeta, ConfusionReport } from '../../shared/convnet-spec';
import type { EngineToHost } from '../../shared/engine-protocol';
import type { Store } from '../store/store';
import type { EngineProcess } from '../engines/engine-process';
import type { RunManager } from '../runs/run-manager';

/** How long an activation job may take (process start, tfjs load, one forward pass). */
export const ACTIVATIONS_TIMEOUT_MS = 120_000;
/** An idle activation engine ends after this long. */
export const INSPECT_IDLE_MS = 60_000;

/** MNIST split sizes, to refuse an impossible image index before starting a process. */
const SPLIT_SIZE = { test: 10_000, train: 60_000 } as const;

/** The artefact's file, checked to lie inside the run's folder. */
function artefactFile(store: Store, runs: RunManager, runId: string, artefactId: number, kind: string): string {
  const a = store.artefactPath(runId, artefactId);
  if (!a || a.kind !== kind) throw new ApiError('not_found', `run ${runId} has no ${kind} artefact ${artefactId}`);
  const root = path.resolve(runs.runDir(runId));
  if (!path.resolve(a.path).startsWith(root + path.sep)) throw new ApiError('internal', 'artefact outside its run folder');
  return a.path;
}

export function readConfusion(store: Store, runs: RunManager, runId: string, artefactId?: number): ConfusionReport {
  const id = artefactId ?? store.artefacts(runId, 'confusion').at(-1)?.id;
  if (id === undefined) throw new ApiError('not_found', `run ${runId} has no confusion matrix (it is written when a ConvNet run completes with testLimit > 0)`);
  const file = artefactFile(store, runs, runId, id, 'confusion');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ConfusionReport;
  } catch (e) {
    throw new ApiError('not_found', `confusion matrix ${id} of run ${runId} cannot be read: ${(e as Error).message}`);
  }
}

/** The checkpoint artefact `choice` names: the latest best one, the latest one, or an id. */
export function chooseCheckpoint(list: ArtefactRecord[], choice: CheckpointChoice): ArtefactRecord | undefined {
  if (typeof choice === 'number') return list.find((a) => a.id === choice);
  if (choice === 'best') return list.filter((a) => (a.meta as unknown as CheckpointMeta).best).at(-1) ?? list.at(-1);
  return list.at(-1);
}

/**
 * model.json of a run's checkpoint (TF.js layers format, loadable by any file-system tf.io
 * handler), e.g. for `mlbl features --from-run ID`. A stack with conv1d padding needs
 * src/engine/models/convnet imported first (it registers ZeroPadding1D).
 */
export function checkpointModelJson(store: Store, runs: RunManager, runId: string, choice: CheckpointChoice = 'best'): { file: string; artefact: ArtefactRecord } {
  const list = store.artefacts(runId, 'checkpoint');
  if (list.length === 0) throw new ApiError('not_found', `run ${runId} has no checkpoints (ConvNet runs write one per epoch unless checkpointEvery is 0)`);
  const ck = chooseCheckpoint(list, choice);
  if (!ck) throw new ApiError('not_found', `run ${runId} has no checkpoint ${String(choice)}`);
  const file = artefactFile(store, runs, runId, ck.id, 'checkpoint');
  if (!fs.existsSync(file)) throw new ApiError('not_found', `checkpoint ${ck.id} of run ${runId} is gone from disk (${path.dirname(file)})`);
  return { file, artefact: ck };
}

export async function activations(
  store: Store,
  runs: RunManager,
  q: { id: string; imageIndex: number; split: 'test' | 'train'; checkpoint: CheckpointChoice },
): Promise<ActivationMaps> {
  if (q.imageIndex >= SPLIT_SIZE[q.split]) throw new ApiError('bad_request', `imageIndex ${q.imageIndex} is outside the MNIST ${q.split} split (0..${SPLIT_SIZE[q.split] - 1})`);
  const { file, artefact: ck } = checkpointModelJson(store, runs, q.id, q.checkpoint);
  const checkpointDir = path.dirname(file);
  const meta = ck.meta as unknown as CheckpointMeta;
  const checkpoint = { artefactId: ck.id, epoch: meta.epoch, steps: meta.steps, best: Boolean(meta.best) };

  const cacheDir = path.join(runs.runDir(q.id), 'activations');
  const cacheFile = path.join(cacheDir, `ckpt-${ck.id}-${q.split}-${q.imageIndex}.json`);
  if (fs.existsSync(cacheFile)) {
    try {
      return { ...(JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as ActivationsResult), runId: q.id, checkpoint };
    } catch {
      // A damaged cache entry: compute again.
    }
  }
  const result = await inspectEngine(runs).run({ kind: 'activations', checkpointDir, split: q.split, imageIndex: q.imageIndex });
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(cacheFile, JSON.stringify(result));
  return { ...result, runId: q.id, checkpoint };
}

/**
 * One warm engine process per run manager for activation jobs: started on the first request
 * (tfjs loads once), answers requests in order, and ends after INSPECT_IDLE_MS without one (and
 * with the run manager). A crashed or timed-out engine is replaced on the next request.
 */
class InspectEngine {
  private readonly proc: EngineProcess;
  private readonly ready: Promise<void>;
  private readonly pending = new Map<number, { resolve(r: ActivationsResult): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private idle: NodeJS.Timeout | null = null;
  dead = false;

  constructor(runs: RunManager, private readonly onDead: () => void) {
    this.proc = runs.spawnEngine();
    let markReady = (): void => {};
    this.ready = new Promise((resolve) => { markReady = resolve; });
    this.proc.onMessage((m: EngineToHost) => {
      if (m.type === 'ready') markReady();
      else if (m.type === 'inspected') this.settle(m.requestId, m.error, m.result);
    });
    this.proc.onExit((code, signal, tail) => {
      this.die();
      markReady(); // a request waiting for 'ready' goes on to find the engine dead
      const err = new ApiError('internal', `the activation engine ended (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`);
      for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err); }
      this.pending.clear();
    });
  }

  async run(job: ActivationsJob): Promise<ActivationsResult> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const id = this.nextId++;
    const answer = new Promise<ActivationsResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiError('internal', `activation maps took longer than ${ACTIVATIONS_TIMEOUT_MS / 1000} s; engine killed`));
        this.stop();
      }, ACTIVATIONS_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
    });
    answer.catch(() => {}); // handled by the caller; may reject while we wait for 'ready'
    await this.ready;
    if (this.dead) {
      const p = this.pending.get(id);
      if (p) { clearTimeout(p.timer); this.pending.delete(id); p.reject(new ApiError('internal', 'the activation engine ended before it was ready')); }
    } else {
      this.proc.send({ type: 'inspect', requestId: id, job });
    }
    return answer;
  }

  stop(): void {
    this.die();
    this.proc.kill();
  }

  private die(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.idle) clearTimeout(this.idle);
    this.onDead();
  }

  private settle(id: number, error: string | undefined, result: ActivationsResult | undefined): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error !== undefined || !result) p.reject(new ApiError(/outside the MNIST|takes \[/.test(error ?? '') ? 'bad_request' : 'internal', `activation maps: ${error ?? 'no result'}`));
    else p.resolve(result);
    if (this.pending.size === 0 && !this.dead) {
      this.idle = setTimeout(() => this.stop(), INSPECT_IDLE_MS);
      this.idle.unref();
    }
  }
}

const inspectEngines = new WeakMap<RunManager, InspectEngine>();

function inspectEngine(runs: RunManager): InspectEngine {
  let e = inspectEngines.get(runs);
  if (!e || e.dead) {
    try {
      const fresh: InspectEngine = new InspectEngine(runs, () => { if (inspectEngines.get(runs) === fresh) inspectEngines.delete(runs); });
      e = fresh;
    } catch (err) {
      throw new ApiError('internal', `could not start an engine for activation maps: ${(err as Error).message}`);
    }
    inspectEngines.set(runs, e);
  }
  return e;
}
