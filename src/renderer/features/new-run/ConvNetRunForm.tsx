import { useMemo, useState } from 'react';
import { FormProvider, useForm, useWatch } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { shapeToString } from '../../../shared/conv-shapes';
import { CONVNET_DATASETS, LrScheduleName, MonitorName, type ConvNetDatasetName } from '../../../shared/convnet-spec';
import { PRESETS, type PresetId } from '../../../shared/layer-spec';
import type { RunSpec } from '../../../shared/run-spec';
import { useApp, useAppActions } from '../../api/context';
import { hrefFor, navigate } from '../../app/route';
import { draftFromLayer, inspectForDataset, sameStack, type LayerDraft } from './stack-form';
import {
  TRAINING_HINTS,
  TRAINING_LABELS,
  buildConvNetSpec,
  convNetFormSchema,
  defaultTrainingFields,
  visibleTrainingFields,
  type TrainingField,
  type TrainingFields,
} from './convnet-schema';
import { Field } from '../../ui/form/Field';
import { CheckField, ChoiceField, ErrorSummary, TextField, type Choice } from '../../ui/form/inputs';
import { LayerStackEditor } from './LayerStackEditor';
import { ShapeInspector } from './ShapeInspector';
import { RunEstimate } from './RunEstimate';
import { RunFormActions } from './RunFormActions';
import { backendChoices } from './backend-choices';
import { convNetWork, measuredSpeed } from './run-estimate';
import './new-run.css';

const PRESET_ORDER: PresetId[] = ['lenet5', 'alexnetSmall', 'custom'];
const DATASET_LABELS: Record<ConvNetDatasetName, string> = { mnist: 'MNIST' };
const SCHEDULE_LABELS: Record<LrScheduleName, string> = { none: 'constant', step: 'step', cosine: 'cosine' };
const MONITOR_LABELS: Record<MonitorName, string> = { val_loss: 'validation loss', val_accuracy: 'validation accuracy' };

/** Draft ids only need to be unique within the page (React keys, focus targets). */
let draftIds = 0;
const nextId = (): number => ++draftIds;
const draftsOf = (preset: PresetId): LayerDraft[] => PRESETS[preset].stack.map((l) => draftFromLayer(l, nextId()));

/**
 * The ConvNet new-run form: a layer-stack editor with the shape inspector beside it (updated on
 * every keystroke), and the training options (react-hook-form over convnet-schema.ts; a field's
 * error shows once it was left or the form submitted). Submits `lenet5-mnist` for the unmodified
 * LeNet-5, else `convnet` with the stack.
 */
