/**
 * What the ConvNet runs leave behind, served to the API: the test confusion report, and activation
 * maps of a checkpoint for one image, computed on demand by an engine process of their own (tfjs
 * never loads in the host; the process stays warm for a minute of further requests, then ends)
 * and cached under the run's folder (activations/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/api';
import type { ActivationMaps, ActivationsResult, CheckpointChoice, CheckpointMeta, ConfusionReport } from '../../shared/convnet-spec';
import { artefactFile, checkpointModelJson } from '../checkpoints/checkpoint-files';
import { EngineClient, INSPECT_IDLE_MS } from '../engines/engine-client';
import type { EnginePool } from '../engines/engine-pool';
import { runFolder } from '../store/data-paths';
import type { Store } from '../store/store';

/** How long an activation job may take (process start, tfjs load, one forward pass). */
export const ACTIVATIONS_TIMEOUT_MS = 120_000;

/** MNIST split sizes, to refuse an impossible image index before starting a process. */
const SPLIT_SIZE = { test: 10_000, train: 60_000 } as const;

export function readConfusion(store: Store, runId: string, artefactId?: number): ConfusionReport {
  const id = artefactId ?? store.artefacts(runId, 'confusion').at(-1)?.id;
  if (id === undefined) throw new ApiError('not_found', `run ${runId} has no confusion matrix (it is written when a ConvNet run completes with testLimit > 0)`);
  const file = artefactFile(store, runId, id, 'confusion');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ConfusionReport;
  } catch (e) {
    throw new ApiError('not_found', `confusion matrix ${id} of run ${runId} cannot be read: ${(e as Error).message}`);
  }
}

/**
 * Activation maps, from one warm engine per host: started on the first request (tfjs loads once),
 * it answers requests in order and ends after INSPECT_IDLE_MS without one (or on close). A crashed
 * or timed-out engine is replaced on the next request.
 */
export class Inspection {
  private engine: EngineClient | null = null;

  constructor(private readonly o: { store: Store; engines: EnginePool }) {}

  confusion(runId: string, artefactId?: number): ConfusionReport {
    return readConfusion(this.o.store, runId, artefactId);
  }

  async activations(q: { id: string; imageIndex: number; split: 'test' | 'train'; checkpoint: CheckpointChoice }): Promise<ActivationMaps> {
    const { store } = this.o;
    if (q.imageIndex >= SPLIT_SIZE[q.split])
      throw new ApiError('bad_request', `imageIndex ${q.imageIndex} is outside the MNIST ${q.split} split (0..${SPLIT_SIZE[q.split] - 1})`);
    const { file, artefact: ck } = checkpointModelJson(store, q.id, q.checkpoint);
    const checkpointDir = path.dirname(file);
    const meta = ck.meta as unknown as CheckpointMeta;
    const checkpoint = { artefactId: ck.id, epoch: meta.epoch, steps: meta.steps, best: Boolean(meta.best) };

    const cacheDir = path.join(runFolder(store.dataDir, q.id), 'activations');
    const cacheFile = path.join(cacheDir, `ckpt-${ck.id}-${q.split}-${q.imageIndex}.json`);
    if (fs.existsSync(cacheFile)) {
      try {
        return { ...(JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as ActivationsResult), runId: q.id, checkpoint };
      } catch {
        // A damaged cache entry: compute again.
      }
    }
    const result = await this.warmEngine().run<ActivationsResult>({ kind: 'activations', checkpointDir, split: q.split, imageIndex: q.imageIndex });
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(cacheFile, JSON.stringify(result));
    return { ...result, runId: q.id, checkpoint };
  }

  private warmEngine(): EngineClient {
    if (this.engine && !this.engine.dead) return this.engine;
    try {
      const fresh: EngineClient = new EngineClient(() => this.o.engines.spawn(), {
        name: 'activation maps',
        idleMs: INSPECT_IDLE_MS,
        timeoutMs: ACTIVATIONS_TIMEOUT_MS,
        onDead: () => {
          if (this.engine === fresh) this.engine = null;
        },
      });
      this.engine = fresh;
    } catch (err) {
      throw new ApiError('internal', `could not start an engine for activation maps: ${(err as Error).message}`);
    }
    return this.engine;
  }

  close(): void {
    this.engine?.stop();
    this.engine = null;
  }
}
