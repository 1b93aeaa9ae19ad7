/**
 * The language-model new-run form's schema (LBL, MLBL-B, MLBL-F): fields as typed in, a RunSpec
 * validated by the shared zod schema (LmParams through RunSpec, including lmInputIssues) or one
 * message per field naming it out (lmFormSchema wraps it for react-hook-form).
 */
import { LM_MODELS, LmParams, defaultLearningRate, type LmModelName } from '../../../shared/lm-spec';
import { BackendRequest, RunSpec } from '../../../shared/run-spec';
import { formSchema, inFormOrder, type FieldErrors } from '../../ui/form/form-schema';
import { humanize } from '../../ui/form/zod-messages';

export type CaptionSource = 'dataset' | 'captions';
/** model: a TF.js layers model on disk; run: a ConvNet run's model; features: a feature file (or a cached feature set of the dataset). */
export type ExtractorKind = 'model' | 'run' | 'features';
export type Recipe = 'sgd' | 'adam';

export interface LmFields {
  name: string;
  model: LmModelName;
  source: CaptionSource;
  dataset: string;
  captions: string;
  extractorKind: ExtractorKind;
  extractor: string;
  extractorRun: string;
  extractorLayer: string;
  features: string;
  contextSize: string;
  K: string;
  h: string;
  factors: string;
  recipe: Recipe;
  /** Empty: the recipe's default for the model. */
  lr: string;
  /** SGD: the learning rate's factor per epoch. */
  lrDecay: string;
  /** MLBL-B/F: dropout on the image vector x. */
  dropout: string;
  /** Transfer: an earlier language-model run whose word vectors and context matrices start this one ('' = fresh). */
  init: string;
  epochs: string;
  batchSize: string;
  minCount: string;
  patience: string;
  seed: string;
  trainLimit: string;
  evalImages: string;
  evalEvery: string;
  sampleEvery: string;
  beam: string;
  backend: BackendRequest;
}
export type LmField = keyof LmFields;
export type LmErrors = FieldErrors<LmField>;

/** Labels, in the order of the form (errors are reported in this order). */
export const LM_LABELS: Record<LmField, string> = {
  name: 'Name',
  model: 'Architecture',
  source: 'Captions from',
  dataset: 'Dataset',
  captions: 'Captions CSV',
  extractorKind: 'Image features',
  extractor: 'Extractor model',
  extractorRun: 'ConvNet run',
  extractorLayer: 'Extractor layer',
  features: 'Feature file',
  contextSize: 'Context size (n)',
  K: 'Word vector size (K)',
  h: 'Image hidden size (h)',
  factors: 'Factors (F)',
  recipe: 'Recipe',
  lr: 'Learning rate',
  lrDecay: 'Learning-rate decay',
  dropout: 'Image dropout',
  init: 'Start from run',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  minCount: 'Minimum word count',
  patience: 'Patience',
  seed: 'Seed',
  trainLimit: 'Training images',
  evalImages: 'BLEU images',
  evalEvery: 'Evaluate every',
  sampleEvery: 'Sample every',
  beam: 'Beam width',
  backend: 'Backend',
};

export const MODEL_LABELS: Record<LmModelName, string> = {
  lbl: 'LBL (text only)',
  'mlbl-b': 'MLBL-B (additive image bias)',
  'mlbl-f': 'MLBL-F (factored, image-gated)',
};

/** Numeric fields that must be given (lr may be empty: the recipe's default). */
const REQUIRED_NUMBERS: LmField[] = [
  'contextSize',
  'K',
  'lrDecay',
  'dropout',
  'epochs',
  'batchSize',
  'minCount',
  'patience',
  'seed',
  'trainLimit',
  'evalImages',
  'evalEvery',
  'sampleEvery',
  'beam',
];

export function lmDefaults(model: LmModelName = 'mlbl-b'): LmFields {
  const d = LmParams.parse({ model, captions: 'x' });
  return {
    name: '',
    model,
    source: 'dataset',
    dataset: '',
    captions: '',
    extractorKind: 'model',
    extractor: '',
    extractorRun: '',
    extractorLayer: '',
    features: '',
    contextSize: String(d.contextSize),
    K: String(d.K),
    h: String(d.h),
    factors: String(d.factors),
    recipe: d.optimizer,
    lr: '',
    lrDecay: String(d.lrDecay),
    dropout: String(d.dropout),
    init: '',
    epochs: String(d.epochs),
    batchSize: String(d.batchSize),
    minCount: String(d.minCount),
    patience: String(d.patience),
    seed: String(d.seed),
    trainLimit: String(d.trainLimit),
    evalImages: String(d.evalImages),
    evalEvery: String(d.evalEvery),
    sampleEvery: String(d.sampleEvery),
    beam: String(d.beam),
    backend: d.backend,
  };
}

/** The learning rate used when the field is empty, for the placeholder. */
export function defaultLr(model: LmModelName, recipe: Recipe): number {
  return defaultLearningRate({ model, optimizer: recipe, lr: undefined });
}

