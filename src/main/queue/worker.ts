/**
 * `mlbl worker`: trains runs from the BullMQ queue with the workbench's own engine (one engine
 * process per job, as the host runs them) and puts every message the engine emits on the run's
 * Redis stream, in order, for the coordinator to store. The worker keeps no database: its data
 * directory only holds the run folders of the jobs in progress.
 *
 * A job taken over from a lost worker (BullMQ's stalled-job check hands it on; its attempt counter
 * says so) resumes from the newest checkpoint announced on the stream, whose files are in Redis.
 * A spec that fails validation is refused: the run fails with the reason, nothing is trained.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, type Job } from 'bullmq';
import { RunSpec, formatZodError } from '../../shared/run-spec';
import { forkEngine, type EngineLauncher, type EngineProcess } from '../engines/engine-process';
import { getFolder, stageFiles } from './files';
import { connectRedis, redactUrl } from './queue-url';
import { keys, QUEUE_NAME, type ControlMessage, type RunJob, type StreamMessage } from './wire';

export interface QueueWorkerOptions {
  url: string;
  concurrency: number;
  dataDir: string;
  name?: string;
  /** BullMQ's job lock: a worker silent this long is presumed lost and its job handed on (ms). */
  lockMs?: number;
  launcher?: EngineLauncher;
  engineEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface QueueWorker {
  name: string;
  /** Stops taking jobs; running engines are killed (their jobs go to another worker). */
  close(): Promise<void>;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  const name = o.name ?? `${os.hostname()}-${process.pid}`;
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const launcher = o.launcher ?? forkEngine;
  const redis = connectRedis(o.url, `mlbl-worker-${name}`);
  const active = new Map<string, EngineProcess>();
  /** Runs whose job lock this worker lost: their end is not reported (the job is someone else's now). */
  const lost = new Set<string>();
  fs.mkdirSync(path.join(o.dataDir, 'runs'), { recursive: true });

  const sub = redis.duplicate();
  await sub.subscribe(keys.controlChannel);
  sub.on('message', (_ch: string, text: string) => {
    let c: ControlMessage;
    try {
      c = JSON.parse(text) as ControlMessage;
    } catch {
      return;
    }
    const p = active.get(c.runId);
    if (!p) return;
    if (c.type === 'kill') p.kill();
    else p.send({ type: c.type });
  });

  const processor = async (job: Job<RunJob>): Promise<void> => {
    const jobId = job.id as string;
    const { runId } = job.data;
    if (typeof runId !== 'string' || !RUN_ID.test(runId)) throw new Error(`job ${jobId}: refused, no valid run id`);
    const attempt = await redis.incr(keys.attempts(jobId));
    await redis.expire(keys.attempts(jobId), 7 * 24 * 3600);
    const xadd = (s: StreamMessage): Promise<unknown> => redis.xadd(keys.events(runId), '*', 'j', jobId, 'a', String(attempt), 'm', JSON.stringify(s));
    // Jobs carry specs, never code: the spec is validated here as the host validates it, and refused whole.
    const parsed = RunSpec.safeParse(job.data.spec);
    if (!parsed.success) {
      const message = `worker ${name} refused the job: its spec fails validation: ${formatZodError(parsed.error, 'spec')}`;
      log(`run ${runId}: ${message}`);
      await xadd({ type: 'worker', name, takeover: false, resumeFrom: null });
      await xadd({ type: 'engine', msg: { type: 'error', message } });
      await xadd({ type: 'exit', code: 1, signal: null, stderrTail: '' });
      return;
    }
    const runDir = path.join(o.dataDir, 'runs', runId);
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(runDir, { recursive: true });
    const takeover = attempt > 1;
    let resumeFrom: string | null;
    if (takeover) resumeFrom = (await redis.get(keys.latest(runId))) || null;
    else {
      resumeFrom = job.data.resumeFrom ?? null;
      await redis.set(keys.latest(runId), resumeFrom ?? '');
    }
    if (resumeFrom && !(await getFolder(redis, runId, runDir, resumeFrom))) {
      log(`run ${runId}: checkpoint ${resumeFrom} is not in the queue's store; starting over`);
      resumeFrom = null;
    }
    log(`run ${runId}: ${takeover ? `taking over (attempt ${attempt})` : 'starting'}${resumeFrom ? ` from ${resumeFrom}` : ''}`);
    // A takeover (or a resume whose checkpoint is gone) tells the coordinator where training goes on from, so it rewinds to there.
    await xadd({ type: 'worker', name, takeover: takeover || (job.data.resumeFrom !== undefined && resumeFrom === null), resumeFrom });
    const pending = await redis.get(keys.control(runId));

    const proc = launcher(o.engineEnv);
    active.set(runId, proc);
    // Messages go out in order without waiting for each reply: one connection keeps Redis's order,
    // so a checkpoint's files are stored before its message, and its message before `latest` moves.
    let chain: Promise<unknown> = Promise.resolve();
    let failed: Error | null = null;
    const track = (p: Promise<unknown>): void => {
      chain = Promise.all([chain, p]).catch((e: Error) => {
        failed ??= e;
        proc.kill();
      });
    };
    proc.onMessage((m) => {
      try {
        if (m.type === 'artefact') {
          const rel = typeof m.meta.dir === 'string' ? m.meta.dir : m.file;
          const { files, written } = stageFiles(redis, runId, runDir, rel);
          track(written);
          track(xadd({ type: 'engine', msg: m, files }));
          // Only after its message is on the stream: a takeover resumes from a checkpoint the coordinator records.
          if ((m.kind === 'checkpoint' || m.kind === 'resume') && typeof m.meta.dir === 'string') track(redis.set(keys.latest(runId), m.meta.dir));
        } else track(xadd({ type: 'engine', msg: m }));
      } catch (e) {
        track(Promise.reject(e as Error));
      }
    });
    const done = new Promise<void>((resolve) => {
      proc.onExit((code, signal, stderrTail) => {
        chain = chain
          .then(() =>
            lost.delete(runId)
              ? undefined
              : xadd({
                  type: 'exit',
                  code,
                  signal,
                  stderrTail: failed ? `the worker could not put the engine's messages on the queue: ${failed.message}` : stderrTail,
                }),
          )
          .catch((e: Error) => log(`run ${runId}: could not report the end: ${e.message}`))
          .finally(() => resolve());
      });
    });
    proc.send({ type: 'start', runId, spec: parsed.data, runDir, ...(resumeFrom ? { resumeFrom: path.join(runDir, resumeFrom) } : {}) });
    if (pending === 'kill') proc.kill();
    else if (pending === 'stop' || pending === 'pause') proc.send({ type: pending });
    await done;
    active.delete(runId);
    fs.rmSync(runDir, { recursive: true, force: true });
    log(`run ${runId}: done`);
  };

  const workerConnection = redis.duplicate();
  const worker = new Worker<RunJob>(QUEUE_NAME, processor, {
    connection: workerConnection,
    concurrency: o.concurrency,
    lockDuration: o.lockMs ?? 30_000,
    stalledInterval: o.lockMs ?? 30_000,
    // A run may lose several workers before one finishes it; each resumes from the last checkpoint.
    maxStalledCount: 20,
    autorun: true,
  });
  worker.on('error', (e) => log(`worker ${name}: ${e.message}`));
  // A job whose lock this worker could not renew (a long pause, a lost connection) may already be
  // another worker's: its engine stops here, and anything it still wrote is dropped by the coordinator.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const id of jobIds) {
      const runId = id.slice(0, id.lastIndexOf('.'));
      const p = active.get(runId);
      if (p) {
        log(`run ${runId}: lost the job's lock; stopping its engine here (another worker resumes it)`);
        lost.add(runId);
        p.kill();
      }
    }
  });
  await worker.waitUntilReady();
  log(`worker ${name} on ${redactUrl(o.url)}: ${o.concurrency} at a time, run folders in ${o.dataDir}`);
  return {
    name,
    async close() {
      for (const p of active.values()) p.kill();
      // Bounded: with the Redis gone, BullMQ's close would wait for it indefinitely.
      await Promise.race([worker.close(true).catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
      sub.disconnect();
      workerConnection.disconnect();
      redis.disconnect();
    },
  };
}
