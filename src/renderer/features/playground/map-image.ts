/**
 * Maps of numbers to canvas pixels, for activation maps, filters and the playground's input and
 * output. Pure (no DOM): returns the RGBA bytes an ImageData takes.
 *
 * - 'unit': values already in [0, 1] (normalised maps, images): black to white.
 * - 'range': min to max of the map stretched to black to white (a constant map is mid grey).
 * - 'signed': zero is mid grey, negatives go to blue and positives to orange, scaled by the
 *   largest magnitude, so the sign of an edge response stays visible in light and dark themes.
 */
export type MapColouring = 'unit' | 'range' | 'signed';

const NEG: [number, number, number] = [37, 99, 235];
const POS: [number, number, number] = [234, 120, 24];
const MID = 128;

export function mapToRgba(values: ArrayLike<number>, colouring: MapColouring): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const o = i * 4;
    if (colouring === 'signed') {
      const t = mag > 0 ? Math.min(1, Math.abs(v) / mag) : 0;
      const target = v < 0 ? NEG : POS;
      out[o] = MID + (target[0] - MID) * t;
      out[o + 1] = MID + (target[1] - MID) * t;
      out[o + 2] = MID + (target[2] - MID) * t;
    } else {
      const g = colouring === 'unit' ? v : span > 0 ? (v - lo) / span : 0.5;
      const byte = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(g) ? g : 0)));
      out[o] = byte;
      out[o + 1] = byte;
      out[o + 2] = byte;
    }
    out[o + 3] = 255;
  }
  return out;
}

/** Integer zoom that makes the longer side about `target` CSS pixels (at least 1). */
export function zoomFor(height: number, width: number, target: number): number {
  return Math.max(1, Math.floor(target / Math.max(1, height, width)));
}
