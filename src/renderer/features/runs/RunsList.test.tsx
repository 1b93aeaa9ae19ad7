/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { RunRecord } from '../../../shared/api';
import { renderWithApp } from '../../testing/recording-client';
import { testRun } from '../../testing/run-record';
import { RunsList } from './RunsList';
import { useRunsTable } from './table-state';

afterEach(() => {
  cleanup();
  useRunsTable.getState().clearFilter();
});

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

  it("filters by sweep (by its name), then shows the sweep's hyperparameter columns and links each run to its sweep", async () => {
    const lenet = (id: string, sweepId: string | null, learningRate: number) =>
      ({ ...RUN, id, name: id, preset: 'lenet5-mnist', sweepId, spec: { preset: 'lenet5-mnist', params: { learningRate }, tags: [] } }) as unknown as RunRecord;
    const sweep = {
      id: 'sw1',
      name: 'lr sweep',
      swept: ['learningRate'],
      runIds: ['a', 'b'],
      counts: {},
      createdAt: 1,
      metric: 'val_accuracy',
      goal: 'max',
      best: null,
    };
    renderWithApp(<RunsList />, { 'runs.list': [lenet('a', 'sw1', 0.001), lenet('b', 'sw1', 0.004), lenet('c', null, 0.002)], 'sweeps.list': [sweep] });
    await screen.findByTestId('run-row-c');
    // Runs of several sweeps (or none) shown: no hyperparameter columns.
    expect(screen.queryByTestId('hyper-col-learningRate')).toBeNull();
    const select = screen.getByTestId('filter-sweep') as HTMLSelectElement;
    const option = await waitFor(() => within(select).getByRole('option', { name: 'lr sweep' }) as HTMLOptionElement);
    fireEvent.change(select, { target: { value: option.value } });
    await screen.findByTestId('hyper-col-learningRate');
    expect(screen.queryByTestId('run-row-c')).toBeNull();
    expect(screen.getAllByTestId('run-hyper-learningRate').map((c) => c.textContent)).toEqual(expect.arrayContaining(['0.001', '0.004']));
    const link = within(screen.getByTestId('run-row-a')).getByTestId('run-sweep-link');
    expect(link.getAttribute('href')).toBe('#/sweeps/sw1');
    expect(link.textContent).toBe('sweep: lr sweep');
  });
});
