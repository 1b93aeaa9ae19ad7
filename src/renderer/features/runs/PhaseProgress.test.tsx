/** @vitest-environment happy-dom */
// Issue 18, problem 4: an export's captioning shows as a progress bar with its count and time left,
// on the run page and in the runs list, live from the run's status events, and goes when it ends.
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import type { RunPhase } from '../../../shared/api';
import { renderWithApp } from '../../testing/recording-client';
import { testRun } from '../../testing/run-record';
import { RunHeader } from '../run-page/RunHeader';
import { PhaseProgress } from './PhaseProgress';
import { RunsList } from './RunsList';

afterEach(cleanup);

const exportPhase = (done: number, secondsLeft: number | null): RunPhase => ({
  name: 'export',
  label: 'Captioning images for the export',
  unit: 'images',
  done,
  total: 1_000,
  startedAt: 1,
  secondsLeft,
});

const RUN = testRun({ name: 'captions run', preset: 'mlbl-b', phase: null });

describe('PhaseProgress', () => {
  it('shows an export as its label, a bar, the count and the time left', () => {
    render(<PhaseProgress phase={exportPhase(250, 130)} />);
    const bar = screen.getByTestId('run-phase');
    expect(bar.getAttribute('data-phase')).toBe('export');
    expect(bar.textContent).toContain('Captioning images for the export');
    expect(screen.getByTestId('run-phase-count').textContent).toBe('250 / 1,000 images · about 2 min 10 s left');
    const progress = within(bar).getByRole('progressbar') as HTMLProgressElement;
    expect(progress.value).toBe(250);
    expect(progress.max).toBe(1_000);
    expect(progress.getAttribute('aria-label')).toBe('Captioning images for the export: 25%');
  });

  it('says so before there is a rate, and nothing without a phase', () => {
    render(<PhaseProgress phase={exportPhase(0, null)} />);
    expect(screen.getByTestId('run-phase-count').textContent).toBe('0 / 1,000 images · estimating time left…');
    cleanup();
    const { container } = render(<PhaseProgress phase={null} />);
    expect(container.innerHTML).toBe('');
  });

  it("follows a finished run's export on its page and in the runs list, and goes when the export ends", async () => {
    const app = renderWithApp(
      <>
        <RunHeader run={{ ...RUN, phase: exportPhase(400, 30) }} />
        <RunsList />
      </>,
      { 'runs.list': [RUN], 'datasets.list': [] },
    );
    // The run page shows the export of a completed run; the list starts without one.
    const header = screen.getAllByTestId('run-phase').find((e) => !e.classList.contains('phase-compact')) as HTMLElement;
    expect(within(header).getByTestId('run-phase-count').textContent).toBe('400 / 1,000 images · about 30 s left');
    const row = await screen.findByTestId('run-row-r1');
    expect(within(row).queryByTestId('run-phase')).toBeNull();

    act(() => app.emit('run.status', { ...RUN, phase: exportPhase(600, 20) }));
    expect(within(row).getByTestId('run-phase').getAttribute('data-phase')).toBe('export');
    expect(within(row).getByTestId('run-phase-count').textContent).toBe('600 / 1,000 images · about 20 s left');

    act(() => app.emit('run.status', { ...RUN, phase: exportPhase(1_000, 0) }));
    expect(within(row).getByTestId('run-phase-count').textContent).toBe('1,000 / 1,000 images · finishing');

    act(() => app.emit('run.status', { ...RUN, phase: null }));
    expect(within(row).queryByTestId('run-phase')).toBeNull();
  });
});
