/** The rows of Compare's best-and-final table, computed once per change of the runs (not on every metric switch). */
import { bestAndFinal, winner, type BestFinal, type MetricGoal } from './metric-best';
import type { CompareRun } from './use-compare-data';

export interface BestFinalRow {
  key: string;
  bf: BestFinal[];
  goal: MetricGoal | null;
  wBest: number | null;
  wFinal: number | null;
}

export function bestFinalRows(keys: readonly string[], runs: readonly CompareRun[]): BestFinalRow[] {
  return keys.map((key) => {
    const bf = runs.map((r) => bestAndFinal(key, r.series[key] ?? []));
    const goal = bf[0]?.goal ?? null;
    return {
      key,
      bf,
      goal,
      wBest: winner(
        bf.map((x) => x.best?.value),
        goal,
      ),
      wFinal: winner(
        bf.map((x) => x.final?.value),
        goal,
      ),
    };
  });
}
