import { useMemo, useState, type ReactNode } from 'react';
import { FormProvider, useForm, useWatch } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import type { RunSpec } from '../../../shared/run-spec';
import type { LmModelName } from '../../../shared/lm-spec';
import { useApp, useAppActions } from '../../api/context';
import { hrefFor, navigate } from '../../app/route';
import { BrowseButton } from '../../ui/BrowseButton';
import { useApiQuery } from '../../api/queries';
import { RunEstimate } from './RunEstimate';
import { RunFormActions } from './RunFormActions';
import { backendChoices } from './backend-choices';
import { lmWork, measuredSpeed } from './run-estimate';
import { ChoiceField, ErrorSummary, TextField, type Choice } from '../../ui/form/inputs';
import {
  LM_LABELS,
  LM_PRESETS,
  MODEL_LABELS,
  defaultLr,
  lmDefaults,
  lmFieldsFrom,
  lmFormSchema,
  visibleFields,
  type LmField,
  type LmFields,
} from './lm-schema';
import './new-run.css';

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
const resolver = zodResolver(lmFormSchema);

/** The new-run form of the language models (LBL, MLBL-B, MLBL-F): react-hook-form over lm-schema.ts. */
export function LmRunForm({ initialModel = 'mlbl-b', initial = null }: { initialModel?: LmModelName; initial?: RunSpec | null }) {
  const { createRun } = useAppActions();
  const system = useApp((s) => s.system);
  const runs = useApp((s) => s.runs);
  const form = useForm<LmFields, unknown, RunSpec>({ defaultValues: initial ? lmFieldsFrom(initial) : lmDefaults(initialModel), resolver });
  // Every value, re-rendering on each change: what is shown and the live checks depend on them.
  const fields = useWatch({ control: form.control }) as LmFields;
  const [submitError, setSubmitError] = useState<string | null>(null);

  const datasets = useApiQuery('datasets.list', {});
  const captioned = useMemo(
    () => (datasets.data ?? []).filter((d) => d.kind === 'captions' || (d.kind === 'text' && fields.model === 'lbl')),
    [datasets.data, fields.model],
  );
  const featureSets = useApiQuery('features.list', fields.source === 'dataset' && fields.dataset ? { datasetId: fields.dataset } : null);
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
  const submitting = form.formState.isSubmitting;
  const speed = useMemo(() => measuredSpeed(Object.values(runs), 'words_per_s', LM_PRESETS), [runs]);
  const stats = useApiQuery('datasets.stats', fields.source === 'dataset' && fields.dataset ? { id: fields.dataset } : null);
  const s = stats.fresh ? stats.data : null;
  const work = lmWork(
    fields,
    s ? { tokens: s.vocabulary.tokens, captions: s.counts.captions, images: s.counts.images, trainImages: s.counts.splits.train } : null,
  );

  const onSubmit = form.handleSubmit(async (spec) => {
    setSubmitError(null);
    try {
      // Like the ConvNet form: the new run's page, where its progress shows (issue 18, problem 3).
      const run = await createRun(spec);
      navigate(hrefFor.run(run.id));
    } catch (err) {
      setSubmitError(err instanceof Error ? err.message : String(err));
    }
  });
  const pick = (name: LmField, value: string) => form.setValue(name, value as never, { shouldValidate: form.formState.isSubmitted });

  const errorCount = (Object.keys(form.formState.errors) as LmField[]).filter((k) => visible.has(k)).length;
  const text = (name: LmField, o: { placeholder?: string; maxLength?: number; addon?: ReactNode } = {}) =>
    visible.has(name) ? <TextField key={name} name={name} label={LM_LABELS[name]} hint={HINTS[name]} testPrefix="lm-" {...o} /> : null;
  const num = (name: LmField, o: { min?: number; max?: number; step?: number | 'any' } = {}) =>
    visible.has(name) ? (
      <TextField
        key={name}
        name={name}
        label={LM_LABELS[name]}
        hint={HINTS[name]}
        testPrefix="lm-"
        type="number"
        inputMode="numeric"
        step={o.step ?? 1}
        {...o}
      />
    ) : null;
  const choice = (name: LmField, choices: readonly Choice[]) =>
    visible.has(name) ? <ChoiceField key={name} name={name} label={LM_LABELS[name]} hint={HINTS[name]} testPrefix="lm-" choices={choices} /> : null;

  return (
    <div className="lm-form" data-testid="lm-run-form">
      <FormProvider {...form}>
        <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate aria-describedby={errorCount ? 'lm-form-errors' : undefined}>
          <ErrorSummary id="lm-form-errors" labels={LM_LABELS} shown={visible} testId="lm-form-errors" />
          {text('name', { maxLength: 220, placeholder: 'e.g. mlbl-b-flickr8k' })}
          {choice(
            'model',
            LM_PRESETS.map((m) => ({ value: m, label: MODEL_LABELS[m] })),
          )}

          <fieldset className="fieldset">
            <legend>Data</legend>
            <div className="form-grid">
              {choice('source', [
                { value: 'dataset', label: 'an imported dataset' },
                { value: 'captions', label: 'a captions CSV file' },
              ])}
              {choice('dataset', [
                {
                  value: '',
                  label: datasets.loading && !datasets.data ? 'Loading…' : captioned.length ? 'Choose a dataset' : 'No captioned dataset imported',
                },
                ...captioned.map((d) => ({ value: d.id, label: `${d.name} (${d.counts.images} images, ${d.counts.captions} captions)` })),
              ])}
              {text('captions', {
                placeholder: '/path/to/captions.csv',
                addon: (
                  <BrowseButton
                    kind="file"
                    title="Choose a captions file"
                    filters={[{ name: 'Captions', extensions: ['csv', 'txt', 'json', 'jsonl'] }]}
                    onPick={(v) => pick('captions', v)}
                    testId="browse-captions"
                  />
                ),
              })}
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
                {choice('extractorKind', [
                  { value: 'model', label: 'a TF.js model on disk' },
                  { value: 'run', label: 'a ConvNet run' },
                  { value: 'features', label: 'a feature file / cached set' },
                ])}
                {text('extractor', {
                  placeholder: '/path/to/model.json',
                  addon: (
                    <BrowseButton
                      kind="file"
                      title="Choose a TF.js layers model (model.json)"
                      filters={[{ name: 'TF.js model', extensions: ['json'] }]}
                      onPick={(v) => pick('extractor', v)}
                      testId="browse-extractor"
                    />
                  ),
                })}
                {choice('extractorRun', [
                  { value: '', label: convnetRuns.length ? 'Choose a run' : 'No completed ConvNet run' },
                  ...convnetRuns.map((r) => ({ value: r.id, label: `${r.name} (${r.id})` })),
                ])}
                {text('extractorLayer', { placeholder: 'default layer' })}
                {text('features', {
                  placeholder: '/path/to/features.json',
                  addon: (
                    <BrowseButton
                      kind="file"
                      title="Choose a feature file"
                      filters={[{ name: 'Features', extensions: ['json'] }]}
                      onPick={(v) => pick('features', v)}
                      testId="browse-features"
                    />
                  ),
                })}
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
                                form.setValue('extractorKind', 'features');
                                form.setValue('features', s.path);
                                form.clearErrors(['features', 'extractorKind']);
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
              {choice(
                'recipe',
                (Object.keys(RECIPES) as (keyof typeof RECIPES)[]).map((r) => ({ value: r, label: RECIPES[r] })),
              )}
              {visible.has('lr') && (
                <TextField
                  name="lr"
                  label={LM_LABELS.lr}
                  hint={HINTS.lr}
                  testPrefix="lm-"
                  inputMode="decimal"
                  placeholder={String(defaultLr(fields.model, fields.recipe))}
                />
              )}
              {num('lrDecay', { min: 0, max: 1, step: 'any' })}
              {num('dropout', { min: 0, max: 0.9, step: 'any' })}
              {num('epochs', { min: 1, max: 1000 })}
              {num('batchSize', { min: 1, max: 4096 })}
              {num('patience', { min: 0, max: 1000 })}
              {num('seed', { min: 0 })}
            </div>
            {choice('init', [
              { value: '', label: lmRuns.length ? 'nothing: fresh weights' : 'nothing (no finished language-model run yet)' },
              ...lmRuns.map((r) => ({ value: r.id, label: `${r.name} (${r.preset}, ${r.id})` })),
            ])}
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
              {choice('backend', backendChoices(system))}
            </div>
          </details>

          <RunFormActions
            submitting={submitting}
            submitTestId="lm-submit"
            submitError={submitError}
            submitErrorTestId="lm-submit-error"
            estimate={<RunEstimate work={work} speed={speed} unit="words" kind="language-model" />}
            onReset={() => {
              form.reset(lmDefaults(fields.model));
              setSubmitError(null);
            }}
          />
        </form>
      </FormProvider>
    </div>
  );
}
