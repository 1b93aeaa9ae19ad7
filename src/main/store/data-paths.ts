/**
 * Paths of files inside the data directory are stored relative to it (artefact rows, feature
 * sets, run folders' inputs.json), so a data directory can be moved, copied or restored from a
 * backup and everything in it still opens. Paths outside it (a dataset's source folder, a model
 * the user named) stay absolute. Stored relative paths use '/' whatever the platform.
 */
import fs from 'node:fs';
import path from 'node:path';

/** True when `p` lies inside `dir` (not `dir` itself). */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(p));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** What to store for `p`: relative to `dataDir` when inside it, else absolute as it is. */
export function toStored(dataDir: string, p: string): string {
  return isInside(dataDir, p) ? path.relative(path.resolve(dataDir), path.resolve(p)).split(path.sep).join('/') : p;
}

/** The file a stored path names now: relative paths are under the data directory where it is today. */
export function fromStored(dataDir: string, stored: string): string {
  return path.isAbsolute(stored) ? stored : path.join(path.resolve(dataDir), ...stored.split('/'));
}

/**
 * A path stored absolute by an older version, made relative: under `dataDir` as it is, or, when the
 * data directory has been moved since, by the part from `marker` on (e.g. `runs/<run id>/`, a
 * marker only the data directory's own files hold). Anything else (outside the data directory)
 * is returned unchanged.
 */
export function relativeToDataDir(dataDir: string, stored: string, marker: string | null): string {
  if (!path.isAbsolute(stored)) return stored;
  if (isInside(dataDir, stored)) return toStored(dataDir, stored);
  if (marker === null) return stored;
  const posix = stored.split(path.sep).join('/');
  const at = posix.lastIndexOf(`/${marker}`);
  return at >= 0 ? posix.slice(at + 1) : stored;
}

/**
 * A file of some run's folder named by an absolute path written into a file (e.g. a language-model
 * checkpoint's extractor, a ConvNet run's model.json): if it is gone because the data directory
 * moved, the same file under the data directory where it is now; else the path unchanged.
 */
export function relocatedRunFile(dataDir: string, p: string): string {
  if (!path.isAbsolute(p) || fs.existsSync(p)) return p;
  const m = /[\\/]runs[\\/]([A-Za-z0-9_-]+)[\\/](.+)$/.exec(p);
  if (!m) return p;
  const here = path.join(path.resolve(dataDir), 'runs', m[1] as string, ...(m[2] as string).split(/[\\/]/));
  return fs.existsSync(here) ? here : p;
}

/** A run's folder: `<dataDir>/runs/<id>` (the run manager, checkpoints, LM inputs and exports all find it here). */
export function runFolder(dataDir: string, runId: string): string {
  return path.join(dataDir, 'runs', runId);
}
