/**
 * Feature matrices on disk: `<name>.json` (header) + `<name>.f32` (row-major float32,
 * little-endian, one row of `dim` values per image, rows in the header's `images` order).
 * Rows are appended as they are computed and the header is rewritten atomically after each
 * batch, so an interrupted extraction resumes where it stopped: rows past the header's count
 * (written before a crash, never recorded) are cut off.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface FeatureHeader {
  format: 'mlbl-features';
  version: 1;
  /** The feature extractor: model path and the layer whose activations are stored. */
  model: string;
  layer: string;
  /** How a 4-D layer output was reduced to a vector ('none' when the layer is already flat). */
  pool: 'none' | 'avg';
  dim: number;
  /** Input preprocessing, for a reader that wants to extract new images the same way. */
  input: { width: number; height: number; scale: number; offset: number; resize: 'bilinear-align-corners' };
  /** Image identifiers (file names relative to `imagesDir`), one per row. */
  images: string[];
  imagesDir: string;
  /** The data file, relative to the header's folder. */
  data: string;
  complete: boolean;
  /** Images that could not be decoded: name -> reason (no row). */
  failed: Record<string, string>;
  updatedAt: number;
}

export function dataPathOf(headerPath: string, h: Pick<FeatureHeader, 'data'>): string {
  return path.join(path.dirname(headerPath), h.data);
}

export function readHeader(headerPath: string): FeatureHeader {
  const h = JSON.parse(fs.readFileSync(headerPath, 'utf8')) as FeatureHeader;
  if (h.format !== 'mlbl-features' || h.version !== 1) throw new Error(`${headerPath}: not an mlbl-features v1 header`);
  return h;
}

export function writeHeaderAtomic(headerPath: string, h: FeatureHeader): void {
  const tmp = `${headerPath}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(h));
  fs.renameSync(tmp, headerPath);
}

export interface FeatureMatrix {
  header: FeatureHeader;
  /** [count, dim] row-major. */
  data: Float32Array;
  /** Image name -> row. */
  rowOf: Map<string, number>;
}

/** Reads a feature matrix (only the rows the header records). */
export function readFeatures(headerPath: string): FeatureMatrix {
  const header = readHeader(headerPath);
  const count = header.images.length;
  const bytes = count * header.dim * 4;
  const fd = fs.openSync(dataPathOf(headerPath, header), 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const got = bytes ? fs.readSync(fd, buf, 0, bytes, 0) : 0;
    if (got !== bytes) throw new Error(`${headerPath}: data file holds ${got} bytes, header records ${bytes}`);
    const data = new Float32Array(count * header.dim);
    for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(i * 4);
    return { header, data, rowOf: new Map(header.images.map((im, i) => [im, i])) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Appends rows to a feature file and keeps its header in step. */
export class FeatureWriter {
  readonly header: FeatureHeader;
  private readonly dataPath: string;
  private readonly done: Set<string>;

  /** Opens an existing file (cutting off unrecorded rows) or starts a new one from `fresh`. */
  constructor(
    readonly headerPath: string,
    fresh: FeatureHeader,
  ) {
    fs.mkdirSync(path.dirname(headerPath), { recursive: true });
    let h: FeatureHeader | null = null;
    if (fs.existsSync(headerPath)) {
      const old = readHeader(headerPath);
      if (old.model === fresh.model && old.layer === fresh.layer && old.dim === fresh.dim && old.pool === fresh.pool) h = old;
      else
        throw new Error(
          `${headerPath} holds features of ${old.model} layer ${old.layer} (${old.dim}-d), not ${fresh.model} layer ${fresh.layer}: choose another output path`,
        );
    }
    this.header = h ?? fresh;
    this.dataPath = dataPathOf(headerPath, this.header);
    const expected = this.header.images.length * this.header.dim * 4;
    if (!fs.existsSync(this.dataPath)) {
      if (expected > 0) throw new Error(`${this.dataPath} is missing but ${headerPath} records ${this.header.images.length} rows`);
      fs.writeFileSync(this.dataPath, Buffer.alloc(0));
    } else {
      const size = fs.statSync(this.dataPath).size;
      if (size < expected) throw new Error(`${this.dataPath} holds ${size} bytes, header records ${expected}`);
      if (size > expected) fs.truncateSync(this.dataPath, expected);
    }
    if (!h) writeHeaderAtomic(headerPath, this.header);
    this.done = new Set(this.header.images);
  }

  has(image: string): boolean {
    return this.done.has(image);
  }

  /** Appends rows (`rows.length === names.length * dim`) and records them. */
  append(names: string[], rows: Float32Array): void {
    const dim = this.header.dim;
    if (rows.length !== names.length * dim) throw new Error(`feature rows: ${rows.length} values for ${names.length} images of ${dim}`);
    const buf = Buffer.alloc(rows.length * 4);
    for (let i = 0; i < rows.length; i++) buf.writeFloatLE(rows[i] as number, i * 4);
    fs.appendFileSync(this.dataPath, buf);
    this.header.images.push(...names);
    for (const n of names) this.done.add(n);
    this.header.updatedAt = Date.now();
    writeHeaderAtomic(this.headerPath, this.header);
  }

  fail(image: string, reason: string): void {
    this.header.failed[image] = reason;
    writeHeaderAtomic(this.headerPath, this.header);
  }

  finish(complete: boolean): void {
    this.header.complete = complete;
    this.header.updatedAt = Date.now();
    writeHeaderAtomic(this.headerPath, this.header);
  }
}
