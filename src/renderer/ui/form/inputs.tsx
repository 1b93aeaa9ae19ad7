/**
 * The form kit's bindings to react-hook-form: a text/number input and a choice (select), each in the
 * one Field with its error from the form state. Forms wrap their fields in a FormProvider. Controlled
 * (useController): the control always shows the form's value, also after a reset or setValue.
 */
import type { ReactNode } from 'react';
import { useController, useFormState } from 'react-hook-form';
import { Field } from './Field';

interface Common {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  /** Test ids are `${testPrefix}field-NAME` and `${testPrefix}error-NAME`. */
  testPrefix?: string;
}

/** The message react-hook-form holds for a field (set by the form's zod schema). */
export function useFieldError(name: string): string | undefined {
  const { errors } = useFormState({ name });
  const message = errors[name]?.message;
  return typeof message === 'string' ? message : undefined;
}

export interface TextFieldProps extends Common {
  /** numeric/decimal: a number typed as text (the schema says what is wrong with it). */
  inputMode?: 'numeric' | 'decimal' | 'text';
  type?: 'text' | 'number';
  min?: number;
  max?: number;
  step?: number | 'any';
  placeholder?: string;
  maxLength?: number;
  disabled?: boolean;
  /** Beside the input (a Browse button). */
  addon?: ReactNode;
  /** The error shown under this field when it is not the field's own (one message for a group). */
  errorFor?: string;
}

/** A text or number field: its value is the string typed; the form's schema parses it. */
export function TextField({ name, label, hint, testPrefix = '', inputMode = 'text', type = 'text', addon, errorFor, ...rest }: TextFieldProps) {
  const { field } = useController({ name });
  const error = useFieldError(errorFor ?? name);
  return (
    <Field name={name} label={label} hint={hint} error={error} testId={`${testPrefix}field-${name}`} errorTestId={`${testPrefix}error-${name}`}>
      {(p) => {
        const input = (
          <input {...p} {...field} value={String(field.value ?? '')} type={type} inputMode={inputMode} autoComplete="off" spellCheck={false} {...rest} />
        );
        return addon ? (
          <div className="input-row">
            {input}
            {addon}
          </div>
        ) : (
          input
        );
      }}
    </Field>
  );
}

export interface Choice {
  value: string;
  label: ReactNode;
  disabled?: boolean;
}

export interface ChoiceFieldProps extends Common {
  choices: readonly Choice[];
}

/** A choice among fixed values (a select). */
export function ChoiceField({ name, label, hint, testPrefix = '', choices }: ChoiceFieldProps) {
  const { field } = useController({ name });
  const error = useFieldError(name);
  return (
    <Field name={name} label={label} hint={hint} error={error} testId={`${testPrefix}field-${name}`} errorTestId={`${testPrefix}error-${name}`}>
      {(p) => (
        <select {...p} {...field} value={String(field.value ?? '')}>
          {choices.map((c) => (
            <option key={c.value} value={c.value} disabled={c.disabled}>
              {c.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** "Fix these 2 fields: Epochs, Momentum." over the form, for the fields shown that have an error. */
export function ErrorSummary<F extends string>({
  id,
  labels,
  shown,
  testId,
}: {
  id: string;
  labels: Record<F, string>;
  shown: ReadonlySet<F>;
  testId: string;
}) {
  const { errors } = useFormState();
  const bad = (Object.keys(labels) as F[]).filter((k) => shown.has(k) && errors[k]);
  if (bad.length === 0) return null;
  return (
    <div id={id} className="banner banner-error" role="alert" data-testid={testId}>
      Fix {bad.length === 1 ? 'this field' : `these ${bad.length} fields`}: {bad.map((k) => labels[k]).join(', ')}.
    </div>
  );
}

/** A yes/no option: a checkbox with its label after it, its hint and anything the choice brings (a warning). */
export function CheckField({ name, label, hint, testPrefix = '', children }: Common & { children?: ReactNode }) {
  const {
    field: { value, onChange, onBlur, ref },
  } = useController({ name });
  const hintId = `${name}-check-hint`;
  return (
    <div className="field field-check">
      <label>
        <input
          type="checkbox"
          name={name}
          ref={ref}
          checked={Boolean(value)}
          onChange={(e) => onChange(e.target.checked)}
          onBlur={onBlur}
          aria-describedby={hint ? hintId : undefined}
          data-testid={`${testPrefix}field-${name}`}
        />{' '}
        {label}
      </label>
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {children}
    </div>
  );
}
