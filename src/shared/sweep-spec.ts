/**
 * Sweeps: a base run spec (a preset and `--set` keys) plus a grid and/or N seeded random draws
 * over ranges, expanded into the runs' specs here, once, so the CLI, the GUI's run count and the
 * host agree on exactly which runs a sweep makes. Pure: no Node, no DOM.
 *
 * Expansion: the grid's cartesian product (keys in the order given, the last key varying
 * fastest); with `random: N`, every grid point gets N draws of the ranges (no grid: N draws).
 * Values travel as the strings `--set` takes, so each run's spec goes through the same
 * applyOverrides/RunSpec validation as `mlbl train`, and a bad value names its key.
 */
import { z } from 'zod';
import { Rng } from './random';
import { PRESETS, applyOverrides, formatZodError, type PresetName, type RunSpec } from './run-spec';

/** At most this many runs per sweep: a typo in a grid should not queue a million runs. */
export const MAX_SWEEP_RUNS = 1000;

const Key = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'parameter names are letters, digits and _');
const Value = z.union([z.string().max(1000), z.number(), z.boolean()]);

export const SweepRange = z.discriminatedUnion('kind', [
  /** Uniform in [lo, hi); `int` rounds to an integer in [lo, hi]. */
  z.strictObject({ kind: z.literal('uniform'), lo: z.number().finite(), hi: z.number().finite(), int: z.boolean().default(false) }),
  /** Log-uniform in [lo, hi) (both > 0): as many draws per decade. */
  z.strictObject({ kind: z.literal('log'), lo: z.number().positive().finite(), hi: z.number().positive().finite(), int: z.boolean().default(false) }),
  z.strictObject({ kind: z.literal('choice'), values: z.array(Value).min(1).max(1000) }),
]);
export type SweepRange = z.infer<typeof SweepRange>;

export const SweepSpec = z
  .strictObject({
    name: z.string().trim().max(200).optional(),
    preset: z.enum(PRESETS),
    /** The base spec's `--set` keys (name excluded: each run is named after the sweep and its values). */
    set: z.record(Key, Value).default({}),
    grid: z.record(Key, z.array(Value).min(1).max(1000)).default({}),
    random: z.number().int().min(0).max(MAX_SWEEP_RUNS).default(0),
    ranges: z.record(Key, SweepRange).default({}),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    /** The metric that picks the best run (its last value), and whether higher or lower is better. */
    metric: z.string().min(1).max(100).optional(),
    goal: z.enum(['max', 'min']).optional(),
  })
  .superRefine((s, ctx) => {
    for (const [k, r] of Object.entries(s.ranges)) {
      if (r.kind !== 'choice' && !(r.lo < r.hi)) ctx.addIssue({ code: 'custom', path: ['ranges', k], message: `lo (${r.lo}) must be below hi (${r.hi})` });
      if (k in s.grid) ctx.addIssue({ code: 'custom', path: ['ranges', k], message: `${k} is in both the grid and the ranges` });
    }
    if (Object.keys(s.ranges).length > 0 && s.random === 0)
      ctx.addIssue({ code: 'custom', path: ['random'], message: 'ranges need random: N (how many draws)' });
    if (s.random > 0 && Object.keys(s.ranges).length === 0) ctx.addIssue({ code: 'custom', path: ['ranges'], message: 'random draws need at least one range' });
    for (const k of [...Object.keys(s.grid), ...Object.keys(s.ranges)]) {
      if (k in s.set) ctx.addIssue({ code: 'custom', path: ['set', k], message: `${k} is set in the base spec and swept` });
    }
    const n = sweepSize(s);
    if (n === 0) ctx.addIssue({ code: 'custom', path: ['grid'], message: 'a sweep needs a grid or random draws' });
    if (n > MAX_SWEEP_RUNS) ctx.addIssue({ code: 'custom', path: ['grid'], message: `the sweep makes ${n} runs; at most ${MAX_SWEEP_RUNS}` });
  });
export type SweepSpec = z.infer<typeof SweepSpec>;
export type SweepSpecInput = z.input<typeof SweepSpec>;

/** How many runs a sweep makes (for the form's "Sweep (N runs)" before anything is expanded). */
export function sweepSize(s: { grid?: Record<string, unknown[]>; random?: number; ranges?: Record<string, unknown> }): number {
  const grid = Object.values(s.grid ?? {});
  const points = grid.length ? grid.reduce((n, v) => n * v.length, 1) : 0;
  const draws = s.random ?? 0;
  if (points === 0) return draws;
  return draws > 0 ? points * draws : points;
}

export interface SweepPoint {
  /** The swept values of this run, as typed on the command line (key -> string). */
  values: Record<string, string>;
  spec: RunSpec;
}

