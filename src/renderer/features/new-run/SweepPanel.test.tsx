/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { SweepSpecInput } from '../../../shared/sweep-spec';
import type { RunRecord } from '../../../shared/api';
import { renderWithApp } from '../../testing/recording-client';
import { ConvNetRunForm } from './ConvNetRunForm';
import { NewRunForm } from './NewRunForm';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

/** Sets the select/input labelled `label` inside sweep row `i`. */
function setInRow(i: number, label: string, value: string) {
  fireEvent.change(within(screen.getByTestId(`sweep-row-${i}`)).getByLabelText(label), { target: { value } });
}

describe('the sweep part of the new-run form', () => {
  it('shows how many runs the sweep makes and starts it with sweeps.create, then opens the sweep page', async () => {
    const app = renderWithApp(<ConvNetRunForm />, { 'sweeps.create': { id: 'sw1' } });
    fireEvent.change(screen.getByLabelText('Epochs'), { target: { value: '1' } });
    fireEvent.click(screen.getByTestId('sweep-toggle'));
    fireEvent.click(screen.getByTestId('sweep-add'));
    setInRow(0, 'Field', 'learningRate');
    setInRow(0, 'Values', '0.001, 0.003');
    fireEvent.click(screen.getByTestId('sweep-add'));
    setInRow(1, 'Field', 'batchSize');
    setInRow(1, 'Values', '32,64,128');
    await waitFor(() => expect(screen.getByTestId('sweep-count').textContent).toBe('Makes 6 runs'));
    // A random draw on top: 2 draws per grid point.
    fireEvent.click(screen.getByTestId('sweep-add'));
    setInRow(2, 'Field', 'weightDecay');
    setInRow(2, 'How', 'log');
    setInRow(2, 'From', '0.00001');
    setInRow(2, 'To', '0.001');
    fireEvent.change(screen.getByLabelText('Random draws'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Sweep seed'), { target: { value: '5' } });
    await waitFor(() => expect(screen.getByTestId('sweep-count').textContent).toBe('Makes 12 runs'));
    expect(screen.queryByTestId('sweep-errors')).toBeNull();
    fireEvent.click(screen.getByTestId('sweep-start'));
    await waitFor(() => expect(app.calls.some((c) => c.method === 'sweeps.create')).toBe(true));
    const { spec } = app.calls.find((c) => c.method === 'sweeps.create')?.input as { spec: SweepSpecInput };
    expect(spec).toMatchObject({
      preset: 'lenet5-mnist',
      grid: { learningRate: ['0.001', '0.003'], batchSize: ['32', '64', '128'] },
      ranges: { weightDecay: { kind: 'log', lo: 0.00001, hi: 0.001, int: false } },
      random: 2,
      seed: 5,
    });
    // The form's other values are the sweep's base; the swept keys are not.
    expect(spec.set).toMatchObject({ epochs: 1 });
    expect(spec.set).not.toHaveProperty('learningRate');
    expect(app.calls.some((c) => c.method === 'runs.create')).toBe(false);
    await waitFor(() => expect(window.location.hash).toBe('#/sweeps/sw1'));
  });

  it('names the field of a bad value and does not start', async () => {
    const app = renderWithApp(<ConvNetRunForm />, { 'sweeps.create': { id: 'sw1' } });
    fireEvent.click(screen.getByTestId('sweep-toggle'));
    fireEvent.click(screen.getByTestId('sweep-add'));
    setInRow(0, 'Field', 'batchSize');
    setInRow(0, 'Values', '32, lots');
    const errors = await screen.findByTestId('sweep-errors');
    expect(errors.textContent).toMatch(/Batch size: value "lots"/);
    expect((screen.getByTestId('sweep-start') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('sweep-start'));
    expect(app.calls.some((c) => c.method === 'sweeps.create')).toBe(false);
  });
});

describe('Clone run', () => {
  it("opens the form filled with the run's spec", async () => {
    const params = { epochs: 3, learningRate: 0.0042, batchSize: 96, optimizer: 'sgd', momentum: 0.8 };
    const runSpec = { preset: 'lenet5-mnist', name: 'wide lr', tags: [], params };
    const run = {
      id: 'r7',
      name: 'wide lr',
      preset: 'lenet5-mnist',
      status: 'completed',
      createdAt: 1,
      summary: {},
      tags: [],
      spec: runSpec,
    } as unknown as RunRecord;
    const app = renderWithApp(<NewRunForm from="r7" />, { 'runs.get': run, 'runs.create': { id: 'r8' } });
    expect((await screen.findByTestId('cloned-from')).textContent).toMatch(/wide lr/);
    expect((screen.getByLabelText('Learning rate') as HTMLInputElement).value).toBe('0.0042');
    expect((screen.getByLabelText('Batch size') as HTMLInputElement).value).toBe('96');
    expect((screen.getByLabelText('Optimizer') as HTMLSelectElement).value).toBe('sgd');
    expect((screen.getByLabelText('Momentum') as HTMLInputElement).value).toBe('0.8');
    fireEvent.submit(screen.getByTestId('new-run-form'));
    await waitFor(() => expect(app.calls.some((c) => c.method === 'runs.create')).toBe(true));
    const { spec } = app.calls.find((c) => c.method === 'runs.create')?.input as { spec: { params: Record<string, unknown> } };
    expect(spec.params).toMatchObject({ epochs: 3, learningRate: 0.0042, batchSize: 96, optimizer: 'sgd', momentum: 0.8 });
  });
});
