/** The "New run" form for the LeNet-5 preset: string fields in, a validated RunSpec or per-field errors out. */
import { BackendRequest, LeNet5MnistParams, RunSpec } from '../../../shared/run-spec';
import { paramLabel } from '../../lib/labels';

export interface NewRunFields {
  name: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  optimizer: 'adam' | 'sgd';
  trainLimit: string;
  validationLimit: string;
  seed: string;
  backend: BackendRequest;
}
export type FieldName = keyof NewRunFields;
export type FieldErrors = Partial<Record<FieldName, string>>;

// The form's labels are the spec view's (one module names every spec key).
export const FIELD_LABELS = Object.fromEntries(
  (['name', 'epochs', 'batchSize', 'learningRate', 'optimizer', 'trainLimit', 'validationLimit', 'seed', 'backend'] as const).map((f) => [f, paramLabel(f)]),
) as Record<FieldName, string>;

const NUMERIC: FieldName[] = ['epochs', 'batchSize', 'learningRate', 'trainLimit', 'validationLimit', 'seed'];

export function defaultFields(): NewRunFields {
  const d = LeNet5MnistParams.parse({});
  return {
    name: '',
    epochs: String(d.epochs),
    batchSize: String(d.batchSize),
    learningRate: String(d.learningRate),
    optimizer: d.optimizer,
    trainLimit: String(d.trainLimit),
    validationLimit: String(d.validationLimit),
    seed: String(d.seed),
    backend: d.backend,
  };
}

export type Validation = { ok: true; spec: RunSpec } | { ok: false; errors: FieldErrors };

/** Validates with the shared zod schema; every error message names its field. */
export function validateNewRun(fields: NewRunFields): Validation {
  const errors: FieldErrors = {};
  for (const f of NUMERIC) {
    if (fields[f].trim() === '') errors[f] = `${FIELD_LABELS[f]} is required`;
  }
  const params: Record<string, unknown> = {};
  for (const f of NUMERIC) if (!errors[f]) params[f] = fields[f].trim();
  params.optimizer = fields.optimizer;
  params.backend = fields.backend;
  const name = fields.name.trim();
  const parsed = RunSpec.safeParse({ preset: 'lenet5-mnist', name: name === '' ? undefined : name, params });
  if (parsed.success && Object.keys(errors).length === 0) return { ok: true, spec: parsed.data };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      const field = (path[0] === 'params' ? path[1] : path[0]) as FieldName | undefined;
      if (field && field in FIELD_LABELS) {
        if (!errors[field]) errors[field] = `${FIELD_LABELS[field]}: ${humanize(issue.message)}`;
      } else if (!errors.name) {
        errors.name = `${path.join('.') || 'spec'}: ${issue.message}`;
      }
    }
  }
  // Report in the order of the form.
  const ordered: FieldErrors = {};
  for (const f of Object.keys(FIELD_LABELS) as FieldName[]) if (errors[f]) ordered[f] = errors[f];
  return { ok: false, errors: ordered };
}

function humanize(message: string): string {
  return message
    .replace(/^Invalid input: expected number, received NaN$/, 'must be a number')
    .replace(/^Invalid input: expected int, received number$/, 'must be a whole number')
    .replace(/^Too small: expected number to be >(=?)(\S+)$/, (_m, eq: string, n: string) => `must be ${eq ? 'at least' : 'greater than'} ${n}`)
    .replace(/^Too big: expected number to be <(=?)(\S+)$/, (_m, eq: string, n: string) => `must be ${eq ? 'at most' : 'less than'} ${n}`)
    .replace(/^Too big: expected string to have <=(\d+) characters$/, 'must be at most $1 characters');
}
