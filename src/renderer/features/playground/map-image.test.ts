import { describe, expect, it } from 'vitest';
import { mapToRgba, zoomFor } from './map-image';
import { blank, brightSquare, paint, sampleSeven, stepEdge } from './playground-images';

const pixels = (a: Uint8ClampedArray) => Array.from({ length: a.length / 4 }, (_, i) => Array.from(a.slice(i * 4, i * 4 + 4)));

describe('mapToRgba', () => {
  it("'unit' reads values as grey levels in [0, 1], clamped", () => {
    expect(pixels(mapToRgba([0, 0.5, 1, 2, -1], 'unit'))).toEqual([
      [0, 0, 0, 255],
      [128, 128, 128, 255],
      [255, 255, 255, 255],
      [255, 255, 255, 255],
      [0, 0, 0, 255],
    ]);
  });

  it("'range' stretches min..max to black..white; a flat map is mid grey", () => {
    expect(pixels(mapToRgba([-40, 0, 40], 'range')).map((p) => p[0])).toEqual([0, 128, 255]);
    expect(pixels(mapToRgba([3, 3], 'range')).map((p) => p[0])).toEqual([128, 128]);
  });

  it("'signed' keeps zero grey and colours the sign, scaled by the largest magnitude", () => {
    const [neg, zero, half, pos] = pixels(mapToRgba([-40, 0, 20, 40], 'signed'));
    expect(zero).toEqual([128, 128, 128, 255]);
    expect(neg).toEqual([37, 99, 235, 255]);
    expect(pos).toEqual([234, 120, 24, 255]);
    expect(half).toEqual([181, 124, 76, 255]);
  });

  it('zoomFor', () => {
    expect(zoomFor(28, 28, 224)).toBe(8);
    expect(zoomFor(26, 26, 224)).toBe(8);
    expect(zoomFor(500, 300, 224)).toBe(1);
  });
});

describe('playground images', () => {
  it('the synthetic images are what they say', () => {
    const e = stepEdge(28);
    expect(e.values.slice(0, 28)).toEqual([...new Array<number>(14).fill(0), ...new Array<number>(14).fill(1)]);
    const sq = brightSquare(28);
    expect(sq.values.filter((v) => v === 1).length).toBe(12 * 12);
  });
  it('a brush dab is bright in its core, fades out and never darkens', () => {
    const g = paint(blank(28), 10.5, 10.5);
    expect(g.values[10 * 28 + 10]).toBe(1);
    expect(g.values[10 * 28 + 11]).toBe(1); // 1 cell away: inside the core (1.05)
    // Diagonal neighbour, 1.41 cells away: on the fading rim.
    expect(g.values[11 * 28 + 11]).toBeGreaterThan(0.3);
    expect(g.values[11 * 28 + 11]).toBeLessThan(0.8);
    expect(g.values[10 * 28 + 12]).toBe(0); // 2 cells away: outside

    const again = paint(g, 20.5, 20.5);
    expect(again.values[10 * 28 + 10]).toBe(1);
    const seven = sampleSeven(28);
    expect(seven.values.filter((v) => v > 0.5).length).toBeGreaterThan(40);
  });
});
