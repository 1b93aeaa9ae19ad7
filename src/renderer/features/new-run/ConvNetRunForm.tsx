import { useMemo, useState } from 'react';
import { FormProvider, useForm, useWatch } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { shapeToString } from '../../../shared/conv-shapes';
import { CONVNET_DATASETS, LrScheduleName, MonitorName, defaultInputFor } from '../../../shared/convnet-spec';
import { RESIZE_MODES, inputShapeArray, parseInputShape, type ResizeMode } from '../../../shared/image-input';
import { useApiQuery } from '../../api/queries';
import { PRESETS, type LayerStack, type PresetId } from '../../../shared/layer-spec';
import { ConvNetParams, type RunSpec } from '../../../shared/run-spec';
import { useApp, useAppActions } from '../../api/context';
import { hrefFor, navigate } from '../../app/route';
import { draftFromLayer, inspectDrafts, sameStack, type LayerDraft } from './stack-form';
import {
  TRAINING_HINTS,
  TRAINING_LABELS,
  buildConvNetSpec,
  convNetFormSchema,
  datasetRecipeFields,
  defaultTrainingFields,
  trainingFieldsFrom,
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
import { SweepPanel } from './SweepPanel';
import './new-run.css';

const PRESET_ORDER: PresetId[] = ['lenet5', 'alexnetSmall', 'photoSmall', 'custom'];
const RESIZE_LABELS: Record<ResizeMode, string> = { stretch: 'stretch to fit', crop: 'crop the centre', pad: 'pad with black' };
const SCHEDULE_LABELS: Record<LrScheduleName, string> = { none: 'constant', step: 'step', cosine: 'cosine' };
const MONITOR_LABELS: Record<MonitorName, string> = { val_loss: 'validation loss', val_accuracy: 'validation accuracy' };

/** Draft ids only need to be unique within the page (React keys, focus targets). */
let draftIds = 0;
const nextId = (): number => ++draftIds;
const draftsOf = (preset: PresetId): LayerDraft[] => PRESETS[preset].stack.map((l) => draftFromLayer(l, nextId()));

/** The stack preset, dataset and layers a cloned spec starts the form with (LeNet-5 on MNIST when it has none). */
interface Architecture {
  preset: PresetId;
  dataset: string;
  input: string;
  resize: ResizeMode;
  stack: LayerStack;
}

function architectureOf(spec: RunSpec | null): Architecture {
  const lenet: Architecture = { preset: 'lenet5', dataset: 'mnist', input: defaultInputFor('mnist'), resize: 'stretch', stack: PRESETS.lenet5.stack };
  if (spec?.preset !== 'convnet') return lenet;
  const p = ConvNetParams.safeParse(spec.params);
  if (!p.success) return lenet;
  const preset = PRESET_ORDER.find((id) => id !== 'custom' && sameStack(PRESETS[id].stack, p.data.stack)) ?? 'custom';
  return { preset, dataset: p.data.dataset, input: p.data.input ?? defaultInputFor(p.data.dataset), resize: p.data.resize, stack: p.data.stack };
}

/** The form's fields that a sweep can vary (all but the name), with their labels. */
const SWEEPABLE = (Object.keys(TRAINING_LABELS) as TrainingField[]).filter((k) => k !== 'name').map((k) => ({ key: k, label: TRAINING_LABELS[k] }));

/**
 * The ConvNet new-run form: a layer-stack editor with the shape inspector beside it (updated on
 * every keystroke), and the training options (react-hook-form over convnet-schema.ts; a field's
 * error shows once it was left or the form submitted). Submits `lenet5-mnist` for the unmodified
 * LeNet-5, else `convnet` with the stack.
 */
export function ConvNetRunForm({ initial = null }: { initial?: RunSpec | null }) {
  const { createRun } = useAppActions();
  const system = useApp((s) => s.system);
  const runs = useApp((s) => s.runs);
  const [arch] = useState(() => architectureOf(initial));
  const [preset, setPreset] = useState<PresetId>(arch.preset);
  const [dataset, setDataset] = useState<string>(arch.dataset);
  const [inputText, setInputText] = useState<string>(arch.input);
  const [resize, setResize] = useState<ResizeMode>(arch.resize);
  const [drafts, setDrafts] = useState<LayerDraft[]>(() => arch.stack.map((l) => draftFromLayer(l, nextId())));
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [sweeping, setSweeping] = useState(false);
  // Imported classification datasets (class folders, image,label CSV/JSONL, MNIST) train on their own split.
  const datasets = useApiQuery('datasets.list', {});
  const labelled = useMemo(() => (datasets.data ?? []).filter((d) => d.kind === 'classification'), [datasets.data]);
  const chosen = labelled.find((d) => d.id === dataset) ?? null;
  const builtin = dataset === 'mnist';
  const inputShape = useMemo((): { shape: number[]; error: string | null } => {
    try {
      return { shape: inputShapeArray(parseInputShape(inputText)), error: null };
    } catch (e) {
      return { shape: [...CONVNET_DATASETS.mnist.inputShape], error: (e as Error).message };
    }
  }, [inputText]);
  const classes = builtin ? CONVNET_DATASETS.mnist.classes : null;
  const datasetInput = { input: inputText, resize };

  const report = useMemo(() => inspectDrafts(inputShape.shape, drafts, classes), [inputShape.shape, drafts, classes]);
  const schema = useMemo(() => convNetFormSchema(report.stack, dataset, datasetInput), [report.stack, dataset, inputText, resize]); // eslint-disable-line react-hooks/exhaustive-deps
  const form = useForm<TrainingFields, unknown, { spec: RunSpec; preset: string }>({
    defaultValues: trainingFieldsFrom(initial),
    mode: 'onTouched',
    resolver: zodResolver(schema),
  });
  // Every value, re-rendering on each change: what is shown and the live checks depend on them.
  const fields = useWatch({ control: form.control }) as TrainingFields;
  const built = useMemo(() => buildConvNetSpec(fields, report.stack, dataset, datasetInput), [fields, report.stack, dataset, inputText, resize]); // eslint-disable-line react-hooks/exhaustive-deps
  const visible = visibleTrainingFields(fields, dataset);
  const blocker = inputShape.error ?? report.problem?.message ?? (!built.ok ? built.stackError : null);
  const presetStack = PRESETS[preset].stack;
  const modified = preset !== 'custom' && !(report.stack !== null && sameStack(report.stack, presetStack));
  const datasetLabel = builtin ? 'MNIST' : (chosen?.name ?? dataset);
  const designed = PRESETS[preset].inputShape;
  const misfit = designed !== null && shapeToString(designed) !== shapeToString(inputShape.shape);
  const runPreset = built.ok ? built.preset : null;
  const submitting = form.formState.isSubmitting;
  const speed = useMemo(() => measuredSpeed(Object.values(runs), 'images_per_s', ['lenet5-mnist', 'convnet']), [runs]);

  const pickPreset = (id: PresetId) => {
    setPreset(id);
    setDrafts(draftsOf(id));
  };

  // Between the built-in MNIST and an imported dataset, an unmodified preset stack and the training
  // fields follow: LeNet-5's recipe for MNIST, the measured photo recipe (README) for a dataset.
  const changeDataset = (next: string) => {
    const wasBuiltin = dataset === 'mnist';
    const nowBuiltin = next === 'mnist';
    setDataset(next);
    setInputText(defaultInputFor(next));
    if (wasBuiltin === nowBuiltin) return;
    if (!modified && preset !== 'custom') pickPreset(nowBuiltin ? 'lenet5' : 'photoSmall');
    const current = form.getValues();
    form.reset(nowBuiltin ? { ...defaultTrainingFields(), name: current.name, seed: current.seed, backend: current.backend } : datasetRecipeFields(current));
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
            <Field
              name="dataset"
              label="Dataset"
              hint={
                builtin
                  ? 'Input 28x28x1, 10 classes.'
                  : `${chosen ? `${chosen.classes.length} classes (${chosen.classes.slice(0, 6).join(', ')}${chosen.classes.length > 6 ? ', …' : ''}); ` : ''}its own train / validation / test split; the last dense layer is sized to its classes.`
              }
            >
              {(p) => (
                <select {...p} value={dataset} onChange={(e) => changeDataset(e.target.value)} data-testid="dataset-select">
                  <option value="mnist">MNIST, built in (28x28x1)</option>
                  {labelled.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name} ({d.counts.labelled} labelled images)
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              name="input"
              label="Input (H×W×C)"
              hint={builtin ? 'MNIST trains at 28x28x1; another shape shows in the inspector (e.g. 32x32x3).' : 'e.g. 64x64x3 (RGB) or 28x28x1 (grey).'}
            >
              {(p) => <input {...p} value={inputText} onChange={(e) => setInputText(e.target.value)} data-testid="input-shape" />}
            </Field>
            {!builtin && (
              <>
                <Field name="resize" label="Resize" hint="How an image of another aspect ratio becomes H×W.">
                  {(p) => (
                    <select {...p} value={resize} onChange={(e) => setResize(e.target.value as ResizeMode)} data-testid="resize-select">
                      {RESIZE_MODES.map((m) => (
                        <option key={m} value={m}>
                          {RESIZE_LABELS[m]}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              </>
            )}
          </div>
          <p className="muted small preset-description" data-testid="stack-preset-description">
            {PRESETS[preset].description}.
            {misfit && designed && (
              <>
                {' '}
                Designed for {shapeToString(designed)} input; the input here is {shapeToString(inputShape.shape)}, so the inspector shows where it stops
                fitting: shrink or remove that layer to train it here.
              </>
            )}
          </p>
          <div className="stack-layout">
            <LayerStackEditor drafts={drafts} report={report} onChange={setDrafts} nextId={nextId} />
            <ShapeInspector report={report} inputLabel={`${datasetLabel} ${shapeToString(inputShape.shape)}`} />
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
            {text('augmentCrop', 'decimal')}
            {text('augmentBrightness', 'decimal')}
            {text('augmentContrast', 'decimal')}
            {visible.has('normalize') && <CheckField name="normalize" label={TRAINING_LABELS.normalize} hint={TRAINING_HINTS.normalize} />}
            <CheckField name="augmentFlip" label={TRAINING_LABELS.augmentFlip} hint={TRAINING_HINTS.augmentFlip}>
              {fields.augmentFlip && (builtin || chosen?.format === 'mnist') && (
                <p className="warn-text small" data-testid="flip-warning">
                  {datasetLabel} holds digits: a mirrored 2 is not a 2.
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
          beside={
            <button type="button" className="btn" aria-expanded={sweeping} onClick={() => setSweeping((v) => !v)} data-testid="sweep-toggle">
              Sweep…
            </button>
          }
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
        {sweeping && <SweepPanel fields={SWEEPABLE} base={built.ok && !blocker ? built.spec : null} name={fields.name} />}
      </form>
    </FormProvider>
  );
}
