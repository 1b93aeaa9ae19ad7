import { describe, expect, it } from 'vitest';
import { ConvolveError, convolve2d, parseMatrix, type Grid } from './convolve';
import { channelOf, convolveVolume, type Volume } from './convolve-volume';

const matrix = (text: string): Grid => {
  const m = parseMatrix(text);
  if (!m.ok) throw new Error(m.error);
  return m.matrix;
};
const SOBEL = matrix('[1 0 -1; 2 0 -2; 1 0 -1]');

/** R: a vertical edge (left bright); G: flat 0.5; B: zeros. */
function edgeVolume(size: number): Volume {
  const values: number[] = [];
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) values.push(c < size / 2 ? 1 : 0, 0.5, 0);
  return { height: size, width: size, channels: 3, values };
}

describe('convolveVolume', () => {
  it("the seed's exercise: 32x32x3, 5 filters of 5x5, stride 1, no padding -> 28x28x5, 375 weights +5 biases; stride 3 -> 10x10x5", () => {
    const input = edgeVolume(32);
    const five = Array.from({ length: 5 }, () => ({ kernel: matrix('[1 1 1 1 1; 1 1 1 1 1; 1 1 1 1 1; 1 1 1 1 1; 1 1 1 1 1]'), channels: 'all' as const }));
    const out = convolveVolume(input, five, 1, 'valid');
    expect([out.height, out.width, out.maps.length, out.weights, out.biases]).toEqual([28, 28, 5, 375, 5]);
    const s3 = convolveVolume(input, five, 3, 'valid');
    expect([s3.height, s3.width, s3.maps.length]).toEqual([10, 10, 5]);
  });

  it("sums a filter's kernel over the channels it reads: the red edge shows in R and in all, a flat channel gives 0, an empty one nothing", () => {
    const input = edgeVolume(8);
    const out = convolveVolume(input, [
      { kernel: SOBEL, channels: 0 },
      { kernel: SOBEL, channels: 1 },
      { kernel: SOBEL, channels: 'all' },
      { kernel: matrix('[0 0 0; 0 1 0; 0 0 0]'), channels: 'all', bias: 0.25 },
    ]);
    const [red, green, all, sum] = out.maps.map((m) => m.values);
    expect(red).toEqual(convolve2d(channelOf(input, 0), SOBEL).values);
    // Sobel on the step 1 -> 0 at columns 3|4: 1*1 + 2*1 + 1*1 = 4 where the window straddles it.
    expect(Math.max(...(red as number[]))).toBe(4);
    expect((green as number[]).every((v) => v === 0)).toBe(true);
    expect(all).toEqual(red); // G is flat and B empty: only R's edge is left
    // Identity over all channels plus the bias: R + G + B + 0.25 at each centre.
    expect(sum?.[0]).toBeCloseTo(1 + 0.5 + 0 + 0.25, 10);
    expect(out.weights).toBe(4 * 3 * 3 * 3);
  });

  it('refuses filters of different sizes, a channel the image lacks, and no filters, naming the filter', () => {
    const input = edgeVolume(8);
    expect(() =>
      convolveVolume(input, [
        { kernel: SOBEL, channels: 'all' },
        { kernel: matrix('[1]'), channels: 'all' },
      ]),
    ).toThrow(/filter 2 is 1x1, filter 1 is 3x3/);
    expect(() => convolveVolume(input, [{ kernel: SOBEL, channels: 3 }])).toThrow(/filter 1 reads channel 4, the image has 3/);
    expect(() => convolveVolume(input, [])).toThrow(ConvolveError);
  });
});
