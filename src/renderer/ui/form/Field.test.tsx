/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { Field } from './Field';

afterEach(cleanup);

describe('Field', () => {
  it('labels its control and describes it by its error, inside the field', () => {
    render(
      <Field name="epochs" label="Epochs" error="Epochs must be a whole number">
        {(c) => <input {...c} />}
      </Field>,
    );
    const input = screen.getByLabelText('Epochs');
    expect(input.getAttribute('data-testid')).toBe('field-epochs');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const error = screen.getByTestId('error-epochs');
    expect(input.getAttribute('aria-describedby')).toBe(error.id);
    expect(error.parentElement?.classList.contains('field')).toBe(true);
  });

  it('inline: a field of a row whose error goes below the whole row, still describing the control', () => {
    render(
      <div className="row" data-testid="row">
        <Field name="item" label="Item index" error="Item index must be a whole number" testId="picker-item" errorTestId="picker-item-error" inline>
          {(c) => <input {...c} />}
        </Field>
        <Field name="size" label="Size" inline>
          {(c) => <select {...c} />}
        </Field>
      </div>,
    );
    const input = screen.getByLabelText('Item index');
    expect(input.getAttribute('data-testid')).toBe('picker-item');
    const field = input.parentElement as HTMLElement;
    expect([...field.classList]).toEqual(['field', 'field-inline', 'field-invalid']);
    const error = screen.getByTestId('picker-item-error');
    // Not in the field's column: a sibling in the row, on a line of its own after the row's controls.
    expect(error.parentElement).toBe(screen.getByTestId('row'));
    expect(error.classList.contains('field-below-row')).toBe(true);
    expect(input.getAttribute('aria-describedby')).toBe(error.id);
    expect(screen.getByLabelText('Size').getAttribute('aria-invalid')).toBe('false');
  });
});
