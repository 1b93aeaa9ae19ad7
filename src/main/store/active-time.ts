/**
 * Time a run spent training, as the sum of its running intervals: a paused, stopped, queued or
 * interrupted run's clock stands still, so a run trained 30 s shows 30 s after a resume, not the
 * wall time since its first start. Kept in two columns of `runs` (migration 8): `active_ms`, the
 * closed intervals, and `running_since`, the start of the open one (null unless running).
 */
import type { RunStatus } from '../../shared/api';

export interface ActiveTime {
  active_ms: number;
  running_since: number | null;
}

/** The columns after a status change at `now` (ms since the epoch); null when nothing changes. */
export function activeTimeAfter(cur: ActiveTime & { status: RunStatus }, next: RunStatus, now: number): ActiveTime | null {
  const wasRunning = cur.status === 'running' && cur.running_since !== null;
  if (next === 'running') return wasRunning ? null : { active_ms: cur.active_ms, running_since: now };
  if (!wasRunning) return cur.running_since === null ? null : { active_ms: cur.active_ms, running_since: null };
  return { active_ms: cur.active_ms + Math.max(0, now - (cur.running_since as number)), running_since: null };
}
