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

  // Issue 18, problem 10: an estimate from measured words/s, from the chosen dataset's words.
  it('estimates the training time from the words/s of recent language-model runs and the dataset', async () => {
    const done = {
      id: 'old',
      name: 'old',
      preset: 'lbl',
      status: 'completed',
      createdAt: 1,
      startedAt: 1,
      endedAt: 2,
      summary: { words_per_s: 1000 },
      tags: [],
      spec: {},
    };
    const stats = { counts: { images: 100, captions: 500, splits: { train: 80, validation: 10, test: 10 } }, vocabulary: { tokens: 5500 } };
    renderWithApp(<LmRunForm initialModel="lbl" />, { 'runs.list': [done], 'datasets.list': [DATASET], 'features.list': [], 'datasets.stats': stats });
    const est = await screen.findByTestId('run-estimate');
    expect(est.textContent).toMatch(/^No estimate until/);
    const dataset = screen.getByTestId('lm-field-dataset') as HTMLSelectElement;
    await waitFor(() => expect(dataset.querySelectorAll('option').length).toBeGreaterThan(1));
    fireEvent.change(dataset, { target: { value: 'ds-1' } });
    fireEvent.change(screen.getByTestId('lm-field-epochs'), { target: { value: '10' } });
    fireEvent.change(screen.getByTestId('lm-field-trainLimit'), { target: { value: '0' } });
    // 10 epochs x 80 training images x (5,500 words + 500 end tokens) / 100 images = 48,000 words at 1,000 words/s.
    await waitFor(() => expect(est.textContent).toMatch(/^About 48 s of training \(1,000 words\/s, measured on the last language-model run/));
  });
});
