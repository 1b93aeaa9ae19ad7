import { describe, expect, it } from 'vitest';
import { Rng } from '../../shared/random';
import { augmentBatch, augmentImage } from './augment';

/** A 4x5 single-channel image with values 1..20, row-major. */
function img(): Float32Array {
  return Float32Array.from({ length: 20 }, (_, i) => i + 1);
}
/** An Rng whose int() answers are scripted (for shifts) and whose next() answers are scripted too (for flips). */
function scripted(ints: number[], nexts: number[] = []): Rng {
  const r = new Rng(0);
  r.int = () => ints.shift() as number;
  r.next = () => nexts.shift() as number;
  return r;
}

describe('augmentation', () => {
  it('shifts down-right by (dy, dx) with a zero border', () => {
    const x = img();
    augmentImage(x, 0, 4, 5, 1, { shift: 2, flip: false }, scripted([1, 2]), new Float32Array(20));
    expect(Array.from(x)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 6, 7, 8, 0, 0, 11, 12, 13]);
  });
  it('shifts up-left', () => {
    const x = img();
    augmentImage(x, 0, 4, 5, 1, { shift: 1, flip: false }, scripted([-1, -1]), new Float32Array(20));
    expect(Array.from(x)).toEqual([7, 8, 9, 10, 0, 12, 13, 14, 15, 0, 17, 18, 19, 20, 0, 0, 0, 0, 0, 0]);
  });
  it('mirrors left-right when the flip draw is below 1/2, keeping channels together', () => {
    const x = Float32Array.from([1, 10, 2, 20, 3, 30]); // 1x3 image, 2 channels
    augmentImage(x, 0, 1, 3, 2, { shift: 0, flip: true }, scripted([], [0.2]), new Float32Array(6));
    expect(Array.from(x)).toEqual([3, 30, 2, 20, 1, 10]);
    const y = Float32Array.from([1, 10, 2, 20, 3, 30]);
    augmentImage(y, 0, 1, 3, 2, { shift: 0, flip: true }, scripted([], [0.7]), new Float32Array(6));
    expect(Array.from(y)).toEqual([1, 10, 2, 20, 3, 30]);
  });
  it('is reproducible from the seed, keeps pixel mass for small shifts on a centred blob, and does nothing when off', () => {
    const batch = (): Float32Array => {
      const x = new Float32Array(3 * 8 * 8);
      for (let i = 0; i < 3; i++) for (let y = 3; y < 5; y++) for (let xx = 3; xx < 5; xx++) x[i * 64 + y * 8 + xx] = 1;
      return x;
    };
    const a = batch();
    const b = batch();
    augmentBatch(a, 3, 8, 8, 1, { shift: 2, flip: true }, new Rng(9));
    augmentBatch(b, 3, 8, 8, 1, { shift: 2, flip: true }, new Rng(9));
    expect(a).toEqual(b);
    expect(a).not.toEqual(batch());
    for (let i = 0; i < 3; i++) expect(a.subarray(i * 64, (i + 1) * 64).reduce((s, v) => s + v, 0)).toBe(4);
    const c = batch();
    augmentBatch(c, 3, 8, 8, 1, { shift: 0, flip: false }, new Rng(9));
    expect(c).toEqual(batch());
  });
});
