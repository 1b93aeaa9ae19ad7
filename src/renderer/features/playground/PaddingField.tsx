import type { PaddingMode } from '../new-run/stack-form';
import { Field } from '../../ui/form/Field';
import './playground.css';

interface Props {
  /** Test ids `${testPrefix}-padding` and `${testPrefix}-zeros`. */
  testPrefix: string;
  mode: PaddingMode;
  zeros: string;
  error: string | null;
  /** Says which playground the zeros input belongs to (two on one page). */
  zerosLabel: string;
  onMode(mode: PaddingMode): void;
  onZeros(text: string): void;
}

/** A playground's padding: valid, same, or N zeros per side. */
export function PaddingField({ testPrefix, mode, zeros, error, zerosLabel, onMode, onZeros }: Props) {
  return (
    <Field
      name={`${testPrefix}-padding`}
      label="Padding"
      error={error ?? undefined}
      testId={`${testPrefix}-padding`}
      errorTestId={`${testPrefix}-padding-error`}
    >
      {(p) => (
        <span className="padding-control">
          <select {...p} value={mode} onChange={(e) => onMode(e.target.value as PaddingMode)}>
            <option value="valid">valid (none)</option>
            <option value="same">same</option>
            <option value="zeros">zeros per side</option>
          </select>
          {mode === 'zeros' && (
            <input
              type="text"
              inputMode="numeric"
              className="padding-zeros"
              aria-label={zerosLabel}
              value={zeros}
              onChange={(e) => onZeros(e.target.value)}
              aria-invalid={p['aria-invalid']}
              aria-describedby={p['aria-describedby']}
              data-testid={`${testPrefix}-zeros`}
            />
          )}
        </span>
      )}
    </Field>
  );
}
