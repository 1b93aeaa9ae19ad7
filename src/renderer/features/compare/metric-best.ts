/** Best and final values of a metric, for the compare page. */
import type { MetricPoint } from '../../../shared/api';

import { metricGoal, type MetricGoal } from '../../lib/labels';

export { metricGoal, type MetricGoal };

export interface BestFinal {
  /** The value at the highest step. */
  final: MetricPoint | null;
  /** The minimum or maximum (per metricGoal) and where it was reached; null when the goal is unknown. */
  best: MetricPoint | null;
  goal: MetricGoal | null;
}

/** Best (first reached on ties) and final value of a series; NaN and infinite values are never best, but can be final. */
export function bestAndFinal(key: string, points: readonly MetricPoint[]): BestFinal {
  const goal = metricGoal(key);
  let final: MetricPoint | null = null;
  let best: MetricPoint | null = null;
  for (const p of points) {
    if (!final || p.step >= final.step) final = p;
    if (!goal || !Number.isFinite(p.value)) continue;
    if (!best || (goal === 'min' ? p.value < best.value : p.value > best.value) || (p.value === best.value && p.step < best.step)) best = p;
  }
  return { final, best, goal };
}

/** Index of the run whose value wins among `values` for the goal (null when no goal or no finite value). */
export function winner(values: readonly (number | null | undefined)[], goal: MetricGoal | null): number | null {
  if (!goal) return null;
  let w: number | null = null;
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return;
    const cur = w === null ? undefined : (values[w] as number);
    if (cur === undefined || (goal === 'min' ? v < cur : v > cur)) w = i;
  });
  return w;
}
