/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import type { MetricSeries, RunRecord } from '../../../shared/api';
import { renderWithApp } from '../../testing/recording-client';
import { testRun } from '../../testing/run-record';
import { ComparePage } from './ComparePage';

afterEach(cleanup);

const run = (id: string, lrSchedule: string) =>
  testRun({ id, spec: { preset: 'lenet5-mnist', params: { epochs: 2, lrSchedule }, tags: [] } as unknown as RunRecord['spec'] });

const metrics = (r1: number): MetricSeries[] => [
  {
    key: 'val_i2t_r1',
    total: 2,
    points: [
      { step: 1, epoch: 1, value: r1 / 2, wallTime: 1 },
      { step: 2, epoch: 2, value: r1, wallTime: 2 },
    ],
  },
  { key: 'val_t2i_medr', total: 1, points: [{ step: 2, epoch: 2, value: 7, wallTime: 2 }] },
];

describe('ComparePage', () => {
  // Issue 18, problem 7: Compare showed `val_i2t_r1` (no name, no direction) and spec keys as `params.lrSchedule`.
  it('names metrics and settings in words, with which way is better', async () => {
    renderWithApp(<ComparePage ids={['a', 'b']} />, {
      'runs.get': (i: unknown) => run((i as { id: string }).id, (i as { id: string }).id === 'a' ? 'cosine' : 'constant'),
      'runs.metrics': (i: unknown) => metrics((i as { id: string }).id === 'a' ? 0.2 : 0.3),
    });
    const table = await screen.findByTestId('best-final');
    const recall = await waitFor(() => within(table).getByText('Validation image→text recall@1 (higher is better)'));
    const row = recall.closest('tr') as HTMLElement;
    expect(row.getAttribute('data-goal')).toBe('max');
    expect(
      within(row)
        .getAllByTestId('final-value')
        .map((c) => c.textContent?.replace(' ★', '')),
    ).toEqual(['20.00%', '30.00%']);
    expect(within(table).getByText('Validation text→image median rank (lower is better)')).toBeTruthy();
    const option = within(screen.getByTestId('compare-metric')).getByRole('option', {
      name: 'Validation image→text recall@1 (higher is better)',
    }) as HTMLOptionElement;
    expect(option.value).toBe('val_i2t_r1');
    const diff = screen.getByTestId('config-diff-row');
    expect(within(diff).getByRole('rowheader').textContent).toBe('Learning-rate schedule');
    expect(screen.getByTestId('compare-page').textContent).not.toMatch(/val_|params\.|lrSchedule/);
  });

  // Issue 18, problem 10: Compare of ids that name no run said "The runs have the same configuration".
  it('says which ids name no run, instead of "same configuration"', async () => {
    renderWithApp(<ComparePage ids={['a', 'nope-1', 'nope-2']} />, {
      'runs.get': (i: unknown) => {
        const id = (i as { id: string }).id;
        if (id !== 'a') throw new Error(`run not found: ${id}`);
        return run(id, 'cosine');
      },
      'runs.metrics': () => metrics(0.2),
    });
    const unknown = await screen.findByTestId('compare-unknown');
    expect(unknown.textContent).toContain('nope-1, nope-2');
    expect(screen.getByTestId('config-diff-empty').textContent).toBe('Nothing to compare: only one of these ids names a run.');
    expect(screen.getByTestId('compare-page').textContent).not.toMatch(/same configuration/);
  });
});
