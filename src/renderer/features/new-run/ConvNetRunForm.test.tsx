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
});
