import { useId, type ReactNode } from 'react';

/** What a field hands its control: the label's target, the error/hint it is described by, its test id. */
export interface ControlProps {
  id: string;
  name: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
  'data-testid': string;
}

export interface FieldProps {
  name: string;
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  /** The control's test id (default `field-NAME`) and the error's (default `error-NAME`). */
  testId?: string | undefined;
  errorTestId?: string | undefined;
  className?: string | undefined;
  /** Show the hint only while there is no error (small fields, like a layer's). */
  hintOnlyWithoutError?: boolean;
  /** Further ids the control is described by (a row's message below its fields). */
  describedBy?: string | undefined;
  /**
   * One of a row of small controls (a flex row that wraps, like the playground's image picker): the
   * label sits on the control, and the error and hint go on a line of their own below the whole row,
   * so a message never pushes the row's other controls about.
   */
  inline?: boolean;
  children: (p: ControlProps) => ReactNode;
}

/** The one labelled control of every form: its hint and its inline error, the control described by both. */
export function Field({ name, label, error, hint, testId, errorTestId, className, hintOnlyWithoutError, describedBy, inline, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const showHint = Boolean(hint) && !(hintOnlyWithoutError && error);
  const described = [error ? errId : null, describedBy ?? null, showHint ? hintId : null].filter(Boolean).join(' ') || undefined;
  const below = inline ? ' field-below-row' : '';
  const messages = (
    <>
      {error && (
        <p className={`field-error${below}`} id={errId} data-testid={errorTestId ?? `error-${name}`}>
          {error}
        </p>
      )}
      {showHint && (
        <p className={`field-hint${below}`} id={hintId}>
          {hint}
        </p>
      )}
    </>
  );
  return (
    <>
      <div className={`field${inline ? ' field-inline' : ''}${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
        <label htmlFor={id}>{label}</label>
        {children({ id, name, 'aria-invalid': Boolean(error), 'aria-describedby': described, 'data-testid': testId ?? `field-${name}` })}
        {!inline && messages}
      </div>
      {inline && messages}
    </>
  );
}
