import { useId, type ReactNode } from 'react';

export interface ControlProps {
  id: string;
  name: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
  'data-testid': string;
}

interface Props {
  name: string;
  label: ReactNode;
  error?: string | undefined;
  hint?: string | undefined;
  testId?: string;
  className?: string;
  children: (p: ControlProps) => ReactNode;
}

/** A labelled control with its hint and its inline error (`error-NAME`), described by both. */
export function FormField({ name, label, error, hint, testId, className, children }: Props) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const describedBy = [error ? errId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy, 'data-testid': testId ?? `field-${name}` })}
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
