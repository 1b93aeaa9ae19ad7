import { useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { DatasetSummary, FeatureSetRecord } from '../../../shared/api';
import { BackendRequest } from '../../../shared/run-spec';
import type { LmModelName } from '../../../shared/lm-spec';
import { useApi, useApp, useAppActions } from '../../api/context';
import { hrefFor, navigate } from '../../app/route';
import { BrowseButton } from '../../ui/BrowseButton';
import { useQuery } from '../../api/use-query';
import {
  LM_LABELS,
  LM_PRESETS,
  MODEL_LABELS,
  defaultLr,
  lmDefaults,
  validateLmForm,
  visibleFields,
  type LmErrors,
  type LmField,
  type LmFields,
} from './lm-form';

const HINTS: Partial<Record<LmField, string>> = {
  name: 'Optional; shown in the runs list.',
  dataset: 'An imported captioned dataset; its own train / validation / test split is used.',
  captions: 'An image,caption CSV on the machine running the workbench (split by image from the seed).',
  extractor: 'A TF.js layers model (model.json or its folder), e.g. ../shared/models/mobilenet-v2-nsfwjs.',
  extractorRun: 'A ConvNet run whose best checkpoint extracts the features.',
  extractorLayer: 'Optional; the model’s pooled penultimate layer by default.',
  features: 'A feature header (.json) made by the extractor, or a cached feature set of the dataset.',
  contextSize: 'Words before the predicted one (5 in Kiros et al.).',
  K: 'Size of the word vectors.',
  h: 'x = ReLU(J im + b); 0 feeds the raw features.',
  factors: 'MLBL-F factors; at most K.',
  lr: 'Empty: the recipe’s default (MLBL-F: 0.2 did better than 0.02 on flickr8k-mini validation).',
  lrDecay: 'Factor per epoch (the 2014 code: 0.998; 0.8 did better on flickr8k-mini validation).',
  dropout: 'On the image vector x while training (0 = off); keeps MLBL-B from memorising small datasets.',
  init: 'Optional: word vectors and context matrices of an earlier LBL/MLBL run (same K), matched by word, e.g. an LBL trained on flickr8k-captions.',
  minCount: 'Rarer words become <unk>.',
  patience: 'Stop after this many epochs without a better validation perplexity (0 = never).',
  trainLimit: 'Use only the first N training images (0 = all).',
  evalImages: 'Validation images captioned for BLEU and retrieval (0 = all).',
  evalEvery: 'BLEU and retrieval every N epochs (0 = only at the end).',
  sampleEvery: 'Captions for 8 validation images every N steps (0 = per epoch only).',
  beam: 'Beam width of the BLEU captions (1 = greedy).',
  backend: 'auto picks tensorflow > wasm > cpu.',
};

const RECIPES = { sgd: 'SGD with momentum (2014 recipe)', adam: 'Adam' } as const;

/** The new-run form of the language models (LBL, MLBL-B, MLBL-F). */
export function LmRunForm({ initialModel = 'mlbl-b' }: { initialModel?: LmModelName }) {
  const api = useApi();
  const { createRun } = useAppActions();
  const system = useApp((s) => s.system);
  const runs = useApp((s) => s.runs);
  const [fields, setFields] = useState<LmFields>(() => lmDefaults(initialModel));
  const [errors, setErrors] = useState<LmErrors>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const datasets = useQuery<DatasetSummary[]>('datasets', () => api.call('datasets.list', {}));
  const captioned = useMemo(
    () => (datasets.data ?? []).filter((d) => d.kind === 'captions' || (d.kind === 'text' && fields.model === 'lbl')),
    [datasets.data, fields.model],
  );
  const featureSets = useQuery<FeatureSetRecord[]>(fields.source === 'dataset' && fields.dataset ? `features:${fields.dataset}` : null, () =>
    api.call('features.list', { datasetId: fields.dataset }),
  );
  const lmRuns = useMemo(
    () =>
      Object.values(runs)
        .filter((r) => (LM_PRESETS as readonly string[]).includes(r.preset) && (r.status === 'completed' || r.status === 'stopped'))
        .sort((a, b) => b.createdAt - a.createdAt),
    [runs],
  );
  const convnetRuns = useMemo(
    () =>
      Object.values(runs)
        .filter((r) => (r.preset === 'lenet5-mnist' || r.preset === 'convnet') && r.status === 'completed')
        .sort((a, b) => b.createdAt - a.createdAt),
    [runs],
  );
  const visible = visibleFields(fields);

  const update = <K extends LmField>(key: K, value: LmFields[K]) => {
    setFields((f) => ({ ...f, [key]: value }));
    if (errors[key]) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const onSubmit = async (ev: FormEvent) => {
    ev.preventDefault();
    setSubmitError(null);
    const v = validateLmForm(fields);
    if (!v.ok) {
      setErrors(v.errors);
      const first = Object.keys(v.errors)[0];
      if (first) formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setErrors({});
    setSubmitting(true);
    try {
      // Like the ConvNet form: the new run's page, where its progress shows (issue 18, problem 3).
      const run = await createRun(v.spec);
      navigate(hrefFor.run(run.id));
    } catch (err) {
      setSubmitError(err instanceof Error ? err.message : String(err));
    } finally {
      setSubmitting(false);
    }
  };

  const errorCount = Object.values(errors).filter(Boolean).length;
  const availableBackends = new Map((system?.backends ?? []).map((b) => [b.name, b]));
  const field = (name: LmField, control: (p: ControlProps) => ReactNode) =>
    visible.has(name) ? (
      <Field key={name} name={name} error={errors[name]}>
        {control}
      </Field>
    ) : null;
  const num = (name: LmField, o: { min?: number; max?: number; step?: number | 'any' } = {}) =>
    field(name, (p) => (
      <input
        {...p}
        type="number"
        inputMode="numeric"
        min={o.min}
        max={o.max}
        step={o.step ?? 1}
        value={String(fields[name])}
        onChange={(e) => update(name, e.target.value as never)}
      />
    ));

  return (
    <div className="lm-form" data-testid="lm-run-form">
      <form ref={formRef} className="form" onSubmit={onSubmit} noValidate aria-describedby={errorCount ? 'lm-form-errors' : undefined}>
        {errorCount > 0 && (
          <div id="lm-form-errors" className="banner banner-error" role="alert" data-testid="lm-form-errors">
            Fix {errorCount === 1 ? 'this field' : `these ${errorCount} fields`}:{' '}
            {(Object.keys(errors) as LmField[])
              .filter((k) => errors[k])
              .map((k) => LM_LABELS[k])
              .join(', ')}
            .
          </div>
        )}
        {field('name', (p) => (
          <input
            {...p}
            type="text"
            autoComplete="off"
            maxLength={220}
            placeholder="e.g. mlbl-b-flickr8k"
            value={fields.name}
            onChange={(e) => update('name', e.target.value)}
          />
        ))}
        {field('model', (p) => (
          <select {...p} value={fields.model} onChange={(e) => update('model', e.target.value as LmModelName)}>
            {LM_PRESETS.map((m) => (
              <option key={m} value={m}>
                {MODEL_LABELS[m]}
              </option>
            ))}
          </select>
        ))}

        <fieldset className="fieldset">
          <legend>Data</legend>
          <div className="form-grid">
            {field('source', (p) => (
              <select {...p} value={fields.source} onChange={(e) => update('source', e.target.value as LmFields['source'])}>
                <option value="dataset">an imported dataset</option>
                <option value="captions">a captions CSV file</option>
              </select>
            ))}
            {field('dataset', (p) => (
              <select {...p} value={fields.dataset} onChange={(e) => update('dataset', e.target.value)}>
                <option value="">
                  {datasets.loading && !datasets.data ? 'Loading…' : captioned.length ? 'Choose a dataset' : 'No captioned dataset imported'}
                </option>
                {captioned.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name} ({d.counts.images} images, {d.counts.captions} captions)
                  </option>
                ))}
              </select>
            ))}
            {field('captions', (p) => (
              <div className="input-row">
                <input
                  {...p}
                  type="text"
                  autoComplete="off"
                  placeholder="/path/to/captions.csv"
                  value={fields.captions}
                  onChange={(e) => update('captions', e.target.value)}
                />
                <BrowseButton
                  kind="file"
                  title="Choose a captions file"
                  filters={[{ name: 'Captions', extensions: ['csv', 'txt', 'json', 'jsonl'] }]}
                  onPick={(v) => update('captions', v)}
                  testId="browse-captions"
                />
              </div>
            ))}
          </div>
          {datasets.error && <p className="error-text">Datasets could not be listed: {datasets.error}</p>}
          {fields.source === 'dataset' && !datasets.loading && captioned.length === 0 && (
            <p className="muted small">
              <a href={hrefFor.importDataset()}>Import a captioned dataset</a> first (e.g. Flickr8k’s captions.csv and its images).
            </p>
          )}
        </fieldset>

        {fields.model !== 'lbl' && (
          <fieldset className="fieldset">
            <legend>Image features</legend>
            <div className="form-grid">
              {field('extractorKind', (p) => (
                <select {...p} value={fields.extractorKind} onChange={(e) => update('extractorKind', e.target.value as LmFields['extractorKind'])}>
                  <option value="model">a TF.js model on disk</option>
                  <option value="run">a ConvNet run</option>
                  <option value="features">a feature file / cached set</option>
                </select>
              ))}
              {field('extractor', (p) => (
                <div className="input-row">
                  <input
                    {...p}
                    type="text"
                    autoComplete="off"
                    placeholder="/path/to/model.json"
                    value={fields.extractor}
                    onChange={(e) => update('extractor', e.target.value)}
                  />
                  <BrowseButton
                    kind="file"
                    title="Choose a TF.js layers model (model.json)"
                    filters={[{ name: 'TF.js model', extensions: ['json'] }]}
                    onPick={(v) => update('extractor', v)}
                    testId="browse-extractor"
                  />
                </div>
              ))}
              {field('extractorRun', (p) => (
                <select {...p} value={fields.extractorRun} onChange={(e) => update('extractorRun', e.target.value)}>
                  <option value="">{convnetRuns.length ? 'Choose a run' : 'No completed ConvNet run'}</option>
                  {convnetRuns.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name} ({r.id})
                    </option>
                  ))}
                </select>
              ))}
              {field('extractorLayer', (p) => (
                <input
                  {...p}
                  type="text"
                  autoComplete="off"
                  placeholder="default layer"
                  value={fields.extractorLayer}
                  onChange={(e) => update('extractorLayer', e.target.value)}
                />
              ))}
              {field('features', (p) => (
                <div className="input-row">
                  <input
                    {...p}
                    type="text"
                    autoComplete="off"
                    placeholder="/path/to/features.json"
                    value={fields.features}
                    onChange={(e) => update('features', e.target.value)}
                  />
                  <BrowseButton
                    kind="file"
                    title="Choose a feature file"
                    filters={[{ name: 'Features', extensions: ['json'] }]}
                    onPick={(v) => update('features', v)}
                    testId="browse-features"
                  />
                </div>
              ))}
            </div>
            {fields.source === 'dataset' && fields.dataset && (
              <div className="feature-sets" data-testid="feature-sets">
                {featureSets.error ? (
                  <p className="muted small">Cached feature sets cannot be listed: {featureSets.error}</p>
                ) : (featureSets.data ?? []).length === 0 ? (
                  <p className="muted small">
                    {featureSets.loading
                      ? 'Looking for cached feature sets…'
                      : 'No cached feature set for this dataset yet: the run extracts one (progress in its log).'}
                  </p>
                ) : (
                  <>
                    <p className="muted small">Cached feature sets of this dataset (reused without extracting again):</p>
                    <ul className="plain-list">
                      {(featureSets.data ?? []).map((s) => (
                        <li key={s.id}>
                          <button
                            type="button"
                            className="btn btn-small"
                            onClick={() => {
                              setFields((f) => ({ ...f, extractorKind: 'features', features: s.path }));
                              setErrors((e) => ({ ...e, features: undefined, extractorKind: undefined }));
                            }}
                          >
                            Use
                          </button>{' '}
                          <span className="mono small">
                            {s.model} · {s.layer} · {s.dim}-d · {s.rows} rows{s.complete ? '' : ' (incomplete)'}
                          </span>
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
            )}
          </fieldset>
        )}

        <fieldset className="fieldset">
          <legend>Sizes</legend>
          <div className="form-grid">
            {num('contextSize', { min: 1, max: 25 })}
            {num('K', { min: 2, max: 2048 })}
            {num('h', { min: 0, max: 8192 })}
            {num('factors', { min: 1, max: 2048 })}
            {num('minCount', { min: 1, max: 1000 })}
          </div>
        </fieldset>

        <fieldset className="fieldset">
          <legend>Recipe</legend>
          <div className="form-grid">
            {field('recipe', (p) => (
              <select {...p} value={fields.recipe} onChange={(e) => update('recipe', e.target.value as LmFields['recipe'])}>
                {(Object.keys(RECIPES) as (keyof typeof RECIPES)[]).map((r) => (
                  <option key={r} value={r}>
                    {RECIPES[r]}
                  </option>
                ))}
              </select>
            ))}
            {field('lr', (p) => (
              <input
                {...p}
                type="text"
                inputMode="decimal"
                placeholder={String(defaultLr(fields.model, fields.recipe))}
                value={fields.lr}
                onChange={(e) => update('lr', e.target.value)}
              />
            ))}
            {num('lrDecay', { min: 0, max: 1, step: 'any' })}
            {num('dropout', { min: 0, max: 0.9, step: 'any' })}
            {num('epochs', { min: 1, max: 1000 })}
            {num('batchSize', { min: 1, max: 4096 })}
            {num('patience', { min: 0, max: 1000 })}
            {num('seed', { min: 0 })}
          </div>
          {field('init', (p) => (
            <select {...p} value={fields.init} onChange={(e) => update('init', e.target.value)}>
              <option value="">{lmRuns.length ? 'nothing: fresh weights' : 'nothing (no finished language-model run yet)'}</option>
              {lmRuns.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.preset}, {r.id})
                </option>
              ))}
            </select>
          ))}
          {fields.recipe === 'sgd' && (
            <p className="muted small">
              Momentum 0.5 → 0.9 over 20 epochs, learning rate × {fields.lrDecay || '?'} per epoch, weight decay 1e-4 on words, 1e-5 on context and image
              matrices; the summed batch gradient, early stopping on validation perplexity.
            </p>
          )}
        </fieldset>

        <details className="fieldset-details">
          <summary>Evaluation and limits</summary>
          <div className="form-grid">
            {num('trainLimit', { min: 0 })}
            {num('evalImages', { min: 0 })}
            {num('evalEvery', { min: 0 })}
            {num('sampleEvery', { min: 0 })}
            {num('beam', { min: 1, max: 50 })}
            {field('backend', (p) => (
              <select {...p} value={fields.backend} onChange={(e) => update('backend', e.target.value as BackendRequest)}>
                {BackendRequest.options.map((b) => {
                  const info = availableBackends.get(b);
                  const unavailable = info !== undefined && !info.available;
                  return (
                    <option key={b} value={b} disabled={unavailable}>
                      {b}
                      {unavailable ? ' (unavailable)' : ''}
                    </option>
                  );
                })}
              </select>
            ))}
          </div>
        </details>

        {submitError && (
          <p className="error-text" role="alert" data-testid="lm-submit-error">
            Could not start the run: {submitError}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={submitting} data-testid="lm-submit">
            {submitting ? 'Starting…' : 'Start run'}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setFields(lmDefaults(fields.model));
              setErrors({});
              setSubmitError(null);
            }}
          >
            Reset
          </button>
          <a className="btn btn-link" href={hrefFor.runs()}>
            Cancel
          </a>
        </div>
      </form>
    </div>
  );
}

interface ControlProps {
  id: string;
  name: LmField;
  'aria-invalid': boolean;
  'aria-describedby': string;
  'data-testid': string;
}

function Field({ name, error, children }: { name: LmField; error?: string; children: (p: ControlProps) => ReactNode }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const hint = HINTS[name];
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{LM_LABELS[name]}</label>
      {children({ id, name, 'aria-invalid': Boolean(error), 'aria-describedby': error ? `${errId} ${hintId}` : hintId, 'data-testid': `lm-field-${name}` })}
      {error && (
        <p className="field-error" id={errId} data-testid={`lm-error-${name}`}>
          {error}
        </p>
      )}
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