/** Which fields the form shows for the current choices. */
export function visibleFields(f: LmFields): Set<LmField> {
  const out = new Set<LmField>(Object.keys(LM_LABELS) as LmField[]);
  out.delete(f.source === 'dataset' ? 'captions' : 'dataset');
  if (f.recipe !== 'sgd') out.delete('lrDecay');
  if (f.model === 'lbl') {
    for (const k of ['extractorKind', 'extractor', 'extractorRun', 'extractorLayer', 'features', 'h', 'factors', 'dropout'] as const) out.delete(k);
  } else {
    if (f.model !== 'mlbl-f') out.delete('factors');
    if (f.extractorKind !== 'model') out.delete('extractor');
    if (f.extractorKind !== 'run') out.delete('extractorRun');
    if (f.extractorKind !== 'features') out.delete('features');
    if (f.extractorKind === 'features') out.delete('extractorLayer');
  }
  return out;
}

export type LmValidation = { ok: true; spec: RunSpec } | { ok: false; errors: LmErrors };

/** The params object the form stands for (strings as typed; zod coerces them). */
export function lmParams(f: LmFields): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  const visible = visibleFields(f);
  const put = (key: string, field: LmField): void => {
    const v = String(f[field]).trim();
    if (visible.has(field) && v !== '') p[key] = v;
  };
  put('dataset', 'dataset');
  put('captions', 'captions');
  put('extractor', f.extractorKind === 'run' ? 'extractorRun' : 'extractor');
  put('extractorLayer', 'extractorLayer');
  put('features', 'features');
  put('init', 'init');
  for (const k of [...(['h', 'factors', 'lr'] as const), ...REQUIRED_NUMBERS]) put(k, k);
  p.optimizer = f.recipe;
  p.backend = f.backend;
  return p;
}

/** The form field a params key is entered in. */
function fieldOf(key: string, f: LmFields): LmField | null {
  if (key === 'optimizer') return 'recipe';
  if (key === 'extractor')
    return f.model === 'lbl' ? null : f.extractorKind === 'run' ? 'extractorRun' : f.extractorKind === 'features' ? 'features' : 'extractor';
  if (key === 'dataset' || key === 'captions') return f.source === 'dataset' ? 'dataset' : 'captions';
  if (key === 'features') return f.extractorKind === 'features' ? 'features' : f.extractorKind === 'run' ? 'extractorRun' : 'extractor';
  return key in LM_LABELS ? (key as LmField) : null;
}

/** Validates with the shared zod schema; every message names its field. */
export function validateLmForm(f: LmFields): LmValidation {
  const errors: LmErrors = {};
  const visible = visibleFields(f);
  const set = (field: LmField, message: string): void => {
    if (!errors[field]) errors[field] = `${LM_LABELS[field]}: ${message}`;
  };
  for (const k of REQUIRED_NUMBERS) if (visible.has(k) && String(f[k]).trim() === '') set(k, 'is required');
  if (visible.has('h') && f.h.trim() === '') set('h', 'is required');
  if (visible.has('factors') && f.factors.trim() === '') set('factors', 'is required');
  if (f.source === 'dataset' && f.dataset.trim() === '') set('dataset', 'choose a captioned dataset');
  if (f.source === 'captions' && f.captions.trim() === '') set('captions', 'give the path of an image,caption CSV');
  if (f.model !== 'lbl') {
    if (f.extractorKind === 'model' && f.extractor.trim() === '') set('extractor', 'give a TF.js model (model.json or its folder)');
    if (f.extractorKind === 'run' && f.extractorRun.trim() === '') set('extractorRun', 'choose a ConvNet run');
    if (f.extractorKind === 'features' && f.features.trim() === '') set('features', 'give a feature file or choose a cached feature set');
    if (f.source === 'captions' && f.extractorKind !== 'features')
      set('extractorKind', 'with a captions CSV the image features come from a feature file; use a dataset to extract them');
  }
  // MLBL-F starts W_fx, W_hf from a rank-F factorisation of R (K columns): F may not exceed K.
  if (f.model === 'mlbl-f' && Number(f.factors) > Number(f.K)) set('factors', `must be at most K (${f.K})`);
  const name = f.name.trim();
  const parsed = RunSpec.safeParse({ preset: f.model, name: name === '' ? undefined : name, params: lmParams(f) });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = issue.path.map(String);
      const field = p[0] === 'params' ? fieldOf(p[1] ?? '', f) : ((p[0] as LmField | undefined) ?? null);
      if (field && field in LM_LABELS) set(field, humanize(issue.message));
      else set('name', `${p.join('.') || 'spec'}: ${issue.message}`);
    }
  }
  if (parsed.success && Object.keys(errors).length === 0) return { ok: true, spec: parsed.data };
  return { ok: false, errors: inFormOrder(errors, LM_LABELS) };
}

/** The form's schema for react-hook-form: fields in, the RunSpec out. */
export const lmFormSchema = formSchema((f: LmFields) => {
  const v = validateLmForm(f);
  return v.ok ? { ok: true, value: v.spec } : v;
});

export const LM_PRESETS: readonly LmModelName[] = LM_MODELS;
