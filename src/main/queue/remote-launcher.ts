/**
 * The coordinator's side of the queue: an EngineLauncher whose "engine process" is a BullMQ job.
 * The run manager drives it exactly as a local engine (start, stop, pause, kill; messages; exit),
 * so a remote run is stored, shown, compared, exported and resumed like a local one:
 *
 * - start: the job is added (spec + the checkpoint folder to resume from, whose files are put in
 *   Redis first); the run's event stream is then read in order from where it stands.
 * - each engine message on the stream goes to the run manager; files an artefact names are
 *   written into the coordinator's run folder first (so checkpoints reach the coordinator and a
 *   later resume, by any worker, starts from them).
 * - a worker's takeover of a job whose worker was lost: what was recorded after the checkpoint
 *   the new worker resumes from is deleted (resume.ts's rewind) before its messages arrive, so no
 *   metric step is stored twice and none after that checkpoint is lost. Messages of an older
 *   attempt that arrive later (a worker thought dead) are dropped.
 * - stop/pause: a job still waiting is taken off the queue; a running one is told through Redis.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { receiveEngineMessage, type EngineToHost, type HostToEngine } from '../../shared/engine-protocol';
import type { EngineLauncher, EngineProcess } from '../engines/engine-process';
import { putFiles } from './files';
import { connectRedis } from './queue-url';
import { keys, QUEUE_NAME, type ControlMessage, type RunJob, type StreamMessage } from './wire';

export interface RemoteLauncherDeps {
  url: string;
  /** The coordinator's folder of a run (checkpoints and artefacts are written there). */
  runDir(runId: string): string;
  /** A worker (its name) started or took over the run. */
  onWorker(runId: string, name: string): void;
  /** A worker resumes the run after its previous worker was lost: rewind the records to `checkpoint` (relative folder; null: from step 0). */
  onTakeover(runId: string, checkpoint: string | null, worker: string): void;
  /** The run's job was added (kept in SQLite, to catch up on it after a reopen). */
  onJob?(runId: string, jobId: string): void;
  /** The coordinator closes while a worker trains the run: its events are stored up to `cursor`. */
  onDetach?(runId: string, cursor: string): void;
  /** How long one blocking read of a stream waits (ms). */
  blockMs?: number;
}

export interface RemoteLauncher {
  launcher: EngineLauncher;
  /** A process for a run a worker trains that this coordinator left when it closed: its events from `cursor` on (catch-up). */
  attach(runId: string, jobId: string, cursor: string): EngineProcess;
  /** Before the run queue shuts down: remote runs are left to their workers (not killed), their stream positions kept. */
  detachAll(): void;
  queue: Queue;
  redis: Redis;
  close(): Promise<void>;
}

let jobSeq = 0;

