/**
 * The workbench's one seeded PRNG: mulberry32, with its state (one uint32) in the open so a
 * checkpoint can save it and a resumed run draws exactly what an uninterrupted run would have.
 * Every seeded draw goes through it: weight initialisation, shuffles, augmentation, dropout
 * masks, caption sampling, data splits and the tests' generated data. Pure: no Node, no DOM.
 */
export class Rng {
  private s: number;
  /** The second draw of the last Box-Muller pair (normal()); cleared when the state is set. */
  private spare: number | null = null;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The stream's position, saved in checkpoints; setting it resumes the stream there. */
  get state(): number {
    return this.s;
  }

  set state(v: number) {
    this.s = v >>> 0;
    this.spare = null;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** A standard normal draw (Box-Muller; the pair's second value serves the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u <= 1e-300) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A seeded Fisher-Yates permutation of `items` (a copy). */
  shuffle(items: Int32Array): Int32Array {
    const idx = Int32Array.from(items);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = idx[i] as number;
      idx[i] = idx[j] as number;
      idx[j] = t;
    }
    return idx;
  }

  /** A seeded permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    return this.shuffle(idx);
  }
}

/** The stream of `new Rng(seed)` as a function, for code that takes a uniform [0, 1) source. */
export function seededRandom(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** Independent stream seeds derived from a run seed (the ConvNet shuffle stream keeps the seed itself). */
export function streamSeed(seed: number, stream: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(stream, 0x85ebca6b)) >>> 0;
}
