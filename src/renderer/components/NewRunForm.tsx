import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { BackendRequest } from '../../shared/run-spec';
import { useApp, useAppActions } from '../context';
import { FIELD_LABELS, defaultFields, validateNewRun, type FieldErrors, type FieldName, type NewRunFields } from '../form';
import { hrefFor, navigate } from '../route';

const HINTS: Partial<Record<FieldName, string>> = {
  name: 'Optional; shown in the runs list.',
  epochs: '1–200 passes over the training images.',
  batchSize: 'Images per step (1–4096).',
  learningRate: 'Step size of the optimizer, e.g. 0.001.',
  trainLimit: 'Use only the first N of the 60,000 MNIST training images (0 = all).',
  validationLimit: 'MNIST test images scored for validation accuracy after each epoch.',
  seed: 'Initialisation and shuffling seed.',
  backend: 'auto picks tensorflow > wasm > cpu.',
};

export function NewRunForm() {
  const { createRun } = useAppActions();
  const system = useApp((s) => s.system);
  const [fields, setFields] = useState<NewRunFields>(defaultFields);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const update = <K extends FieldName>(key: K, value: NewRunFields[K]) => {
    setFields((f) => ({ ...f, [key]: value }));
    if (errors[key]) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const onSubmit = async (ev: FormEvent) => {
    ev.preventDefault();
    setSubmitError(null);
    const v = validateNewRun(fields);
    if (!v.ok) {
      setErrors(v.errors);
      const first = Object.keys(v.errors)[0];
      if (first) formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setErrors({});
    setSubmitting(true);
    try {
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

  return (
    <section className="panel narrow" aria-labelledby="new-run-title">
      <h1 id="new-run-title">New run</h1>
      <p className="muted">
        Preset <strong>LeNet-5 on MNIST</strong>: two conv + pool stages and three dense layers, trained on the original MNIST digits.
      </p>
      <form ref={formRef} className="form" onSubmit={onSubmit} noValidate data-testid="new-run-form" aria-describedby={errorCount ? 'form-errors' : undefined}>
        {errorCount > 0 && (
          <div id="form-errors" className="banner banner-error" role="alert" data-testid="form-errors">
            Fix {errorCount === 1 ? 'this field' : `these ${errorCount} fields`}:{' '}
            {(Object.keys(errors) as FieldName[])
              .filter((k) => errors[k])
              .map((k) => FIELD_LABELS[k])
              .join(', ')}
            .
          </div>
        )}
        <Field name="name" error={errors.name}>
          {(p) => <input {...p} type="text" autoComplete="off" maxLength={220} placeholder="e.g. lenet-baseline" value={fields.name} onChange={(e) => update('name', e.target.value)} />}
        </Field>
        <div className="form-grid">
          <Field name="epochs" error={errors.epochs}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={1} max={200} step={1} value={fields.epochs} onChange={(e) => update('epochs', e.target.value)} />}
          </Field>
          <Field name="batchSize" error={errors.batchSize}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={1} max={4096} step={1} value={fields.batchSize} onChange={(e) => update('batchSize', e.target.value)} />}
          </Field>
          <Field name="learningRate" error={errors.learningRate}>
            {(p) => <input {...p} type="text" inputMode="decimal" value={fields.learningRate} onChange={(e) => update('learningRate', e.target.value)} />}
          </Field>
          <Field name="optimizer" error={errors.optimizer}>
            {(p) => (
              <select {...p} value={fields.optimizer} onChange={(e) => update('optimizer', e.target.value as 'adam' | 'sgd')}>
                <option value="adam">Adam</option>
                <option value="sgd">SGD</option>
              </select>
            )}
          </Field>
          <Field name="trainLimit" error={errors.trainLimit}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={0} max={60000} step={1} value={fields.trainLimit} onChange={(e) => update('trainLimit', e.target.value)} />}
          </Field>
          <Field name="validationLimit" error={errors.validationLimit}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={1} max={10000} step={1} value={fields.validationLimit} onChange={(e) => update('validationLimit', e.target.value)} />}
          </Field>
          <Field name="seed" error={errors.seed}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={0} step={1} value={fields.seed} onChange={(e) => update('seed', e.target.value)} />}
          </Field>
          <Field name="backend" error={errors.backend}>
            {(p) => (
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
            )}
          </Field>
        </div>
        {submitError && (
          <p className="error-text" role="alert" data-testid="submit-error">
            Could not start the run: {submitError}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={submitting} data-testid="submit-run">
            {submitting ? 'Starting…' : 'Start run'}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setFields(defaultFields());
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
    </section>
  );
}

interface ControlProps {
  id: string;
  name: FieldName;
  'aria-invalid': boolean;
  'aria-describedby': string;
  'data-testid': string;
}

function Field({ name, error, children }: { name: FieldName; error?: string; children: (p: ControlProps) => ReactNode }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const hint = HINTS[name];
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{FIELD_LABELS[name]}</label>
      {children({ id, name, 'aria-invalid': Boolean(error), 'aria-describedby': error ? `${errId} ${hintId}` : hintId, 'data-testid': `field-${name}` })}
      {error && (
        <p className="field-error" id={errId} data-testid={`error-${name}`}>
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