export function remoteLauncher(deps: RemoteLauncherDeps): RemoteLauncher {
  const redis = connectRedis(deps.url, 'mlbl-coordinator');
  const queueConnection = redis.duplicate();
  const queue = new Queue(QUEUE_NAME, { connection: queueConnection });
  const readers = new Set<Redis>();
  const live = new Map<string, () => void>();
  let closed = false;

  const make = (attachTo?: { runId: string; jobId: string; cursor: string }): EngineProcess => {
    const messageCbs: ((m: EngineToHost) => void)[] = [];
    const exitCbs: ((code: number | null, signal: string | null, tail: string) => void)[] = [];
    let runId = attachTo?.runId ?? '';
    let jobId = attachTo?.jobId ?? '';
    let cursor = attachTo?.cursor ?? '0';
    let exited = false;
    let detached = false;
    let reader: Redis | null = null;

    const exit = (code: number | null, signal: string | null, tail: string): void => {
      if (exited) return;
      exited = true;
      live.delete(runId);
      if (reader) {
        readers.delete(reader);
        reader.disconnect();
      }
      for (const cb of exitCbs) cb(code, signal, tail);
    };
    const deliver = (m: EngineToHost): void => {
      for (const cb of messageCbs) cb(m);
    };

    const control = async (type: ControlMessage['type']): Promise<void> => {
      const job = jobId ? await queue.getJob(jobId) : undefined;
      const state = job ? await job.getState() : 'unknown';
      if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
        try {
          await job.remove();
          exit(0, type === 'kill' ? 'SIGKILL' : null, '');
          return;
        } catch {
          // Taken by a worker meanwhile: tell it, below.
        }
      }
      const msg: ControlMessage = { runId, type };
      // The key covers a worker that takes the job after this message was published.
      await redis.set(keys.control(runId), type, 'EX', 3600);
      await redis.publish(keys.controlChannel, JSON.stringify(msg));
      if (type === 'kill') exit(null, 'SIGKILL', '');
    };

    const start = async (m: Extract<HostToEngine, { type: 'start' }>): Promise<void> => {
      runId = m.runId;
      const resumeFrom = m.resumeFrom ? path.relative(m.runDir, m.resumeFrom) : undefined;
      if (resumeFrom !== undefined) await putFiles(redis, runId, m.runDir, resumeFrom);
      // Read the stream from where it stands now: what is on it was stored by an earlier start.
      const last = (await redis.xrevrange(keys.events(runId), '+', '-', 'COUNT', 1)) as [string, string[]][];
      cursor = last[0]?.[0] ?? '0';
      await redis.del(keys.control(runId));
      jobId = `${runId}.${Date.now().toString(36)}${(jobSeq++).toString(36)}`;
      const data: RunJob = { runId, spec: m.spec, ...(resumeFrom !== undefined ? { resumeFrom } : {}) };
      await queue.add('run', data, { jobId, removeOnComplete: 1000, removeOnFail: 1000 });
      deps.onJob?.(runId, jobId);
      await follow(false);
    };

    /** Hands the stream's entries of this job to the run manager in order until the run's exit. */
    const follow = async (catchingUp: boolean): Promise<void> => {
      live.set(runId, detach);
      reader = redis.duplicate();
      readers.add(reader);
      let attempt = 0;
      let drained = false;
      while (!exited && !closed) {
        let res: [string, [string, string[]][]][] | null;
        try {
          res = (await reader.xread('BLOCK', deps.blockMs ?? 1000, 'STREAMS', keys.events(runId), cursor)) as typeof res;
        } catch (e) {
          if (exited || closed) return;
          deliver({ type: 'log', level: 'warn', message: `reading the run's events from the queue failed (${(e as Error).message}); retrying` });
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            cursor = id;
            const f = fieldMap(fields);
            const a = Number(f.a ?? 0);
            if (f.j !== jobId) continue; // another job of this run (an earlier start that was stopped)
            if (a < attempt) continue; // a worker presumed lost that still wrote: its attempt was handed on
            attempt = a;
            const s = JSON.parse(f.m ?? '{}') as StreamMessage;
            await handle(s);
            if (exited) return;
          }
        }
        // Catching up on a job Redis no longer holds (flushed, or removed): once the stream is read, nothing more will come.
        if (catchingUp && !res && !drained) {
          drained = true;
          if (!(await queue.getJob(jobId))) {
            deliver({ type: 'error', message: `job ${jobId} is no longer in the queue (${QUEUE_NAME}); the run cannot be caught up beyond what was stored` });
            exit(1, null, '');
          }
        }
      }
    };

    const detach = (): void => {
      if (exited || detached) return;
      detached = true;
      deps.onDetach?.(runId, cursor);
    };

    const handle = async (s: StreamMessage): Promise<void> => {
      switch (s.type) {
        case 'worker':
          if (s.takeover) deps.onTakeover(runId, s.resumeFrom, s.name);
          deps.onWorker(runId, s.name);
          return;
        case 'exit':
          exit(s.code, s.signal, s.stderrTail);
          return;
        case 'engine': {
          if (s.files?.length) await fetchFiles(redis, runId, deps.runDir(runId), s.files);
          receiveEngineMessage(s.msg, deliver);
          return;
        }
      }
    };

    const proc: EngineProcess = {
      pid: undefined,
      send(m) {
        if (m.type === 'start') {
          start(m).catch((e: Error) => {
            deliver({ type: 'error', message: `could not queue the run on the job queue: ${e.message}` });
            exit(1, null, '');
          });
        } else if (m.type === 'stop' || m.type === 'pause') {
          control(m.type).catch((e: Error) => deliver({ type: 'log', level: 'warn', message: `could not send ${m.type} to the worker: ${e.message}` }));
        }
      },
      onMessage: (cb) => void messageCbs.push(cb),
      onExit: (cb) => void exitCbs.push(cb),
      kill() {
        // The run manager kills after a stop that did not end in time, on delete and on shutdown:
        // the worker is told to kill its engine, and the run ends here now. A detached run (this
        // coordinator is closing) is left to its worker: caught up on when the coordinator reopens.
        if (!runId || detached) return exit(null, 'SIGKILL', '');
        control('kill').catch(() => exit(null, 'SIGKILL', ''));
      },
    };
    if (attachTo)
      setImmediate(() => void follow(true).catch((e: Error) => (deliver({ type: 'error', message: `catching up failed: ${e.message}` }), exit(1, null, ''))));
    return proc;
  };

  return {
    launcher: () => make(),
    attach: (runId, jobId, cursor) => make({ runId, jobId, cursor }),
    detachAll() {
      for (const d of [...live.values()]) d();
    },
    queue,
    redis,
    async close() {
      closed = true;
      for (const r of readers) r.disconnect();
      await queue.close();
      // BullMQ leaves a connection it was given open: ours are closed here, or the process would not exit.
      queueConnection.disconnect();
      redis.disconnect();
    },
  };
}

function fieldMap(fields: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i] as string] = fields[i + 1] as string;
  return o;
}

/** Writes the files an artefact message names into the coordinator's run folder (never outside it). */
async function fetchFiles(redis: Redis, runId: string, runDir: string, files: string[]): Promise<void> {
  const root = path.resolve(runDir);
  for (const rel of files) {
    const abs = path.resolve(root, rel);
    if (!abs.startsWith(root + path.sep)) throw new Error(`file ${rel} leaves the run folder`);
    const buf = await redis.getBuffer(keys.files(runId, rel));
    if (!buf) continue; // the engine message still arrives; a missing checkpoint file shows as damage on resume
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const tmp = `${abs}.part-${process.pid}`;
    fs.writeFileSync(tmp, buf);
    fs.renameSync(tmp, abs);
  }
}
