/** Words for a run's long phase (run-phase.ts): its count and the time left. */
import type { RunPhase } from '../../../shared/api';
import { formatDuration, formatInt } from '../../lib/format';

/** "1,234 / 8,091 images". */
export function phaseCount(p: RunPhase): string {
  return `${formatInt(p.done)} / ${formatInt(p.total)} ${p.unit}`;
}

/** "about 2 min 10 s left", "estimating time left…" before there is a rate, "finishing" at the end. */
export function phaseTimeLeft(p: RunPhase): string {
  if (p.done >= p.total) return 'finishing';
  if (p.secondsLeft === null) return 'estimating time left…';
  return `about ${formatDuration(p.secondsLeft * 1000)} left`;
}

/** Fraction done in [0, 1] (0 for an empty total). */
export function phaseFraction(p: RunPhase): number {
  return p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
}
