/** Small synthetic images for the convolution playground (values in [0, 1], row-major). */
import type { Grid } from '../../../shared/convolve';
import type { Volume } from '../../../shared/convolve-volume';

/** Dark left half, bright right half: one vertical edge. */
export function stepEdge(size = 28): Grid {
  const values = new Array<number>(size * size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) values[r * size + c] = c >= size / 2 ? 1 : 0;
  return { height: size, width: size, values };
}

/** A bright square on a dark ground: edges on all four sides. */
export function brightSquare(size = 28): Grid {
  const lo = Math.round(size * 0.3);
  const hi = size - lo;
  const values = new Array<number>(size * size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) values[r * size + c] = r >= lo && r < hi && c >= lo && c < hi ? 1 : 0;
  return { height: size, width: size, values };
}

export function blank(size = 28): Grid {
  return { height: size, width: size, values: new Array<number>(size * size).fill(0) };
}

/**
 * Paints a soft round brush at (x, y) in cell units (MNIST-like strokes: about 2.5 cells wide,
 * fading at the rim). Returns a new grid; values only grow.
 */
export function paint(g: Grid, x: number, y: number, radius = 1.4): Grid {
  const values = g.values.slice();
  const r0 = Math.max(0, Math.floor(y - radius - 1));
  const r1 = Math.min(g.height - 1, Math.ceil(y + radius + 1));
  const c0 = Math.max(0, Math.floor(x - radius - 1));
  const c1 = Math.min(g.width - 1, Math.ceil(x + radius + 1));
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const d = Math.hypot(c + 0.5 - x, r + 0.5 - y);
      const core = radius * 0.75;
      const v = d <= core ? 1 : Math.max(0, 1 - (d - core) / (radius + 0.5 - core));
      const i = r * g.width + c;
      if (v > (values[i] as number)) values[i] = v;
    }
  }
  return { ...g, values };
}

/** A stroke from (x0, y0) to (x1, y1), painted every half cell. */
export function stroke(g: Grid, x0: number, y0: number, x1: number, y1: number): Grid {
  const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
  let out = g;
  for (let i = 0; i <= n; i++) out = paint(out, x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n);
  return out;
}

/** A hand-drawn-looking 7 on a 28x28 grid, for keyboard users and tests. */
export function sampleSeven(size = 28): Grid {
  const k = size / 28;
  let g = blank(size);
  g = stroke(g, 7 * k, 7 * k, 20 * k, 7 * k);
  g = stroke(g, 20 * k, 7 * k, 12 * k, 22 * k);
  return g;
}

/**
 * An RGB scene for the volume playground: a red square on the left, a blue disc on the right and
 * a green bar along the bottom, on grey. Each colour's edges show in its own channel only.
 */
export function colourScene(size = 32): Volume {
  const values = new Array<number>(size * size * 3).fill(0);
  const set = (r: number, c: number, rgb: [number, number, number]) => values.splice((r * size + c) * 3, 3, ...rgb);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let rgb: [number, number, number] = [0.3, 0.3, 0.3];
      const dx = c - size * 0.72;
      const dy = r - size * 0.38;
      if (r >= size * 0.8) rgb = [0.1, 0.85, 0.2];
      else if (r >= size * 0.2 && r < size * 0.55 && c >= size * 0.1 && c < size * 0.42) rgb = [0.95, 0.1, 0.1];
      else if (dx * dx + dy * dy <= (size * 0.18) ** 2) rgb = [0.1, 0.2, 0.95];
      set(r, c, rgb);
    }
  }
  return { height: size, width: size, channels: 3, values };
}
