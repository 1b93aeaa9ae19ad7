/** The import wizard's fields and their validation (the shared zod schemas decide; importSourceSchema wraps it for react-hook-form). */
import { formSchema, type FieldErrors } from '../../ui/form/form-schema';
import { BUILTIN_MNIST, DATASET_FORMATS, ImportOptions, ImportSource, type ColumnMap, type DatasetFormat } from '../../../shared/dataset-schema';

export type FormatChoice = 'auto' | DatasetFormat;
export const FORMAT_CHOICES: readonly FormatChoice[] = ['auto', ...DATASET_FORMATS];

export interface ImportFields {
  path: string;
  images: string;
  format: FormatChoice;
  textOnly: boolean;
  /** Column choices; sent only once the user changed one (otherwise the server detects them). */
  columns: { image: string; caption: string; label: string };
  columnsTouched: boolean;
  name: string;
  seed: string;
  train: string;
  validation: string;
  test: string;
}

export type ImportFieldName = 'path' | 'images' | 'format' | 'columns' | 'name' | 'split';
export type ImportFieldErrors = FieldErrors<ImportFieldName>;

export const defaultImportFields = (): ImportFields => ({
  path: '',
  images: '',
  format: 'auto',
  textOnly: false,
  columns: { image: '', caption: '', label: '' },
  columnsTouched: false,
  name: '',
  seed: '1',
  train: '0.8',
  validation: '0.1',
  test: '0.1',
});

function columnsOf(f: ImportFields): ColumnMap | undefined {
  if (!f.columnsTouched) return undefined;
  const c: ColumnMap = {};
  if (f.columns.image) c.image = f.columns.image;
  if (f.columns.caption) c.caption = f.columns.caption;
  if (f.columns.label) c.label = f.columns.label;
  return Object.keys(c).length ? c : undefined;
}

const num = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s));

function fieldOf(path: readonly PropertyKey[]): ImportFieldName {
  const k = path[0];
  if (k === 'path' || k === 'images' || k === 'format' || k === 'columns' || k === 'name' || k === 'split') return k;
  return 'path';
}

function labelFor(path: readonly PropertyKey[]): string {
  const k = path[0];
  if (k === 'split' && path[1]) return `Split ${String(path[1])}`;
  return { path: 'Path', images: 'Images folder', format: 'Format', columns: 'Columns', name: 'Name', split: 'Split' }[String(k)] ?? String(k);
}

/** The source part (what `datasets.preview` takes). */
export function sourceOf(f: ImportFields): { ok: true; source: ImportSource } | { ok: false; errors: ImportFieldErrors } {
  const r = ImportSource.safeParse({
    path: f.path.trim(),
    images: f.textOnly || !f.images.trim() ? undefined : f.images.trim(),
    format: f.format,
    columns: columnsOf(f),
    textOnly: f.textOnly,
  });
  if (r.success) return { ok: true, source: r.data };
  const errors: ImportFieldErrors = {};
  for (const i of r.error.issues) {
    const k = fieldOf(i.path);
    errors[k] ??= k === 'path' && f.path.trim() === '' ? 'Path: enter a file or folder (or builtin:mnist)' : `${labelFor(i.path)}: ${i.message}`;
  }
  return { ok: false, errors };
}

/** The preview step's schema: the fields in, the source `datasets.preview` reads out. */
export const importSourceSchema = formSchema((f: ImportFields) => {
  const s = sourceOf(f);
  return s.ok ? { ok: true, value: s.source } : s;
});

/** A key that changes whenever the previewed source would (a stale preview cannot be imported). */
export function sourceKey(f: ImportFields): string {
  const s = sourceOf(f);
  return s.ok ? JSON.stringify(s.source) : '';
}

/** Everything `datasets.import` takes, minus the import id. */
export function importOptionsOf(f: ImportFields, allowDuplicate: boolean): { ok: true; options: ImportOptions } | { ok: false; errors: ImportFieldErrors } {
  const src = sourceOf(f);
  const errors: ImportFieldErrors = src.ok ? {} : { ...src.errors };
  const split = { seed: num(f.seed), train: num(f.train), validation: num(f.validation), test: num(f.test), keepSourceSplits: true };
  const r = ImportOptions.safeParse({ ...(src.ok ? src.source : { path: f.path.trim() || 'x' }), name: f.name.trim() || undefined, split, allowDuplicate });
  const nan = (['seed', 'train', 'validation', 'test'] as const).find((k) => Number.isNaN(split[k]));
  if (nan) errors.split = `Split ${nan}: enter a number`;
  if (!r.success) {
    for (const i of r.error.issues) {
      const k = fieldOf(i.path);
      if (k === 'path' && !src.ok) continue;
      errors[k] ??= `${labelFor(i.path)}: ${i.message}`;
    }
  }
  if (!r.success || !src.ok || Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, options: r.data };
}

export const BUILTIN_MNIST_PATH = BUILTIN_MNIST;
