/**
 * What the desktop says about runs outside the window: an OS notification when a run completes,
 * fails or diverges (a menu setting turns them off), and the running runs' progress on the
 * taskbar / dock icon.
 */
import type { RunRecord } from '../../shared/api';

const ENDINGS = { completed: 'finished', failed: 'failed', diverged: 'diverged' } as const;

/** A notification for a status change, or null: only on the transition into an ending, once per run. */
export function runNotification(
  previous: RunRecord['status'] | undefined,
  run: Pick<RunRecord, 'status' | 'name' | 'error' | 'summary'>,
  enabled: boolean,
): { title: string; body: string } | null {
  if (!enabled || !(run.status in ENDINGS) || previous === run.status) return null;
  const verb = ENDINGS[run.status as keyof typeof ENDINGS];
  const acc = run.summary.val_accuracy ?? run.summary.test_accuracy ?? run.summary.accuracy;
  const body =
    run.status === 'completed'
      ? acc !== undefined
        ? `accuracy ${(acc * 100).toFixed(2)} %`
        : 'training finished'
      : run.status === 'diverged'
        ? 'the loss became NaN or infinite; the last good checkpoint is kept'
        : (run.error ?? 'the engine stopped with an error').slice(0, 200);
  return { title: `Run ${run.name} ${verb}`, body };
}

/** The taskbar progress: the mean over running runs, or -1 (Electron's "no progress bar") when none runs. */
export function taskbarProgress(fractions: Iterable<number>): number {
  const all = [...fractions].filter((f) => Number.isFinite(f));
  if (!all.length) return -1;
  return Math.min(1, Math.max(0, all.reduce((a, b) => a + b, 0) / all.length));
}
