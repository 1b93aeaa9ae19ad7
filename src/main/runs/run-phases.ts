/**
 * The host's view of each run's long phase outside its epochs (run-phase.ts): the latest count,
 * when the phase started and the time left, kept in memory (a phase is live state, like the queue
 * position) and added to the run's record. Tells the caller when the record is worth publishing:
 * at a phase's start and end, and at most every `everyMs` in between.
 */
import type { RunPhase } from '../../shared/api';
import type { EngineToHost } from '../../shared/engine-protocol';

export type PhaseMessage = Extract<EngineToHost, { type: 'phase' }>;

interface Live extends RunPhase {
  firstDone: number;
  publishedAt: number;
}

export class RunPhases {
  private readonly live = new Map<string, Live>();

  constructor(private readonly everyMs = 500) {}

  /** Records a phase message at `now`; true when the run's record should be published. */
  update(runId: string, m: PhaseMessage, now: number): boolean {
    const cur = this.live.get(runId);
    const fresh = !cur || cur.name !== m.name || m.done < cur.done;
    const startedAt = fresh ? now : cur.startedAt;
    const firstDone = fresh ? m.done : cur.firstDone;
    const next: Live = {
      name: m.name,
      label: m.label,
      unit: m.unit,
      done: m.done,
      total: m.total,
      startedAt,
      firstDone,
      secondsLeft: secondsLeft(m.done - firstDone, m.total - m.done, now - startedAt),
      publishedAt: cur && !fresh ? cur.publishedAt : 0,
    };
    const publish = fresh || m.done >= m.total || now - next.publishedAt >= this.everyMs;
    if (publish) next.publishedAt = now;
    this.live.set(runId, next);
    return publish;
  }

  /** Ends the run's phase (training resumed, or the run ended); true when there was one. */
  clear(runId: string): boolean {
    return this.live.delete(runId);
  }

  get(runId: string): RunPhase | null {
    const l = this.live.get(runId);
    if (!l) return null;
    return { name: l.name, label: l.label, unit: l.unit, done: l.done, total: l.total, startedAt: l.startedAt, secondsLeft: l.secondsLeft };
  }
}

/** Seconds left at the rate seen so far (`doneSoFar` units in `elapsedMs`); null without a rate yet. */
export function secondsLeft(doneSoFar: number, remaining: number, elapsedMs: number): number | null {
  if (remaining <= 0) return 0;
  if (doneSoFar <= 0 || elapsedMs <= 0) return null;
  return Math.ceil((remaining * elapsedMs) / doneSoFar / 1000);
}
