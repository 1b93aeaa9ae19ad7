/**
 * Training-time augmentation on a batch of images in HWC order (values in [0,1], before any
 * normalisation), drawn from the trainer's seeded stream so a run repeats exactly: a random
 * crop (a window of 1 - crop*u of each side, resampled back to full size), a random shift of up
 * to `shift` pixels along each axis (the uncovered border is zero, MNIST's background), a
 * horizontal flip with probability 1/2 (for non-digit data; a mirrored digit is another symbol),
 * and random brightness (+-brightness added) and contrast (x 1 +- contrast about the image's
 * mean), clipped to [0,1]. Draws happen only for the augmentations that are on, so the shift and
 * flip streams of runs from before crop/brightness/contrast existed are unchanged.
 */
import type { Rng } from '../../shared/random';

export interface AugmentOptions {
  shift: number;
  flip: boolean;
  /** Largest fraction cut from each side by the random crop (0 = off, at most 0.5). */
  crop?: number;
  /** Largest brightness offset, in [0,1] pixel units (0 = off). */
  brightness?: number;
  /** Largest relative contrast change (0 = off). */
  contrast?: number;
}

const isOn = (o: AugmentOptions): boolean => o.shift > 0 || o.flip || (o.crop ?? 0) > 0 || (o.brightness ?? 0) > 0 || (o.contrast ?? 0) > 0;

/** Bilinear resample of the window (y0, x0, sh, sw) of `src` (h x w x c) to the full h x w, into x at offset. */
function resampleWindow(
  src: Float32Array,
  h: number,
  w: number,
  c: number,
  y0: number,
  x0: number,
  sh: number,
  sw: number,
  x: Float32Array,
  offset: number,
): void {
  for (let y = 0; y < h; y++) {
    const fy = y0 + ((y + 0.5) * sh) / h - 0.5;
    const ya = Math.max(0, Math.min(h - 1, Math.floor(fy)));
    const yb = Math.min(h - 1, ya + 1);
    const ty = Math.max(0, Math.min(1, fy - ya));
    for (let xx = 0; xx < w; xx++) {
      const fx = x0 + ((xx + 0.5) * sw) / w - 0.5;
      const xa = Math.max(0, Math.min(w - 1, Math.floor(fx)));
      const xb = Math.min(w - 1, xa + 1);
      const tx = Math.max(0, Math.min(1, fx - xa));
      const dst = offset + (y * w + xx) * c;
      for (let k = 0; k < c; k++) {
        const a = (src[(ya * w + xa) * c + k] as number) * (1 - tx) + (src[(ya * w + xb) * c + k] as number) * tx;
        const b = (src[(yb * w + xa) * c + k] as number) * (1 - tx) + (src[(yb * w + xb) * c + k] as number) * tx;
        x[dst + k] = a * (1 - ty) + b * ty;
      }
    }
  }
}

/** Augments image `i` of a batch in place; `scratch` must hold at least h*w*c values. */
export function augmentImage(x: Float32Array, offset: number, h: number, w: number, c: number, o: AugmentOptions, rand: Rng, scratch: Float32Array): void {
  const n0 = h * w * c;
  const crop = o.crop ?? 0;
  if (crop > 0) {
    const s = 1 - crop * rand.next();
    const sh = Math.max(1, Math.round(h * s));
    const sw = Math.max(1, Math.round(w * s));
    const y0 = rand.int(0, h - sh);
    const x0 = rand.int(0, w - sw);
    if (sh !== h || sw !== w) {
      scratch.set(x.subarray(offset, offset + n0));
      resampleWindow(scratch, h, w, c, y0, x0, sh, sw, x, offset);
    }
  }
  shiftAndFlip(x, offset, h, w, c, o, rand, scratch);
  const b = o.brightness ?? 0;
  const ct = o.contrast ?? 0;
  if (b > 0 || ct > 0) {
    const add = b > 0 ? rand.uniform(-b, b) : 0;
    const mul = ct > 0 ? rand.uniform(1 - ct, 1 + ct) : 1;
    let mean = 0;
    if (mul !== 1) {
      for (let k = 0; k < n0; k++) mean += x[offset + k] as number;
      mean /= n0;
    }
    for (let k = 0; k < n0; k++) {
      const v = ((x[offset + k] as number) - mean) * mul + mean + add;
      x[offset + k] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
}

function shiftAndFlip(x: Float32Array, offset: number, h: number, w: number, c: number, o: AugmentOptions, rand: Rng, scratch: Float32Array): void {
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
  if (!isOn(o)) return;
  const scratch = new Float32Array(h * w * c);
  for (let i = 0; i < n; i++) augmentImage(x, i * h * w * c, h, w, c, o, rand, scratch);
}
