/**
 * Readers for the icon containers the installers use (PNG, Windows .ico, macOS .icns): just enough
 * to say which images a file holds and at what pixel size, so a test can check every declared icon
 * without trusting the writer that made it. Errors name the file and byte offset, never the data.
 */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface Size {
  width: number;
  height: number;
}

export function isPng(buf: Buffer): boolean {
  return buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE);
}

/** Pixel size from a PNG's IHDR chunk. */
export function pngSize(buf: Buffer, name: string): Size {
  if (!isPng(buf)) throw new Error(`${name}: not a PNG (no PNG signature at byte 0)`);
  if (buf.length < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${name}: PNG without an IHDR chunk at byte 12`);
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

export interface IcoEntry extends Size {
  /** How the image is stored: a PNG stream or a BMP (DIB) without file header. */
  format: 'png' | 'bmp';
  /** Size read from the stored image itself (PNG IHDR / BITMAPINFOHEADER). */
  image: Size;
}

/** The directory of a .ico file, each entry checked against the image it points to. */
export function icoEntries(buf: Buffer, name: string): IcoEntry[] {
  if (buf.length < 6 || buf.readUInt16LE(0) !== 0 || buf.readUInt16LE(2) !== 1)
    throw new Error(`${name}: not an ICO (header at byte 0 is not reserved=0, type=1)`);
  const count = buf.readUInt16LE(4);
  const entries: IcoEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 6 + i * 16;
    if (at + 16 > buf.length) throw new Error(`${name}: directory entry ${i} at byte ${at} runs past the end of the file`);
    // 0 in the one-byte width/height fields means 256.
    const width = buf[at] || 256;
    const height = buf[at + 1] || 256;
    const bytes = buf.readUInt32LE(at + 8);
    const offset = buf.readUInt32LE(at + 12);
    if (offset + bytes > buf.length) throw new Error(`${name}: image ${i} (${bytes} bytes at byte ${offset}) runs past the end of the file`);
    const data = buf.subarray(offset, offset + bytes);
    if (isPng(data)) {
      entries.push({ width, height, format: 'png', image: pngSize(data, `${name} image ${i}`) });
    } else {
      if (data.length < 40 || data.readUInt32LE(0) < 40) throw new Error(`${name}: image ${i} at byte ${offset} is neither PNG nor BMP`);
      // A BMP's height covers the colour bitmap and the AND mask: twice the icon's height.
      entries.push({ width, height, format: 'bmp', image: { width: data.readInt32LE(4), height: data.readInt32LE(8) / 2 } });
    }
  }
  return entries;
}

/** Pixel size of each icns element type that holds a PNG (or, for ic04/ic05, ARGB) image. */
export const ICNS_TYPE_SIZES: Record<string, number> = {
  ic04: 16,
  ic05: 32,
  icp4: 16,
  icp5: 32,
  icp6: 64,
  ic07: 128,
  ic08: 256,
  ic09: 512,
  ic10: 1024,
  ic11: 32,
  ic12: 64,
  ic13: 256,
  ic14: 512,
};

export interface IcnsEntry {
  type: string;
  /** Pixel size its type stands for (ICNS_TYPE_SIZES), or null for types not listed there. */
  declared: number | null;
  format: 'png' | 'argb' | 'other';
  /** Size read from the PNG itself, for PNG elements. */
  image: Size | null;
}

export interface Icns {
  /** Element types listed in the TOC element, in order; null if the file has no TOC. */
  toc: string[] | null;
  entries: IcnsEntry[];
}

/** The elements of an .icns file and its table of contents. */
export function icnsEntries(buf: Buffer, name: string): Icns {
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== 'icns') throw new Error(`${name}: not an ICNS (no 'icns' magic at byte 0)`);
  if (buf.readUInt32BE(4) !== buf.length) throw new Error(`${name}: header says ${buf.readUInt32BE(4)} bytes, file has ${buf.length}`);
  let toc: string[] | null = null;
  const entries: IcnsEntry[] = [];
  for (let at = 8; at < buf.length;) {
    if (at + 8 > buf.length) throw new Error(`${name}: element header at byte ${at} runs past the end of the file`);
    const type = buf.toString('latin1', at, at + 4);
    const length = buf.readUInt32BE(at + 4);
    if (length < 8 || at + length > buf.length) throw new Error(`${name}: element '${type}' at byte ${at} has a bad length ${length}`);
    const data = buf.subarray(at + 8, at + length);
    if (type === 'TOC ') {
      toc = [];
      for (let t = 0; t + 8 <= data.length; t += 8) toc.push(data.toString('latin1', t, t + 4));
    } else {
      const declared = ICNS_TYPE_SIZES[type] ?? null;
      const format = isPng(data) ? 'png' : data.toString('latin1', 0, 4) === 'ARGB' ? 'argb' : 'other';
      entries.push({ type, declared, format, image: format === 'png' ? pngSize(data, `${name} element '${type}'`) : null });
    }
    at += length;
  }
  return { toc, entries };
}
