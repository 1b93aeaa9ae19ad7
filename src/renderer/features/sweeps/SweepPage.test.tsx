/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import type { RunRecord, SweepDetail } from '../../../shared/api';
import { renderWithApp } from '../../testing/recording-client';
import { testRun } from '../../testing/run-record';
import { SweepPage } from './SweepPage';

afterEach(cleanup);

const run = (id: string, learningRate: number, optimizer: string, acc: number | undefined, worker: string | null) =>
  testRun({
    id,
    name: `sweep #${id}`,
    status: acc === undefined ? 'running' : 'completed',
    summary: acc === undefined ? {} : { val_accuracy: acc },
    sweepId: 'sw-1',
    worker,
    spec: { preset: 'lenet5-mnist', params: { learningRate, optimizer, epochs: 1 }, tags: [] } as unknown as RunRecord['spec'],
  });

const sweep = (runs: RunRecord[], best: { id: string; value: number } | null): SweepDetail => ({
  id: 'sw-1',
  name: 'lr sweep',
  preset: 'lenet5-mnist',
  spec: { preset: 'lenet5-mnist', set: {}, grid: {}, random: 3, ranges: {}, seed: 1 },
  createdAt: 1,
  runIds: runs.map((r) => r.id),
  counts: { completed: runs.filter((r) => r.status === 'completed').length, running: runs.filter((r) => r.status === 'running').length },
  swept: ['learningRate', 'optimizer'],
  metric: 'val_accuracy',
  goal: 'max',
  best,
  runs,
});

describe('SweepPage', () => {
  it('shows the best run, a parallel-coordinates line per run (best highlighted) and hyperparameter columns; reloads when a run of it changes', async () => {
    let answer = sweep([run('a', 0.0001, 'adam', 0.9, 'gpu-box'), run('b', 0.01, 'sgd', 0.95, null), run('c', 0.001, 'adam', undefined, null)], {
      id: 'b',
      value: 0.95,
    });
    const { emit, calls } = renderWithApp(<SweepPage sweepId="sw-1" />, { 'sweeps.get': () => answer });
    const best = await screen.findByTestId('sweep-best');
    expect(best.textContent).toContain('Best by val_accuracy (higher is better): sweep #b = 0.95');
    const chart = screen.getByTestId('sweep-pc');
    expect(
      within(chart)
        .getAllByTestId('pc-axis')
        .map((a) => a.getAttribute('data-kind')),
    ).toEqual(['log', 'category', 'linear']);
    const lines = within(chart).getAllByTestId('pc-line');
    expect(lines.map((l) => l.getAttribute('data-run'))).toEqual(['a', 'c', 'b']);
    expect(lines[2]?.getAttribute('data-best')).toBe('true');
    // The running run has no metric yet: its line stops at the last hyperparameter.
    expect(lines[1]?.querySelectorAll('polyline')).toHaveLength(1);
    const table = screen.getByTestId('sweep-runs');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Run', 'Status', 'learningRate', 'optimizer', 'val_accuracy', 'Worker']);
    expect(within(table).getByText('gpu-box')).toBeTruthy();
    expect(screen.getByText('Compare all').getAttribute('href')).toBe('#/compare?ids=a,b,c');

    answer = sweep([run('a', 0.0001, 'adam', 0.9, 'gpu-box'), run('b', 0.01, 'sgd', 0.95, null), run('c', 0.001, 'adam', 0.97, null)], {
      id: 'c',
      value: 0.97,
    });
    const before = calls.filter((c) => c.method === 'sweeps.get').length;
    act(() => emit('run.status', answer.runs[2] as RunRecord));
    await waitFor(() => expect(screen.getByTestId('sweep-best').textContent).toContain('sweep #c = 0.97'));
    expect(calls.filter((c) => c.method === 'sweeps.get').length).toBe(before + 1);
  });
});
