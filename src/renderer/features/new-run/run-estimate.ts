/**
 * How long a run will train, from the speed this host measured on recent finished runs of the same
 * kind (their last `images_per_s` / `words_per_s`, read from the runs list): the median of up to
 * RECENT runs, so one slow run under load does not set the estimate. Null when nothing was measured.
 */
import type { RunRecord } from '../../../shared/api';

const RECENT = 5;

export interface MeasuredSpeed {
  /** Median units per second. */
  perSecond: number;
  /** How many runs it is the median of. */
  runs: number;
}

export function measuredSpeed(runs: readonly RunRecord[], key: 'images_per_s' | 'words_per_s', presets: readonly string[]): MeasuredSpeed | null {
  const speeds = runs
    .filter((r) => r.status === 'completed' && presets.includes(r.preset) && (r.summary[key] ?? 0) > 0)
    .sort((a, b) => (b.endedAt ?? b.createdAt) - (a.endedAt ?? a.createdAt))
    .slice(0, RECENT)
    .map((r) => r.summary[key] as number)
    .sort((a, b) => a - b);
  if (speeds.length === 0) return null;
  const mid = Math.floor(speeds.length / 2);
  const perSecond = speeds.length % 2 ? (speeds[mid] as number) : ((speeds[mid - 1] as number) + (speeds[mid] as number)) / 2;
  return { perSecond, runs: speeds.length };
}

/** Training images a ConvNet run goes through: epochs × the training images (less the held-out split). */
export function convNetWork(f: { epochs: string; trainLimit: string; validationSplit: string }, datasetImages = 60_000): number | null {
  const epochs = Number(f.epochs);
  const limit = Number(f.trainLimit);
  const split = f.validationSplit.trim() === '' ? 0 : Number(f.validationSplit);
  if (!Number.isFinite(epochs) || epochs <= 0 || !Number.isFinite(limit) || limit < 0 || !Number.isFinite(split)) return null;
  const images = (limit > 0 ? Math.min(limit, datasetImages) : datasetImages) * (1 - Math.min(Math.max(split, 0), 1));
  return epochs * images;
}

/** Training words a language-model run goes through: epochs × the words (and end tokens) of the training captions. */
export function lmWork(
  f: { epochs: string; trainLimit: string },
  stats: { tokens: number; captions: number; images: number; trainImages: number } | null,
): number | null {
  const epochs = Number(f.epochs);
  const limit = Number(f.trainLimit);
  if (!stats || stats.images <= 0 || !Number.isFinite(epochs) || epochs <= 0 || !Number.isFinite(limit) || limit < 0) return null;
  const trainImages = limit > 0 ? Math.min(limit, stats.trainImages) : stats.trainImages;
  const wordsPerImage = (stats.tokens + stats.captions) / stats.images;
  return epochs * trainImages * wordsPerImage;
}
