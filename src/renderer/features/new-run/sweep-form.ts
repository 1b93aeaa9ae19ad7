/**
 * The new-run form's sweep part: what the user typed (per swept field a grid of values or a range
 * to draw from, a number of draws and a seed) turned into the shared SweepSpec over the form's
 * built RunSpec. The run count comes from the shared expansion (sweep-spec.ts), so the form shows
 * exactly the number of runs `sweeps.create` will make. Messages name the field by its label.
 */
import { MAX_SWEEP_RUNS, SweepSpec, expandSweep, sweepSize, type SweepRange, type SweepSpecInput } from '../../../shared/sweep-spec';
import { applyOverrides, formatZodError, type PresetName, type RunSpec } from '../../../shared/run-spec';

export type SweepKind = 'grid' | 'uniform' | 'log' | 'choice';

export const SWEEP_KIND_LABELS: Record<SweepKind, string> = {
  grid: 'grid (every value)',
  uniform: 'uniform draw',
  log: 'log-uniform draw',
  choice: 'random choice',
};

export interface SweepRowDraft {
  id: number;
  /** The form field (and run-spec parameter) swept. */
  key: string;
  kind: SweepKind;
  /** grid and choice: a comma list. */
  values: string;
  /** uniform and log: the range. */
  lo: string;
  hi: string;
  int: boolean;
}

export interface SweepDraft {
  rows: SweepRowDraft[];
  /** How many random draws (per grid point); '' is none. */
  draws: string;
  seed: string;
}

export const emptySweepDraft = (): SweepDraft => ({ rows: [], draws: '', seed: '1' });

export type BuiltSweep = { ok: true; spec: SweepSpecInput; count: number } | { ok: false; count: number | null; errors: string[] };

const list = (text: string): string[] =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** A spec parameter as a `--set` value (a layer stack travels as JSON; the run-spec schema parses it back). */
const setValue = (v: unknown): string | number | boolean => (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : JSON.stringify(v));

/** The message of one swept value checked on the base spec, or null when the run spec takes it. */
function valueProblem(preset: PresetName, base: string[], key: string, value: string): string | null {
  try {
    applyOverrides(preset, [...base, `${key}=${value}`]);
    return null;
  } catch (e) {
    // "spec.params.learningRate: Too small..." -> the part after the path.
    return (e as Error).message.replace(/^[^:]*: /, '');
  }
}

/**
 * The sweep over `base` (the form's validated spec; null while the form has errors) that `draft`
 * describes, named `name`; or the problems, each starting with the field's label.
 */
export function buildSweep(draft: SweepDraft, base: RunSpec | null, name: string, labels: Readonly<Record<string, string>>): BuiltSweep {
  const errors: string[] = [];
  const label = (k: string): string => labels[k] ?? k;
  const grid: Record<string, string[]> = {};
  const ranges: Record<string, SweepRange> = {};
  const seen = new Set<string>();
  const preset = base?.preset as PresetName | undefined;
  const swept = new Set(draft.rows.map((r) => r.key));
  const set: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(base?.params ?? {})) if (!swept.has(k) && v !== undefined) set[k] = setValue(v);
  const baseArgs = Object.entries(set).map(([k, v]) => `${k}=${String(v)}`);

  for (const r of draft.rows) {
    const l = label(r.key);
    if (seen.has(r.key)) {
      errors.push(`${l}: swept twice; keep one row`);
      continue;
    }
    seen.add(r.key);
    if (r.kind === 'grid' || r.kind === 'choice') {
      const values = list(r.values);
      if (values.length === 0) {
        errors.push(`${l}: give one or more values, separated by commas`);
        continue;
      }
      if (preset) {
        for (const v of values) {
          const p = valueProblem(preset, baseArgs, r.key, v);
          if (p) errors.push(`${l}: value "${v}": ${p}`);
        }
      }
      if (r.kind === 'grid') grid[r.key] = values;
      else ranges[r.key] = { kind: 'choice', values };
    } else {
      const lo = Number(r.lo.trim());
      const hi = Number(r.hi.trim());
      if (r.lo.trim() === '' || !Number.isFinite(lo)) errors.push(`${l}: "from" must be a number`);
      else if (r.hi.trim() === '' || !Number.isFinite(hi)) errors.push(`${l}: "to" must be a number`);
      else if (!(lo < hi)) errors.push(`${l}: "from" (${lo}) must be below "to" (${hi})`);
      else if (r.kind === 'log' && lo <= 0) errors.push(`${l}: a log-uniform range needs "from" above 0`);
      else {
        ranges[r.key] = { kind: r.kind, lo, hi, int: r.int };
        if (preset) {
          for (const v of [lo, hi]) {
            const p = valueProblem(preset, baseArgs, r.key, String(r.int ? Math.round(v) : v));
            if (p) errors.push(`${l}: ${v === lo ? '"from"' : '"to"'} ${v}: ${p}`);
          }
        }
      }
    }
  }

  const drawsText = draft.draws.trim();
  const draws = drawsText === '' ? 0 : Number(drawsText);
  if (!Number.isInteger(draws) || draws < 0) errors.push(`Random draws: a whole number of runs (0 or more), not "${drawsText}"`);
  const seed = Number(draft.seed.trim());
  if (draft.seed.trim() === '' || !Number.isInteger(seed) || seed < 0) errors.push(`Sweep seed: a whole number (0 or more), not "${draft.seed.trim()}"`);

  const count = Number.isInteger(draws) && draws >= 0 ? sweepSize({ grid, random: draws, ranges }) : null;
  if (draft.rows.length === 0) errors.push('Swept fields: add a field to sweep');
  const hasRanges = Object.keys(ranges).length > 0 || draft.rows.some((r) => r.kind !== 'grid');
  if (hasRanges && draws === 0) errors.push('Random draws: the draws need a number of runs');
  if (!hasRanges && draws > 0) errors.push('Random draws: add a field with a uniform, log-uniform or choice draw');
  if (count !== null && count > MAX_SWEEP_RUNS) errors.push(`Runs: the sweep makes ${count} runs; at most ${MAX_SWEEP_RUNS}`);
  if (!base) errors.push('The run above has errors: fix them first');
  if (errors.length > 0 || !base) return { ok: false, count, errors };

  const trimmed = name.trim();
  const spec: SweepSpecInput = { preset: base.preset, set, grid, random: draws, ranges, seed, ...(trimmed ? { name: trimmed } : {}) };
  const parsed = SweepSpec.safeParse(spec);
  if (!parsed.success) return { ok: false, count, errors: [formatZodError(parsed.error, 'sweep')] };
  try {
    // Every run's spec through the same validation as the host's: a bad combination names its run.
    expandSweep(parsed.data);
  } catch (e) {
    return { ok: false, count, errors: [(e as Error).message] };
  }
  return { ok: true, spec, count: count ?? 0 };
}
