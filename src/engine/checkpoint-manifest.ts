/**
 * Checkpoint manifests: `manifest.json` in a checkpoint folder lists every file of the checkpoint
 * with its byte size and sha256. It is written last (temp file, fsync, rename), so a folder whose
 * manifest is there was complete when it was written, and any later damage (a truncated or
 * flipped file, a lost file) shows as a size or checksum mismatch naming the file.
 *
 * Folders written before manifests existed are still accepted, checked the way they always were:
 * each binary file must hold exactly the bytes its JSON's weight list says (`legacy` checks).
 *
 * Node's fs and crypto only (no tfjs), so the host can verify checkpoints too (resume.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const MANIFEST_FILE = 'manifest.json';

export interface ManifestEntry {
  name: string;
  bytes: number;
  sha256: string;
}
interface ManifestJson {
  format: 'mlbl-checkpoint-manifest';
  version: 1;
  files: ManifestEntry[];
  writtenAt: number;
}

/** A damaged checkpoint: `reason` says which file and what is wrong with it, never the file's contents. */
export class CheckpointDamagedError extends Error {
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`checkpoint ${dir} is damaged (${reason})`);
    this.name = 'CheckpointDamagedError';
  }
}

function sha256(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Flushes a file written earlier to the disk (so the manifest never describes data still in the page cache only). */
export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `dir/manifest.json` for `names` (files in `dir`): each is fsynced, hashed, then the manifest goes in by temp + fsync + rename. */
export function writeManifest(dir: string, names: readonly string[]): ManifestEntry[] {
  const files = names.map((name): ManifestEntry => {
    const file = path.join(dir, name);
    fsyncFile(file);
    return { name, bytes: fs.statSync(file).size, sha256: sha256(file) };
  });
  const json: ManifestJson = { format: 'mlbl-checkpoint-manifest', version: 1, files, writtenAt: Date.now() };
  const tmp = path.join(dir, `${MANIFEST_FILE}.tmp-${process.pid}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(json));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, MANIFEST_FILE));
  return files;
}

/** Removes a folder's manifest (before its files are rewritten in place, so a stale manifest never describes new files). */
export function removeManifest(dir: string): void {
  fs.rmSync(path.join(dir, MANIFEST_FILE), { force: true });
}

/**
 * For folders without a manifest: the bytes each binary file must hold, from the folder's JSON
 * (e.g. a weightsManifest's shapes and dtypes), or a reason the JSON itself cannot be read.
 */
export type LegacySizes = (dir: string) => { expect: Record<string, number> } | { damaged: string };

/** The folder's manifest: null when there is none (or it is another tool's), a string when it is damaged. */
function readManifest(dir: string): ManifestJson | string | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : `${MANIFEST_FILE} cannot be read: ${(e as Error).message}`;
  }
  let m: ManifestJson;
  try {
    m = JSON.parse(text) as ManifestJson;
  } catch {
    return `${MANIFEST_FILE} is not valid JSON`;
  }
  // Some other tool's manifest.json (a third-party model folder): not ours, checked by sizes.
  if (m?.format !== 'mlbl-checkpoint-manifest') return null;
  return Array.isArray(m.files) ? m : `${MANIFEST_FILE} has no file list`;
}

/** What is wrong with a checkpoint folder, or null if it is sound. */
export function checkpointDamage(dir: string, legacy: LegacySizes): string | null {
  const m = readManifest(dir);
  if (typeof m === 'string') return m;
  if (m !== null) {
    for (const f of m.files) {
      const file = path.join(dir, f.name);
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch {
        return `${f.name} is missing`;
      }
      if (size !== f.bytes) return `${f.name} has ${size} of ${f.bytes} bytes`;
      if (sha256(file) !== f.sha256) return `${f.name} does not match its sha256 checksum`;
    }
    return null;
  }
  // No manifest: written before manifests existed (or its writer died before the manifest): check sizes.
  const l = legacy(dir);
  if ('damaged' in l) return l.damaged;
  for (const [name, bytes] of Object.entries(l.expect)) {
    let size: number;
    try {
      size = fs.statSync(path.join(dir, name)).size;
    } catch {
      return `${name} is missing`;
    }
    if (size !== bytes) return `${name} has ${size} of ${bytes} bytes`;
  }
  return null;
}

/** Throws CheckpointDamagedError when `checkpointDamage` finds something wrong. */
export function verifyCheckpoint(dir: string, legacy: LegacySizes): void {
  const reason = checkpointDamage(dir, legacy);
  if (reason !== null) throw new CheckpointDamagedError(dir, reason);
}

// ---- Legacy size checks of the three checkpoint layouts ------------------------------------

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, complex64: 8 };

interface WeightsManifestGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype?: string; quantization?: { dtype: string } }[];
}

function readJson(dir: string, name: string): { json: Record<string, unknown> } | { damaged: string } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, name), 'utf8');
  } catch (e) {
    return { damaged: (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${name} is missing` : `${name} cannot be read: ${(e as Error).message}` };
  }
  try {
    return { json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { damaged: `${name} is not valid JSON` };
  }
}

/** Bytes of each file a TF.js-style weightsManifest names (one group's bytes in its first file when it is not sharded). */
function manifestBytes(jsonName: string, groups: unknown, expect: Record<string, number>): string | null {
  // No weight list: not a checkpoint of this kind at all, which its reader says (nothing to size here).
  if (!Array.isArray(groups)) return null;
  for (const g of groups as WeightsManifestGroup[]) {
    let bytes = 0;
    for (const w of g.weights ?? []) {
      const dtype = w.quantization?.dtype ?? w.dtype ?? 'float32';
      const per = DTYPE_BYTES[dtype];
      if (per === undefined || !Array.isArray(w.shape)) {
        // A dtype this check does not know (a third-party model): its loader checks the sizes.
        bytes = Number.NaN;
        break;
      }
      bytes += w.shape.reduce((a, b) => a * b, 1) * per;
    }
    // Sharded groups (several paths) are left to the loader.
    const names = (g.paths ?? []).map((p) => path.normalize(p));
    if (names.length === 1 && Number.isFinite(bytes)) expect[names[0] as string] = bytes;
  }
  return null;
}

/** A ConvNet checkpoint (model.json + weights.bin, optimizer.json + optimizer.bin, state.json). */
export const convnetLegacySizes: LegacySizes = (dir) => {
  const expect: Record<string, number> = {};
  const model = readJson(dir, 'model.json');
  if ('damaged' in model) return model;
  const bad = manifestBytes('model.json', model.json.weightsManifest, expect);
  if (bad) return { damaged: bad };
  if (fs.existsSync(path.join(dir, 'optimizer.json'))) {
    const opt = readJson(dir, 'optimizer.json');
    if ('damaged' in opt) return opt;
    const badOpt = manifestBytes('optimizer.json', opt.json.weightsManifest, expect);
    if (badOpt) return { damaged: badOpt };
  }
  if (fs.existsSync(path.join(dir, 'state.json'))) {
    const st = readJson(dir, 'state.json');
    if ('damaged' in st) return st;
  }
  return { expect };
};

/** Any TF.js-style model.json with its weightsManifest (a language-model checkpoint: + weights.bin). */
export const modelLegacySizes: LegacySizes = (dir) => {
  const expect: Record<string, number> = {};
  const model = readJson(dir, 'model.json');
  if ('damaged' in model) return model;
  const bad = manifestBytes('model.json', model.json.weightsManifest, expect);
  return bad ? { damaged: bad } : { expect };
};

/** A language model's resume point (resume.json listing float32 arrays + arrays.bin). */
export const lmResumeLegacySizes: LegacySizes = (dir) => {
  const r = readJson(dir, 'resume.json');
  if ('damaged' in r) return r;
  const arrays = r.json.arrays;
  if (!Array.isArray(arrays)) return { damaged: 'resume.json has no array list' };
  return { expect: { 'arrays.bin': (arrays as { length: number }[]).reduce((s, a) => s + a.length * 4, 0) } };
};
