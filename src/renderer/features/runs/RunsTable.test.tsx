/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { RunRecord } from '../../../shared/api';
import { RunsTable } from './RunsTable';
import { testRun } from '../../testing/run-record';

afterEach(cleanup);

const run = (id: string, preset: string, summary: Record<string, number>, over: Partial<RunRecord> = {}) =>
  testRun({ id, name: `run ${id}`, preset, startedAt: 1_000, endedAt: 61_000, tags: ['baseline'], summary, ...over });

function table(runs: RunRecord[], selected: string[] = []) {
  const handlers = { onSort: vi.fn(), onToggle: vi.fn(), onToggleAll: vi.fn(), onEdit: vi.fn(), onDelete: vi.fn(), onTag: vi.fn() };
  render(<RunsTable runs={runs} sort={{ column: 'created', dir: 'desc' }} selected={selected} now={100_000} datasetNames={new Map()} {...handlers} />);
  return handlers;
}

describe('RunsTable', () => {
  it('shows each run with its numbers formatted, and perplexity only when a language model is listed', () => {
    table([run('a', 'lenet5-mnist', { val_accuracy: 0.9876, loss: 0.04321 })]);
    const row = screen.getByTestId('run-row-a');
    expect(within(row).getByTestId('run-val-accuracy').textContent).toBe('98.76%');
    expect(within(row).getByTestId('run-loss').textContent).toBe('0.04321');
    expect(screen.queryByTestId('sort-val_perplexity')).toBeNull();
    cleanup();
    table([run('a', 'lenet5-mnist', {}), run('b', 'mlbl-b', { val_perplexity: 27.1 })]);
    expect(within(screen.getByTestId('run-row-b')).getByTestId('run-val-perplexity').textContent).toBe('27.1');
  });

  it('sorts by a column, selects runs, and offers edit, delete and tag filters', () => {
    const h = table([run('a', 'lenet5-mnist', {}), run('b', 'lenet5-mnist', {})], ['a']);
    expect(screen.getByTestId('sort-created').closest('th')?.getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(screen.getByTestId('sort-loss'));
    expect(h.onSort).toHaveBeenCalledWith('loss');
    fireEvent.click(within(screen.getByTestId('run-row-b')).getByTestId('run-select'));
    expect(h.onToggle).toHaveBeenCalledWith('b');
    fireEvent.click(screen.getByTestId('select-all-runs'));
    expect(h.onToggleAll).toHaveBeenCalledWith(['a', 'b'], true);
    fireEvent.click(within(screen.getByTestId('run-row-a')).getByTestId('run-delete'));
    expect(h.onDelete.mock.calls[0]?.[0]).toMatchObject({ id: 'a' });
    fireEvent.click(within(screen.getByTestId('run-row-a')).getByTestId('run-tag'));
    expect(h.onTag).toHaveBeenCalledWith('baseline');
  });
});