export function ConvNetRunForm() {
  const { createRun } = useAppActions();
  const system = useApp((s) => s.system);
  const runs = useApp((s) => s.runs);
  const [preset, setPreset] = useState<PresetId>('lenet5');
  const [dataset, setDataset] = useState<ConvNetDatasetName>('mnist');
  const [drafts, setDrafts] = useState<LayerDraft[]>(() => draftsOf('lenet5'));
  const [submitError, setSubmitError] = useState<string | null>(null);

  const report = useMemo(() => inspectForDataset(dataset, drafts), [dataset, drafts]);
  const schema = useMemo(() => convNetFormSchema(report.stack, dataset), [report.stack, dataset]);
  const form = useForm<TrainingFields, unknown, { spec: RunSpec; preset: string }>({
    defaultValues: defaultTrainingFields(),
    mode: 'onTouched',
    resolver: zodResolver(schema),
  });
  // Every value, re-rendering on each change: what is shown and the live checks depend on them.
  const fields = useWatch({ control: form.control }) as TrainingFields;
  const built = useMemo(() => buildConvNetSpec(fields, report.stack, dataset), [fields, report.stack, dataset]);
  const visible = visibleTrainingFields(fields);
  const blocker = report.problem?.message ?? (!built.ok ? built.stackError : null);
  const presetStack = PRESETS[preset].stack;
  const modified = preset !== 'custom' && !(report.stack !== null && sameStack(report.stack, presetStack));
  const ds = CONVNET_DATASETS[dataset];
  const designed = PRESETS[preset].inputShape;
  const misfit = designed !== null && shapeToString(designed) !== shapeToString(ds.inputShape);
  const runPreset = built.ok ? built.preset : null;
  const submitting = form.formState.isSubmitting;
  const speed = useMemo(() => measuredSpeed(Object.values(runs), 'images_per_s', ['lenet5-mnist', 'convnet']), [runs]);

  const pickPreset = (id: PresetId) => {
    setPreset(id);
    setDrafts(draftsOf(id));
  };

  const onSubmit = form.handleSubmit(async ({ spec }) => {
    setSubmitError(null);
    if (blocker) return;
    try {
      const run = await createRun(spec);
      navigate(hrefFor.run(run.id));
    } catch (err) {
      setSubmitError(err instanceof Error ? err.message : String(err));
    }
  });

  const text = (key: TrainingField, inputMode: 'numeric' | 'decimal' = 'numeric') =>
    visible.has(key) ? <TextField key={key} name={key} label={TRAINING_LABELS[key]} hint={TRAINING_HINTS[key]} inputMode={inputMode} /> : null;
  const choice = (key: TrainingField, choices: readonly Choice[]) =>
    visible.has(key) ? <ChoiceField key={key} name={key} label={TRAINING_LABELS[key]} hint={TRAINING_HINTS[key]} choices={choices} /> : null;

  const errorCount = (Object.keys(form.formState.errors) as TrainingField[]).filter((k) => visible.has(k)).length;

  return (
    <FormProvider {...form}>
      <form
        className="form convnet-form"
        onSubmit={(e) => void onSubmit(e)}
        noValidate
        data-testid="new-run-form"
        aria-describedby={errorCount ? 'form-errors' : undefined}
      >
        <ErrorSummary id="form-errors" labels={TRAINING_LABELS} shown={visible} testId="form-errors" />

        <fieldset className="form-section">
          <legend>Architecture</legend>
          <div className="arch-controls">
            <div className="preset-picker" role="radiogroup" aria-labelledby="stack-preset-label">
              <span id="stack-preset-label" className="picker-label">
                Start from
              </span>
              {PRESET_ORDER.map((id) => (
                <label key={id} className={`seg${preset === id ? ' seg-on' : ''}`}>
                  <input
                    type="radio"
                    name="stackPreset"
                    value={id}
                    checked={preset === id}
                    onChange={() => pickPreset(id)}
                    data-testid={`stack-preset-${id}`}
                  />
                  {PRESETS[id].label}
                </label>
              ))}
              {modified && (
                <span className="muted small" data-testid="stack-modified">
                  (modified){' '}
                  <button type="button" className="btn btn-link btn-small" onClick={() => pickPreset(preset)}>
                    Restore {PRESETS[preset].label}
                  </button>
                </span>
              )}
            </div>
            <Field name="dataset" label="Dataset" hint={`Input ${shapeToString(ds.inputShape)}, ${ds.classes} classes.`}>
              {(p) => (
                <select {...p} value={dataset} onChange={(e) => setDataset(e.target.value as ConvNetDatasetName)}>
                  {(Object.keys(CONVNET_DATASETS) as ConvNetDatasetName[]).map((d) => (
                    <option key={d} value={d}>
                      {DATASET_LABELS[d]} ({shapeToString(CONVNET_DATASETS[d].inputShape)})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <p className="muted small preset-description" data-testid="stack-preset-description">
            {PRESETS[preset].description}.
            {misfit && designed && (
              <>
                {' '}
                Designed for {shapeToString(designed)} input; {DATASET_LABELS[dataset]} is {shapeToString(ds.inputShape)}, so the inspector shows where it stops
                fitting: shrink or remove that layer to train it here.
              </>
            )}
          </p>
          <div className="stack-layout">
            <LayerStackEditor drafts={drafts} report={report} onChange={setDrafts} nextId={nextId} />
            <ShapeInspector report={report} inputLabel={`${DATASET_LABELS[dataset]} ${shapeToString(ds.inputShape)}`} />
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>Training</legend>
          {visible.has('name') && (
            <TextField name="name" label={TRAINING_LABELS.name} hint={TRAINING_HINTS.name} maxLength={220} placeholder="e.g. lenet-baseline" />
          )}
          <div className="form-grid">
            {text('epochs')}
            {text('batchSize')}
            {choice('optimizer', [
              { value: 'adam', label: 'Adam' },
              { value: 'sgd', label: 'SGD with momentum' },
            ])}
            {text('learningRate', 'decimal')}
            {text('momentum', 'decimal')}
            {choice(
              'lrSchedule',
              LrScheduleName.options.map((v) => ({ value: v, label: SCHEDULE_LABELS[v] })),
            )}
            {text('lrStepEpochs')}
            {text('lrGamma', 'decimal')}
            {text('lrMin', 'decimal')}
            {text('weightDecay', 'decimal')}
          </div>
          <h3 className="subhead">Data</h3>
          <div className="form-grid">
            {text('trainLimit')}
            {text('validationSplit', 'decimal')}
            {text('validationLimit')}
            {text('testLimit')}
            {text('augmentShift')}
            <CheckField name="augmentFlip" label={TRAINING_LABELS.augmentFlip} hint={TRAINING_HINTS.augmentFlip}>
              {fields.augmentFlip && ds.digits && (
                <p className="warn-text small" data-testid="flip-warning">
                  {DATASET_LABELS[dataset]} holds digits: a mirrored 2 is not a 2.
                </p>
              )}
            </CheckField>
          </div>
          <h3 className="subhead">Stopping, checkpoints and compute</h3>
          <div className="form-grid">
            {text('patience')}
            {choice(
              'monitor',
              MonitorName.options.map((v) => ({ value: v, label: MONITOR_LABELS[v] })),
            )}
            {text('checkpointEvery')}
            {text('seed')}
            {choice('backend', backendChoices(system))}
          </div>
        </fieldset>

        <RunFormActions
          submitting={submitting}
          blocked={blocker !== null}
          describedBy={blocker ? 'submit-reason' : undefined}
          submitTestId="submit-run"
          submitError={submitError}
          submitErrorTestId="submit-error"
          estimate={<RunEstimate work={convNetWork(fields)} speed={speed} unit="images" kind="ConvNet" />}
          onReset={() => {
            form.reset(defaultTrainingFields());
            setSubmitError(null);
            pickPreset('lenet5');
          }}
        >
          {runPreset && (
            <span className="muted small" data-testid="run-preset">
              runs as preset <code>{runPreset}</code>
            </span>
          )}
        </RunFormActions>
        <p
          id="submit-reason"
          className={blocker ? 'error-text submit-reason' : 'sr-only'}
          aria-live="polite"
          data-testid={blocker ? 'submit-blocked' : undefined}
        >
          {blocker ? `Cannot start yet: ${blocker}.` : ''}
        </p>
      </form>
    </FormProvider>
  );
}
