import { useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { shapeToString } from '../../../shared/conv-shapes';
import { CONVNET_DATASETS, LrScheduleName, MonitorName, type ConvNetDatasetName } from '../../../shared/convnet-spec';
import { PRESETS, type PresetId } from '../../../shared/layer-spec';
import { BackendRequest } from '../../../shared/run-spec';
import { useApp, useAppActions } from '../../api/context';
import { hrefFor, navigate } from '../../app/route';
import { draftFromLayer, inspectForDataset, sameStack, type LayerDraft } from './stack-form';
import {
  TRAINING_HINTS,
  TRAINING_LABELS,
  buildConvNetSpec,
  defaultTrainingFields,
  visibleTrainingFields,
  type TrainingErrors,
  type TrainingField,
  type TrainingFields,
} from './training-form';
import { FormField, type ControlProps } from '../../ui/FormField';
import { LayerStackEditor } from './LayerStackEditor';
import { ShapeInspector } from './ShapeInspector';

const PRESET_ORDER: PresetId[] = ['lenet5', 'alexnetSmall', 'custom'];
const DATASET_LABELS: Record<ConvNetDatasetName, string> = { mnist: 'MNIST' };
const SCHEDULE_LABELS: Record<LrScheduleName, string> = { none: 'constant', step: 'step', cosine: 'cosine' };
const MONITOR_LABELS: Record<MonitorName, string> = { val_loss: 'validation loss', val_accuracy: 'validation accuracy' };

/** Draft ids only need to be unique within the page (React keys, focus targets). */
let draftIds = 0;
const nextId = (): number => ++draftIds;
const draftsOf = (preset: PresetId): LayerDraft[] => PRESETS[preset].stack.map((l) => draftFromLayer(l, nextId()));

type StringField = { [K in TrainingField]: TrainingFields[K] extends string ? K : never }[TrainingField];

/**
 * The ConvNet new-run form: a layer-stack editor with the shape inspector beside it (updated on
 * every keystroke), and the training options. Submits `lenet5-mnist` for the unmodified LeNet-5,
 * else `convnet` with the stack.
 */
export function ConvNetRunForm() {
  const { createRun } = useAppActions();
  const system = useApp((s) => s.system);
  const [preset, setPreset] = useState<PresetId>('lenet5');
  const [dataset, setDataset] = useState<ConvNetDatasetName>('mnist');
  const [drafts, setDrafts] = useState<LayerDraft[]>(() => draftsOf('lenet5'));
  const [fields, setFields] = useState<TrainingFields>(defaultTrainingFields);
  const [touched, setTouched] = useState<Set<TrainingField>>(() => new Set());
  const [attempted, setAttempted] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const report = useMemo(() => inspectForDataset(dataset, drafts), [dataset, drafts]);
  const built = useMemo(() => buildConvNetSpec(fields, report.stack, dataset), [fields, report.stack, dataset]);
  const visible = visibleTrainingFields(fields);
  const allErrors: TrainingErrors = built.ok ? {} : built.errors;
  const shown: TrainingErrors = {};
  for (const k of Object.keys(allErrors) as TrainingField[]) if (attempted || touched.has(k)) shown[k] = allErrors[k];
  const blocker = report.problem?.message ?? (!built.ok ? built.stackError : null);
  const presetStack = PRESETS[preset].stack;
  const modified = preset !== 'custom' && !(report.stack !== null && sameStack(report.stack, presetStack));
  const ds = CONVNET_DATASETS[dataset];
  const designed = PRESETS[preset].inputShape;
  const misfit = designed !== null && shapeToString(designed) !== shapeToString(ds.inputShape);
  const runPreset = built.ok ? built.preset : null;

  const set = <K extends TrainingField>(key: K, value: TrainingFields[K]) => setFields((f) => ({ ...f, [key]: value }));
  const touch = (key: TrainingField) => setTouched((t) => (t.has(key) ? t : new Set(t).add(key)));

  const pickPreset = (id: PresetId) => {
    setPreset(id);
    setDrafts(draftsOf(id));
  };

  const onSubmit = async (ev: FormEvent) => {
    ev.preventDefault();
    setSubmitError(null);
    setAttempted(true);
    if (blocker) return;
    if (!built.ok) {
      const first = Object.keys(built.errors)[0];
      if (first) formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setSubmitting(true);
    try {
      const run = await createRun(built.spec);
      navigate(hrefFor.run(run.id));
    } catch (err) {
      setSubmitError(err instanceof Error ? err.message : String(err));
    } finally {
      setSubmitting(false);
    }
  };

  const text =
    (key: StringField, inputMode: 'numeric' | 'decimal' = 'numeric') =>
    (p: ControlProps) => (
      <input
        {...p}
        type="text"
        inputMode={inputMode}
        autoComplete="off"
        value={fields[key]}
        onChange={(e) => set(key, e.target.value)}
        onBlur={() => touch(key)}
      />
    );
  const field = (key: TrainingField, control: (p: ControlProps) => ReactNode) =>
    visible.has(key) ? (
      <FormField key={key} name={key} label={TRAINING_LABELS[key]} error={shown[key]} hint={TRAINING_HINTS[key]}>
        {control}
      </FormField>
    ) : null;

  const errorCount = Object.keys(shown).length;
  const availableBackends = new Map((system?.backends ?? []).map((b) => [b.name, b]));

  return (
    <form
      ref={formRef}
      className="form convnet-form"
      onSubmit={onSubmit}
      noValidate
      data-testid="new-run-form"
      aria-describedby={errorCount ? 'form-errors' : undefined}
    >
      {errorCount > 0 && (
        <div id="form-errors" className="banner banner-error" role="alert" data-testid="form-errors">
          Fix {errorCount === 1 ? 'this field' : `these ${errorCount} fields`}:{' '}
          {(Object.keys(shown) as TrainingField[]).map((k) => TRAINING_LABELS[k]).join(', ')}.
        </div>
      )}

      <fieldset className="form-section">
        <legend>Architecture</legend>
        <div className="arch-controls">
          <div className="preset-picker" role="radiogroup" aria-labelledby="stack-preset-label">
            <span id="stack-preset-label" className="picker-label">
              Start from
            </span>
            {PRESET_ORDER.map((id) => (
              <label key={id} className={`seg${preset === id ? ' seg-on' : ''}`}>
                <input type="radio" name="stackPreset" value={id} checked={preset === id} onChange={() => pickPreset(id)} data-testid={`stack-preset-${id}`} />
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
          <FormField name="dataset" label="Dataset" hint={`Input ${shapeToString(ds.inputShape)}, ${ds.classes} classes.`}>
            {(p) => (
              <select {...p} value={dataset} onChange={(e) => setDataset(e.target.value as ConvNetDatasetName)}>
                {(Object.keys(CONVNET_DATASETS) as ConvNetDatasetName[]).map((d) => (
                  <option key={d} value={d}>
                    {DATASET_LABELS[d]} ({shapeToString(CONVNET_DATASETS[d].inputShape)})
                  </option>
                ))}
              </select>
            )}
          </FormField>
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
        {field('name', (p) => (
          <input
            {...p}
            type="text"
            autoComplete="off"
            maxLength={220}
            placeholder="e.g. lenet-baseline"
            value={fields.name}
            onChange={(e) => set('name', e.target.value)}
            onBlur={() => touch('name')}
          />
        ))}
        <div className="form-grid">
          {field('epochs', text('epochs'))}
          {field('batchSize', text('batchSize'))}
          {field('optimizer', (p) => (
            <select {...p} value={fields.optimizer} onChange={(e) => set('optimizer', e.target.value as TrainingFields['optimizer'])}>
              <option value="adam">Adam</option>
              <option value="sgd">SGD with momentum</option>
            </select>
          ))}
          {field('learningRate', text('learningRate', 'decimal'))}
          {field('momentum', text('momentum', 'decimal'))}
          {field('lrSchedule', (p) => (
            <select {...p} value={fields.lrSchedule} onChange={(e) => set('lrSchedule', e.target.value as LrScheduleName)}>
              {LrScheduleName.options.map((s) => (
                <option key={s} value={s}>
                  {SCHEDULE_LABELS[s]}
                </option>
              ))}
            </select>
          ))}
          {field('lrStepEpochs', text('lrStepEpochs'))}
          {field('lrGamma', text('lrGamma', 'decimal'))}
          {field('lrMin', text('lrMin', 'decimal'))}
          {field('weightDecay', text('weightDecay', 'decimal'))}
        </div>
        <h3 className="subhead">Data</h3>
        <div className="form-grid">
          {field('trainLimit', text('trainLimit'))}
          {field('validationSplit', text('validationSplit', 'decimal'))}
          {field('validationLimit', text('validationLimit'))}
          {field('testLimit', text('testLimit'))}
          {field('augmentShift', text('augmentShift'))}
          <div className="field field-check">
            <label>
              <input
                type="checkbox"
                name="augmentFlip"
                checked={fields.augmentFlip}
                onChange={(e) => set('augmentFlip', e.target.checked)}
                aria-describedby="augment-flip-hint"
                data-testid="field-augmentFlip"
              />{' '}
              {TRAINING_LABELS.augmentFlip}
            </label>
            <p className="field-hint" id="augment-flip-hint">
              {TRAINING_HINTS.augmentFlip}
            </p>
            {fields.augmentFlip && ds.digits && (
              <p className="warn-text small" data-testid="flip-warning">
                {DATASET_LABELS[dataset]} holds digits: a mirrored 2 is not a 2.
              </p>
            )}
          </div>
        </div>
        <h3 className="subhead">Stopping, checkpoints and compute</h3>
        <div className="form-grid">
          {field('patience', text('patience'))}
          {field('monitor', (p) => (
            <select {...p} value={fields.monitor} onChange={(e) => set('monitor', e.target.value as MonitorName)}>
              {MonitorName.options.map((m) => (
                <option key={m} value={m}>
                  {MONITOR_LABELS[m]}
                </option>
              ))}
            </select>
          ))}
          {field('checkpointEvery', text('checkpointEvery'))}
          {field('seed', text('seed'))}
          {field('backend', (p) => (
            <select {...p} value={fields.backend} onChange={(e) => set('backend', e.target.value as BackendRequest)}>
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
      </fieldset>

      {submitError && (
        <p className="error-text" role="alert" data-testid="submit-error">
          Could not start the run: {submitError}
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={submitting || blocker !== null}
          aria-describedby={blocker ? 'submit-reason' : undefined}
          data-testid="submit-run"
        >
          {submitting ? 'Starting…' : 'Start run'}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setFields(defaultTrainingFields());
            setTouched(new Set());
            setAttempted(false);
            setSubmitError(null);
            pickPreset('lenet5');
          }}
        >
          Reset
        </button>
        <a className="btn btn-link" href={hrefFor.runs()}>
          Cancel
        </a>
        {runPreset && (
          <span className="muted small" data-testid="run-preset">
            runs as preset <code>{runPreset}</code>
          </span>
        )}
      </div>
      <p
        id="submit-reason"
        className={blocker ? 'error-text submit-reason' : 'sr-only'}
        aria-live="polite"
        data-testid={blocker ? 'submit-blocked' : undefined}
      >
        {blocker ? `Cannot start yet: ${blocker}.` : ''}
      </p>
    </form>
  );
}
