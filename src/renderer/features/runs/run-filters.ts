/** The runs table's filtering, search and sorting, as pure functions over run records. */
import type { RunRecord, RunStatus } from '../../../shared/api';

export interface RunFilter {
  /** Words that must all appear in the run's name, id, tags or notes (case-insensitive). */
  search: string;
  status: RunStatus | '';
  preset: string;
  dataset: string;
  tag: string;
  /** A sweep's id: only its runs. */
  sweep: string;
}

export const EMPTY_FILTER: RunFilter = { search: '', status: '', preset: '', dataset: '', tag: '', sweep: '' };

export type SortColumn = 'name' | 'status' | 'preset' | 'dataset' | 'backend' | 'created' | 'duration' | 'val_accuracy' | 'loss' | 'val_perplexity';
export interface Sort {
  column: SortColumn;
  dir: 'asc' | 'desc';
}
export const DEFAULT_SORT: Sort = { column: 'created', dir: 'desc' };

/** What a run trained on: MNIST for the ConvNet presets, the dataset id or captions file of a language model. */
export function runDataset(run: RunRecord): string {
  const p = run.spec.params as Record<string, unknown>;
  if (typeof p.dataset === 'string' && p.dataset) return p.dataset;
  if (typeof p.captions === 'string' && p.captions) return p.captions.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
  return run.preset === 'lenet5-mnist' ? 'mnist' : '';
}

/** Time spent training (paused, stopped and queued time left out); start to end for records without active time. */
export function runDuration(run: RunRecord, now: number): number | null {
  if (!run.startedAt) return null;
  if (run.activeMs === undefined) return (run.endedAt ?? now) - run.startedAt;
  return run.activeMs + (run.runningSince ? Math.max(0, now - run.runningSince) : 0);
}

export function matchesFilter(run: RunRecord, f: RunFilter): boolean {
  if (f.status && run.status !== f.status) return false;
  if (f.preset && run.preset !== f.preset) return false;
  if (f.dataset && runDataset(run) !== f.dataset) return false;
  if (f.tag && !run.tags.includes(f.tag)) return false;
  if (f.sweep && run.sweepId !== f.sweep) return false;
  const words = f.search.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length) {
    const hay = [run.name, run.id, run.preset, ...run.tags, run.notes].join('\n').toLowerCase();
    if (!words.every((w) => hay.includes(w))) return false;
  }
  return true;
}

function sortValue(run: RunRecord, column: SortColumn, now: number): string | number | null {
  switch (column) {
    case 'name':
      return (run.name || run.id).toLowerCase();
    case 'status':
      return run.status;
    case 'preset':
      return run.preset;
    case 'dataset':
      return runDataset(run).toLowerCase();
    case 'backend':
      return run.backend;
    case 'created':
      return run.createdAt;
    case 'duration':
      return runDuration(run, now);
    default: {
      const v = run.summary[column];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
  }
}

/** Stable sort by one column; runs without a value (no backend yet, no metric) go last in both directions. Ties: newest first. */
export function sortRuns(runs: readonly RunRecord[], sort: Sort, now = Date.now()): RunRecord[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return runs
    .map((run) => ({ run, v: sortValue(run, sort.column, now) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) {
        if (a.v !== b.v) return a.v === null ? 1 : -1;
      } else if (a.v !== b.v) {
        return (typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v))) * sign;
      }
      return b.run.createdAt - a.run.createdAt || a.run.id.localeCompare(b.run.id);
    })
    .map((x) => x.run);
}

/** The values each filter can take, from the runs there are. */
export function facets(runs: readonly RunRecord[]): { statuses: RunStatus[]; presets: string[]; datasets: string[]; tags: string[] } {
  const uniq = <T>(xs: T[]) => [...new Set(xs)].sort();
  return {
    statuses: uniq(runs.map((r) => r.status)),
    presets: uniq(runs.map((r) => r.preset)),
    datasets: uniq(runs.map(runDataset).filter(Boolean)),
    tags: uniq(runs.flatMap((r) => r.tags)),
  };
}

/** The sweep all of `runs` belong to (its hyperparameter columns apply to every row), or null. */
export function commonSweep(runs: readonly RunRecord[]): string | null {
  const first = runs[0]?.sweepId ?? null;
  return first !== null && runs.every((r) => r.sweepId === first) ? first : null;
}

/** A swept parameter of a run as the table shows it (its spec's value; '' when the spec leaves it to the preset). */
export function paramText(run: RunRecord, key: string): string {
  const v = (run.spec.params as Record<string, unknown>)[key];
  return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Tags typed as `a, b c` (comma-separated); trimmed, duplicates dropped. Errors name the bad tag. */
export function parseTags(input: string): { tags: string[]; error: string | null } {
  const tags = [
    ...new Set(
      input
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  const long = tags.find((t) => t.length > 50);
  if (long) return { tags, error: `Tag "${long.slice(0, 20)}…" is longer than 50 characters` };
  if (tags.length > 20) return { tags, error: `At most 20 tags (${tags.length} given)` };
  return { tags, error: null };
}
