/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { renderWithApp } from '../../testing/recording-client';
import { LmRunForm } from './LmRunForm';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

const DATASET = { id: 'ds-1', name: 'Tiny captions', kind: 'captions', createdAt: 1, itemCount: 10, counts: {}, classes: [] };

describe('LmRunForm', () => {
  // Issue 18, problem 3: starting an LM run left the user on the form with a banner.
  it("opens the new run's page when the run is created", async () => {
    window.location.hash = '#/new';
    const app = renderWithApp(<LmRunForm initialModel="lbl" />, {
      'datasets.list': [DATASET],
      'features.list': [],
      'runs.create': { id: 'run-42', name: 'x', status: 'queued' },
    });
    const dataset = (await screen.findByTestId('lm-field-dataset')) as HTMLSelectElement;
    await waitFor(() => expect(dataset.querySelectorAll('option').length).toBeGreaterThan(1));
    fireEvent.change(dataset, { target: { value: 'ds-1' } });
    fireEvent.click(screen.getByTestId('lm-submit'));
    await waitFor(() => expect(app.calls.some((c) => c.method === 'runs.create')).toBe(true));
    await waitFor(() => expect(window.location.hash).toBe('#/runs/run-42'));
  });
});
