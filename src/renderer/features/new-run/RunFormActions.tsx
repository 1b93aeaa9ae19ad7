import type { ReactNode } from 'react';
import { hrefFor } from '../../app/route';

export interface RunFormActionsProps {
  submitting: boolean;
  /** Why the run cannot start yet (the form's own check), or nothing when it can. */
  blocked?: boolean;
  /** The id of the text that says why it is blocked. */
  describedBy?: string | undefined;
  submitTestId: string;
  /** The host's refusal of the last start, shown above the buttons. */
  submitError: string | null;
  submitErrorTestId: string;
  /** The training-time estimate, between the refusal and the buttons. */
  estimate: ReactNode;
  onReset(): void;
  /** Buttons beside Start (the ConvNet form's Sweep…). */
  beside?: ReactNode;
  /** Said after the buttons (the preset the run starts as). */
  children?: ReactNode;
}

/** The foot of both new-run forms: the host's refusal, the time estimate, then start, reset and cancel. */
export function RunFormActions({
  submitting,
  blocked = false,
  describedBy,
  submitTestId,
  submitError,
  submitErrorTestId,
  estimate,
  onReset,
  beside,
  children,
}: RunFormActionsProps) {
  return (
    <>
      {submitError && (
        <p className="error-text" role="alert" data-testid={submitErrorTestId}>
          Could not start the run: {submitError}
        </p>
      )}
      {estimate}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={submitting || blocked} aria-describedby={describedBy} data-testid={submitTestId}>
          {submitting ? 'Starting…' : 'Start run'}
        </button>
        {beside}
        <button type="button" className="btn" onClick={onReset}>
          Reset
        </button>
        <a className="btn btn-link" href={hrefFor.runs()}>
          Cancel
        </a>
        {children}
      </div>
    </>
  );
}
