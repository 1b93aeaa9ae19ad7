import fs from 'node:fs';
import { parseIdx, type IdxArray } from '../../shared/idx';

export { parseIdx, parseIdxHeader, type IdxArray } from '../../shared/idx';

export function readIdx(file: string): IdxArray {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read IDX file ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseIdx(buf, file);
}
