/** An IDX file (LeCun's MNIST format): big-endian header, then unsigned bytes. Pure: takes bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Reads only the header: dimensions and where the data starts (for files read in pieces). */
export function parseIdxHeader(buf: Uint8Array, name = 'idx'): { dims: number[]; dataOffset: number; size: number } {
  if (buf.length < 4) throw new Error(`${name}: too short for an IDX header (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint16(0) !== 0) throw new Error(`${name}: not an IDX file (magic bytes ${view.getUint16(0)})`);
  const type = view.getUint8(2);
  if (type !== 0x08) throw new Error(`${name}: IDX element type 0x${type.toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const ndim = view.getUint8(3);
  if (buf.length < 4 + 4 * ndim) throw new Error(`${name}: header says ${ndim} dimensions but the file is ${buf.length} bytes`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i));
  return { dims, dataOffset: 4 + 4 * ndim, size: dims.reduce((a, b) => a * b, 1) };
}

export function parseIdx(buf: Uint8Array, name = 'idx'): IdxArray {
  const { dims, dataOffset: start, size } = parseIdxHeader(buf, name);
  if (buf.length - start < size) throw new Error(`${name}: truncated, dimensions ${dims.join('x')} need ${size} bytes of data, found ${buf.length - start}`);
  return { dims, data: buf.subarray(start, start + size) };
}
