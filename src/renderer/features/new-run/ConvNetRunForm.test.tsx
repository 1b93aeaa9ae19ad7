/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { resolveTrainingOptions } from '../../../shared/convnet-spec';
import { LeNet5MnistParams, type RunSpec } from '../../../shared/run-spec';
import { renderWithApp } from '../../testing/recording-client';
import { PRESETS } from '../../../shared/layer-spec';
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

  // Issue 16: a dataset run offers the input pipeline's options and starts from the measured photo recipe.
  it('on an imported dataset: the photo recipe (small photo ConvNet, 20 epochs, flips, crops of 0.15), the augmentation and normalisation fields', async () => {
    const dogs = { id: 'ds1', name: 'dogs', kind: 'classification', format: 'csv', classes: ['dog', 'other'], counts: { labelled: 800 } };
    const app = renderWithApp(<ConvNetRunForm />, { 'datasets.list': [dogs], 'runs.create': { id: 'r2' } });
    // MNIST: no crop, brightness, contrast or normalisation (its pipeline has none).
    expect(screen.queryByLabelText('Random crop (fraction per side)')).toBeNull();
    expect(screen.queryByLabelText('Normalise each channel')).toBeNull();
    const select = screen.getByTestId('dataset-select') as HTMLSelectElement;
    await waitFor(() => expect(Array.from(select.options).map((o) => o.value)).toContain('ds1'));
    fireEvent.change(select, { target: { value: 'ds1' } });
    await waitFor(() => expect((screen.getByLabelText('Random crop (fraction per side)') as HTMLInputElement).value).toBe('0.15'));
    expect((screen.getByTestId('input-shape') as HTMLInputElement).value).toBe('64x64x3');
    expect((screen.getByLabelText('Epochs') as HTMLInputElement).value).toBe('20');
    expect((screen.getByLabelText('Random horizontal flips') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Normalise each channel') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('stack-preset-photoSmall') as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByLabelText('Random brightness (±)'), { target: { value: '0.1' } });
    fireEvent.change(screen.getByLabelText('Random contrast (±)'), { target: { value: '0.2' } });
    fireEvent.click(screen.getByLabelText('Normalise each channel'));
    fireEvent.submit(screen.getByTestId('new-run-form'));
    await waitFor(() => expect(app.calls.some((c) => c.method === 'runs.create')).toBe(true));
    const { spec } = app.calls.find((c) => c.method === 'runs.create')?.input as { spec: RunSpec };
    expect(spec.preset).toBe('convnet');
    const p = spec.params as Record<string, unknown>;
    expect(p).toMatchObject({
      dataset: 'ds1',
      input: '64x64x3',
      epochs: 20,
      augmentFlip: true,
      augmentCrop: 0.15,
      augmentBrightness: 0.1,
      augmentContrast: 0.2,
      normalize: false,
      stack: PRESETS.photoSmall.stack,
    });
    // The convnet preset's own defaults are left out: no cosine schedule or shift carried over from LeNet-5.
    expect(p.lrSchedule).toBeUndefined();
    expect(p.augmentShift).toBeUndefined();
  });
});