/** Numbers print short and exact enough to read (a log-uniform draw 0.0012345678 -> "0.00123457"). */
function show(v: string | number | boolean): string {
  if (typeof v !== 'number') return String(v);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function draw(r: SweepRange, rng: Rng): string {
  switch (r.kind) {
    case 'choice':
      return show(r.values[Math.floor(rng.next() * r.values.length)] as string | number | boolean);
    case 'uniform':
      return show(r.int ? rng.int(Math.ceil(r.lo), Math.floor(r.hi)) : rng.uniform(r.lo, r.hi));
    case 'log': {
      const v = Math.exp(rng.uniform(Math.log(r.lo), Math.log(r.hi)));
      return show(r.int ? Math.min(Math.floor(r.hi), Math.max(Math.ceil(r.lo), Math.round(v))) : v);
    }
  }
}

/** The swept values of every run, in order (grid point by grid point, draws within each). */
export function sweepValues(s: SweepSpec): Record<string, string>[] {
  const gridKeys = Object.keys(s.grid);
  let points: Record<string, string>[] = [{}];
  for (const k of gridKeys) points = points.flatMap((p) => (s.grid[k] as (string | number | boolean)[]).map((v) => ({ ...p, [k]: show(v) })));
  if (s.random === 0) return gridKeys.length ? points : [];
  // One stream for the whole sweep, drawn in a fixed order (point, draw, range key): the same seed gives the same runs.
  const rng = new Rng(s.seed);
  const rangeKeys = Object.keys(s.ranges);
  const out: Record<string, string>[] = [];
  for (const p of points) {
    for (let i = 0; i < s.random; i++) {
      const v: Record<string, string> = { ...p };
      for (const k of rangeKeys) v[k] = draw(s.ranges[k] as SweepRange, rng);
      out.push(v);
    }
  }
  return out;
}

/**
 * Every run of the sweep as a validated spec, named `<sweep> #i k=v ...`; throws one message
 * naming the run, the key and what is wrong with the first invalid one.
 */
export function expandSweep(s: SweepSpec): SweepPoint[] {
  const base = Object.entries(s.set).map(([k, v]) => `${k}=${show(v)}`);
  const label = s.name?.trim() || `${s.preset} sweep`;
  return sweepValues(s).map((values, i) => {
    const swept = Object.entries(values).map(([k, v]) => `${k}=${v}`);
    let spec: RunSpec;
    try {
      spec = applyOverrides(s.preset as PresetName, [...base, ...swept]);
    } catch (e) {
      throw new Error(`sweep run ${i + 1} (${swept.join(' ')}): ${(e as Error).message}`, { cause: e });
    }
    return { values, spec: { ...spec, name: `${label} #${i + 1} ${swept.join(' ')}`.slice(0, 200) } };
  });
}

/** Parses a SweepSpec, naming the field of the first problems (for the CLI and the handlers). */
export function parseSweepSpec(input: unknown): SweepSpec {
  const r = SweepSpec.safeParse(input);
  if (!r.success) throw new Error(formatZodError(r.error, 'sweep'));
  return r.data;
}

/**
 * A command line `--range` value: `lo:hi` (uniform), `lo:hi:log` (log-uniform), either with
 * `:int`, or `a,b,c` (a choice).
 */
export function parseRangeArg(key: string, text: string): SweepRange {
  const parts = text.split(':');
  if (parts.length === 1) {
    const values = text.split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) throw new Error(`--range ${key}=${text}: expected lo:hi[:log][:int] or a,b,c`);
    return { kind: 'choice', values };
  }
  const [lo, hi, ...flags] = parts;
  const nlo = Number(lo);
  const nhi = Number(hi);
  if (!Number.isFinite(nlo) || !Number.isFinite(nhi) || lo === '' || hi === '')
    throw new Error(`--range ${key}=${text}: lo and hi must be numbers (lo:hi[:log][:int])`);
  for (const f of flags) if (f !== 'log' && f !== 'int') throw new Error(`--range ${key}=${text}: unknown flag ${f} (log or int)`);
  return { kind: flags.includes('log') ? 'log' : 'uniform', lo: nlo, hi: nhi, int: flags.includes('int') };
}

/** `key=v1,v2,...` (a --grid argument) or `key=range` (a --range argument) split at the first '='. */
export function splitKeyArg(flag: string, arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1) throw new Error(`${flag} ${arg}: expected key=value`);
  return [arg.slice(0, eq).trim(), arg.slice(eq + 1).trim()];
}

/** The metric that picks a sweep's best run when none is named: validation accuracy (ConvNets) or perplexity (language models). */
export function defaultSweepMetric(preset: string): { metric: string; goal: 'max' | 'min' } {
  return preset === 'lenet5-mnist' || preset === 'convnet' ? { metric: 'val_accuracy', goal: 'max' } : { metric: 'val_perplexity', goal: 'min' };
}

/** The best of `runs` by the last value of `metric` (runs without it are passed over); null if none has it. */
export function bestRun<R extends { summary: Record<string, number> }>(runs: readonly R[], metric: string, goal: 'max' | 'min'): R | null {
  let best: R | null = null;
  for (const r of runs) {
    const v = r.summary[metric];
    if (typeof v !== 'number' || Number.isNaN(v)) continue;
    const b = best?.summary[metric];
    if (best === null || (goal === 'max' ? v > (b as number) : v < (b as number))) best = r;
  }
  return best;
}
