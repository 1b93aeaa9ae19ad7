/**
 * Config diff for the compare page: run specs flattened to dotted paths (`params.learningRate`,
 * `params.stack.0.filters` is NOT produced: arrays are leaves compared by value), keeping only the
 * paths whose values are not all equal.
 */

export type Flat = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nested objects become dotted paths; arrays, primitives and null are leaves. Empty objects vanish. */
export function flattenSpec(value: unknown, prefix = ''): Flat {
  const out: Flat = {};
  const walk = (v: unknown, path: string): void => {
    if (isPlainObject(v)) {
      for (const k of Object.keys(v)) walk(v[k], path ? `${path}.${k}` : k);
      return;
    }
    if (path) out[path] = v;
  };
  walk(value, prefix);
  return out;
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` (also inside arrays) compare equal. */
export function canonicalJson(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export interface DiffRow {
  path: string;
  /** One value per spec, in input order; `undefined` where a spec lacks the path. */
  values: unknown[];
}

/**
 * The paths where the specs differ (a path missing from some spec counts as different), in the
 * order they first appear. Paths equal to or under an `ignore` entry are left out
 * (e.g. `name`, `tags`: labels rather than configuration).
 */
export function diffSpecs(specs: readonly unknown[], ignore: readonly string[] = []): DiffRow[] {
  const flats = specs.map((s) => flattenSpec(s));
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const f of flats) {
    for (const p of Object.keys(f)) {
      if (seen.has(p)) continue;
      seen.add(p);
      if (ignore.some((i) => p === i || p.startsWith(`${i}.`))) continue;
      paths.push(p);
    }
  }
  const rows: DiffRow[] = [];
  for (const path of paths) {
    const values = flats.map((f) => (Object.prototype.hasOwnProperty.call(f, path) ? f[path] : undefined));
    const first = canonicalJson(values[0]);
    if (values.some((v) => canonicalJson(v) !== first)) rows.push({ path, values });
  }
  return rows;
}

/** A diff value for a table cell: strings as they are, everything else as compact JSON, absent as an em dash. */
export function formatDiffValue(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return canonicalJson(v);
}
