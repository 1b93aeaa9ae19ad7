/**
 * Messages between the run manager (src/main/runs) and an engine process, declared once as zod
 * schemas (the types are inferred from them) and checked on both receiving sides: an engine
 * receiving HostToEngine (src/engine/channel.ts), a host receiving EngineToHost (the engine
 * launchers in src/main). The check is structural and cheap: metric batches can hold many
 * thousands of points, so they are checked by one loop, not a schema per point; payloads the
 * host validated before sending (run specs, jobs) are checked for their shape, not re-parsed.
 */
import { z } from 'zod';
import type { MetricPoint } from './api';
import type { RunSpec } from './run-spec';
import type { ActivationsJob, ActivationsResult } from './convnet-spec';
import type { EngineJob } from './engine-jobs';
import { RUN_PHASE_NAMES } from './run-phase';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object whose `field` is a string (a tagged payload checked for its tag only). */
const tagged = <T>(field: string, what: string) =>
  z.custom<T>((v) => isObject(v) && typeof v[field] === 'string', { message: `expected ${what} (an object with a string "${field}")` });

type Points = (MetricPoint & { key: string })[];

/** Every point an object with a string key and numeric step, epoch, wallTime and value (NaN allowed: a diverged loss). */
function isPoints(v: unknown): v is Points {
  if (!Array.isArray(v)) return false;
  for (const p of v as unknown[]) {
    if (!isObject(p)) return false;
    if (typeof p.key !== 'string' || typeof p.step !== 'number' || typeof p.epoch !== 'number' || typeof p.wallTime !== 'number' || typeof p.value !== 'number')
      return false;
  }
  return true;
}

const requestId = z.number().int();
/** Any number, NaN and infinities included (zod's number refuses them; a diverged loss is one). */
const num = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });

export const HostToEngine = z.discriminatedUnion('type', [
  /**
   * `resumeFrom`: continue this run in place from a checkpoint folder the host chose (its last
   * good one, inside runDir): the step count, optimizer state and random streams go on from there.
   */
  z.object({
    type: z.literal('start'),
    runId: z.string(),
    spec: z.custom<RunSpec>((v) => isObject(v) && typeof v.preset === 'string' && isObject(v.params), {
      message: 'expected a run spec (an object with a string "preset" and "params")',
    }),
    runDir: z.string(),
    resumeFrom: z.string().optional(),
  }),
  z.object({ type: z.literal('stop') }),
  /** Like 'stop', but always writes a checkpoint first (the run ends `paused`, resumable). */
  z.object({ type: z.literal('pause') }),
  /**
   * A short job outside any run (activation maps from a checkpoint), answered by 'inspected' with
   * the same requestId. The process stays up for further jobs until 'stop' (or the host's exit).
   */
  z.object({ type: z.literal('inspect'), requestId, job: tagged<ActivationsJob>('checkpointDir', 'an activations job') }),
  /** A host job (feature extraction, LM eval/decode/retrieval; engine-jobs.ts), answered by 'job-progress'* and one 'job-done'. */
  z.object({ type: z.literal('job'), requestId, job: tagged<EngineJob>('kind', 'an engine job') }),
]);
export type HostToEngine = z.infer<typeof HostToEngine>;

export const EngineToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('started'), backend: z.string(), seed: num, skipped: z.array(z.object({ backend: z.string(), reason: z.string() })) }),
  z.object({
    type: z.literal('metrics'),
    points: z.custom<Points>(isPoints, { message: 'expected an array of metric points ({ key: string, step, epoch, wallTime, value: number })' }),
  }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  z.object({ type: z.literal('artefact'), kind: z.string(), file: z.string(), step: num, epoch: num, meta: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('progress'), epoch: num, epochs: num, step: num, stepsPerEpoch: num }),
  /** Progress of a long phase outside the epochs (run-phase.ts): `done` of `total` `unit`s. The host adds the time left. */
  z.object({ type: z.literal('phase'), name: z.enum(RUN_PHASE_NAMES), label: z.string().max(200), unit: z.string().max(40), done: num, total: num }),
  z.object({ type: z.literal('sample'), step: num, epoch: num, kind: z.string(), text: z.string(), data: z.unknown() }),
  z.object({ type: z.literal('done'), outcome: z.enum(['completed', 'stopped']), summary: z.record(z.string(), num) }),
  z.object({ type: z.literal('error'), message: z.string(), stack: z.string().optional() }),
  /** A NaN or infinite loss (or weights) at `step`: the run ends `diverged`; no checkpoint is written from those weights. */
  z.object({ type: z.literal('diverged'), step: num, loss: num, message: z.string() }),
  z.object({
    type: z.literal('inspected'),
    requestId,
    result: z.custom<ActivationsResult>(isObject, { message: 'expected activation maps (an object)' }).optional(),
    error: z.string().optional(),
  }),
  z.object({ type: z.literal('job-progress'), requestId, progress: z.unknown() }),
  z.object({ type: z.literal('job-done'), requestId, result: z.unknown().optional(), error: z.string().optional() }),
]);
export type EngineToHost = z.infer<typeof EngineToHost>;

export type MessageCheck<T> = { ok: true; msg: T } | { ok: false; error: string };

/** What is wrong with a message, by field (never its contents: a log line must stay short). */
function check<T>(schema: z.ZodType<T>, m: unknown): MessageCheck<T> {
  const r = schema.safeParse(m);
  if (r.success) return { ok: true, msg: r.data };
  const type = isObject(m) && typeof m.type === 'string' ? `'${m.type.slice(0, 40)}' message` : 'message';
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`);
  return { ok: false, error: `invalid ${type}: ${issues.join('; ')}${r.error.issues.length > 3 ? ` (and ${r.error.issues.length - 3} more)` : ''}` };
}

export const checkHostToEngine = (m: unknown): MessageCheck<HostToEngine> => check(HostToEngine, m);
export const checkEngineToHost = (m: unknown): MessageCheck<EngineToHost> => check(EngineToHost, m);

/**
 * Hands a message an engine sent on to the host's handler when it is valid; an invalid one is
 * dropped and becomes a warn log line saying what was wrong (a run records it; job clients ignore
 * logs). Never throws: a confused engine must not take the host down.
 */
export function receiveEngineMessage(m: unknown, cb: (msg: EngineToHost) => void): void {
  const r = checkEngineToHost(m);
  cb(r.ok ? r.msg : { type: 'log', level: 'warn', message: `dropped a message from the engine: ${r.error}` });
}
