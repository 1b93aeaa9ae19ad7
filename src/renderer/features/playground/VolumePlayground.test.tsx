/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { VolumePlayground } from './VolumePlayground';

afterEach(cleanup);

const text = (id: string) => (screen.getByTestId(id).textContent ?? '').trim();
const range = (i: number) => {
  const fig = screen.getByTestId(`volume-map-${i}`);
  return [Number(fig.getAttribute('data-min')), Number(fig.getAttribute('data-max'))];
};

describe('VolumePlayground', () => {
  it('shows the output volume of several filters over the RGB scene, one map per filter, the edge kernel among the presets', () => {
    render(<VolumePlayground />);
    // Three filters of 3x3 over 32x32x3, valid, stride 1: 30x30x3, 3 x 27 weights, +3 biases.
    expect(text('volume-output-shape')).toBe('30x30x3');
    expect(text('volume-weights')).toBe('81 weights');
    expect(text('volume-biases')).toBe('+3 biases');
    expect(screen.getAllByTestId(/^volume-map-\d$/)).toHaveLength(3);
    // Filter 1 starts as the lecture's edge kernel; the preset list holds it.
    const k1 = within(screen.getByTestId('volume-filter-0')).getByRole('textbox') as HTMLTextAreaElement;
    expect(k1.value).toBe('[1 0 -1; 2 0 -2; 1 0 -1]');
    const presets = screen.getByLabelText('Filter 1 preset') as HTMLSelectElement;
    expect(Array.from(presets.options).some((o) => o.text.includes('[1 0 -1; 2 0 -2; 1 0 -1]'))).toBe(true);
    // The scene has vertical colour edges: the edge kernel responds both ways; the red-only blur stays within [0, 1].
    const [lo, hi] = range(0);
    expect(lo).toBeLessThan(-0.5);
    expect(hi).toBeGreaterThan(0.5);
    const [blo, bhi] = range(2);
    expect(blo).toBeGreaterThanOrEqual(0);
    expect(bhi).toBeLessThanOrEqual(1 + 1e-9);

    // A fourth filter adds a map and 27 weights; stride 3 gives 10x10.
    fireEvent.click(screen.getByTestId('volume-add-filter'));
    expect(text('volume-output-shape')).toBe('30x30x4');
    expect(text('volume-weights')).toBe('108 weights');
    fireEvent.change(screen.getByTestId('volume-stride'), { target: { value: '3' } });
    expect(text('volume-output-shape')).toBe('10x10x4');
  });

  it('reads one channel when asked: the horizontal edge kernel on green alone sees the bar; a kernel of another size or a bad entry is refused, naming the filter', () => {
    render(<VolumePlayground />);
    const reads = screen.getByLabelText('Filter 2 channels') as HTMLSelectElement;
    // Horizontal Sobel on green only: the bar's top edge (grey 0.3 above, 0.85 below) gives -4 x 0.55 = -2.2.
    fireEvent.change(reads, { target: { value: '1' } });
    const [lo] = range(1);
    expect(lo).toBeCloseTo(-2.2, 6);
    // A kernel of another size is refused, naming the filter.
    fireEvent.change(within(screen.getByTestId('volume-filter-2')).getByRole('textbox'), { target: { value: '[1 1; 1 1]' } });
    expect(text('volume-error')).toMatch(/filter 3 is 2x2, filter 1 is 3x3/);
    fireEvent.change(within(screen.getByTestId('volume-filter-2')).getByRole('textbox'), { target: { value: '[1 x]' } });
    expect(text('volume-kernel-error-2')).toMatch(/^Filter 3: /);
  });
});
