/**
 * Training-time augmentation on a batch of images in HWC order (values already scaled), drawn
 * from the trainer's seeded stream so a run repeats exactly: a random shift of up to `shift`
 * pixels along each axis (the uncovered border is zero, MNIST's background), and a horizontal
 * flip with probability 1/2 (for non-digit data; a mirrored digit is another symbol).
 */
import type { Rng } from '../../shared/random';

export interface AugmentOptions {
  shift: number;
  flip: boolean;
}

/** Augments image `i` of a batch in place; `scratch` must hold at least h*w*c values. */
export function augmentImage(x: Float32Array, offset: number, h: number, w: number, c: number, o: AugmentOptions, rand: Rng, scratch: Float32Array): void {
  const dy = o.shift > 0 ? rand.int(-o.shift, o.shift) : 0;
  const dx = o.shift > 0 ? rand.int(-o.shift, o.shift) : 0;
  const flip = o.flip ? rand.next() < 0.5 : false;
  if (dy === 0 && dx === 0 && !flip) return;
  const n = h * w * c;
  scratch.set(x.subarray(offset, offset + n));
  for (let y = 0; y < h; y++) {
    const sy = y - dy;
    for (let xx = 0; xx < w; xx++) {
      // Output pixel (y, xx) takes source (sy, sx): the image moves by (dy, dx), then mirrors.
      const ox = flip ? w - 1 - xx : xx;
      const sx = ox - dx;
      const dst = offset + (y * w + xx) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (let k = 0; k < c; k++) x[dst + k] = 0;
      } else {
        const src = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) x[dst + k] = scratch[src + k] as number;
      }
    }
  }
}

/** Augments every image of a [n, h, w, c] batch in place. */
export function augmentBatch(x: Float32Array, n: number, h: number, w: number, c: number, o: AugmentOptions, rand: Rng): void {
  if (o.shift <= 0 && !o.flip) return;
  const scratch = new Float32Array(h * w * c);
  for (let i = 0; i < n; i++) augmentImage(x, i * h * w * c, h, w, c, o, rand, scratch);
}
