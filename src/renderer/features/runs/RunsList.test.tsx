/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import type { RunRecord } from '../../../shared/api';
import { renderWithApp } from '../../testing/recording-client';
import { testRun } from '../../testing/run-record';
import { RunsList } from './RunsList';

afterEach(cleanup);

const RUN = testRun({
  name: 'captions run',
  preset: 'mlbl-b',
  spec: { preset: 'mlbl-b', params: { dataset: 'ds-mxb0s8o5-36eafd' }, tags: [] } as unknown as RunRecord['spec'],
});

describe('RunsList', () => {
  // Issue 18, problem 5: datasets appeared as ids in the table and its filter.
  it('shows datasets by name, linked to the dataset, in the table and the filter', async () => {
    renderWithApp(<RunsList />, {
      'runs.list': [RUN],
      'datasets.list': [{ id: 'ds-mxb0s8o5-36eafd', name: 'Flickr tiny', kind: 'captions' }],
    });
    const row = await screen.findByTestId('run-row-r1');
    const link = await waitFor(() => within(row).getByTestId('dataset-link'));
    expect(link.textContent).toBe('Flickr tiny');
    expect(link.getAttribute('href')).toBe('#/datasets/ds-mxb0s8o5-36eafd');
    expect(row.textContent).not.toContain('ds-mxb0s8o5');
    const option = within(screen.getByTestId('filter-dataset')).getByRole('option', { name: 'Flickr tiny' }) as HTMLOptionElement;
    expect(option.value).toBe('ds-mxb0s8o5-36eafd');
  });
});
