/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { resolveTrainingOptions } from '../../../shared/convnet-spec';
import { LeNet5MnistParams, type RunSpec } from '../../../shared/run-spec';
import { renderWithApp } from '../../testing/recording-client';
import { ConvNetRunForm } from './ConvNetRunForm';

afterEach(cleanup);

describe('ConvNetRunForm', () => {
  // Issue 18, problem 1: LeNet-5 showed "constant" and shift 0; the run used cosine and 2.
  it('starts the LeNet-5 run it shows', async () => {
    const app = renderWithApp(<ConvNetRunForm />, { 'runs.create': { id: 'r1' } });
    const schedule = screen.getByLabelText('Learning-rate schedule') as HTMLSelectElement;
    const shift = screen.getByLabelText('Random shift (pixels)') as HTMLInputElement;
    expect(schedule.value).toBe('cosine');
    expect(shift.value).toBe('2');
    fireEvent.change(shift, { target: { value: '1' } });
    fireEvent.submit(screen.getByTestId('new-run-form'));
    await waitFor(() => expect(app.calls.some((c) => c.method === 'runs.create')).toBe(true));
    const { spec } = app.calls.find((c) => c.method === 'runs.create')?.input as { spec: RunSpec };
    expect(spec.preset).toBe('lenet5-mnist');
    const used = resolveTrainingOptions(LeNet5MnistParams.parse(spec.params));
    expect({ schedule: used.lrSchedule, shift: used.augmentShift }).toEqual({ schedule: schedule.value, shift: 1 });
  });

  // Issue 18, problem 10: the form defaulted to a long run with no idea of how long.
  it('estimates the training time from the speed of recent finished runs, or says there is no measurement', async () => {
    const done = (id: string, ips: number, endedAt: number) => ({
      id,
      name: id,
      preset: 'lenet5-mnist',
      status: 'completed',
      createdAt: endedAt - 10,
      startedAt: endedAt - 9,
      endedAt,
      summary: { images_per_s: ips },
      tags: [],
      spec: { preset: 'lenet5-mnist', params: {} },
    });
    renderWithApp(<ConvNetRunForm />, { 'runs.list': [done('a', 500, 3), done('b', 1000, 2), done('c', 9000, 1)] });
    const est = await screen.findByTestId('run-estimate');
    await waitFor(() => expect(est.getAttribute('data-measured')).toBe('yes'));
    fireEvent.change(screen.getByLabelText('Epochs'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Training-set limit'), { target: { value: '60000' } });
    // 2 epochs x 60,000 images at the median 1,000 images/s.
    await waitFor(() => expect(est.textContent).toMatch(/^About 2 min 0 s of training \(1,000 images\/s, the median of the last 3 ConvNet runs/));
    cleanup();
    renderWithApp(<ConvNetRunForm />, { 'runs.list': [] });
    expect((await screen.findByTestId('run-estimate')).textContent).toMatch(/^No measurement yet/);
  });
});
