import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DetectedSource } from '../../shared/dataset-schema';
import { walkFiles } from './images';
import { readChunks } from '../safe-files';
import { MAX_IDX_IMAGES_BYTES, idxPairs } from './sources';

async function hashFile(h: Hash, file: string): Promise<void> {
  for await (const chunk of readChunks(file, { maxBytes: MAX_IDX_IMAGES_BYTES, label: path.basename(file), chunk: 1 << 20 })) h.update(chunk);
}

/**
 * Identifies a source by content, not by path: the annotation file's bytes (or the idx files'),
 * or for class folders the sorted list of relative file paths with their sizes. The same source
 * imported twice, or a copy of it elsewhere, has the same fingerprint.
 */
export async function fingerprintSource(d: DetectedSource): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, format: d.format, kind: d.kind, columns: d.columns }));
  if (d.format === 'folders') {
    for await (const rel of walkFiles(d.file)) {
      let size = -1;
      try {
        size = (await fs.promises.stat(path.join(d.file, rel))).size;
      } catch {
        /* counted as missing */
      }
      h.update(`${rel}\0${size}\n`);
    }
  } else if (d.format === 'mnist') {
    for (const p of await idxPairs(d.file)) {
      h.update(`${p.prefix}\n`);
      await hashFile(h, path.join(d.file, p.images));
      if (p.labels) await hashFile(h, path.join(d.file, p.labels));
    }
  } else {
    await hashFile(h, d.file);
  }
  return h.digest('hex');
}
