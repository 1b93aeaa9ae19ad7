#!/usr/bin/env node
// `npm run icons`: renders resources/icon.svg (the one drawing of the app icon) into what each
// platform needs. The outputs are committed, so installers and the window never need this script
// run first; run it again after editing the SVG.
//   resources/icons/NxN.png  Linux (electron-builder reads the size from the name) and the window
//   resources/icon.ico       Windows: exe, NSIS installer
//   resources/icon.icns      macOS: app bundle, dmg
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { IconIcns, IconIco } from '@shockpkg/icon-encoder';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resources = path.join(root, 'resources');

export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
// Windows shell picks among these (list views, taskbar, alt-tab, Explorer's large icons).
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// icns entry types by pixel size: ic04/ic05 are the small ARGB ones, the rest PNG; the @2x
// (retina) types share the bitmap of the doubled size.
export const ICNS_TYPES = {
  16: ['ic04'],
  32: ['ic05', 'ic11'],
  64: ['ic12'],
  128: ['ic07'],
  256: ['ic08', 'ic13'],
  512: ['ic09', 'ic14'],
  1024: ['ic10'],
};

/** The SVG rendered at `size` px: rasterised at twice the size, then downscaled, for clean edges. */
async function render(svg, size) {
  const density = (72 * size * 2) / 1024;
  return sharp(svg, { density }).resize(size, size, { kernel: 'lanczos3' }).png({ compressionLevel: 9 }).toBuffer();
}

export async function generateIcons(outDir = resources, svgPath = path.join(resources, 'icon.svg')) {
  const svg = fs.readFileSync(svgPath);
  const pngs = new Map();
  for (const size of PNG_SIZES) pngs.set(size, await render(svg, size));

  fs.mkdirSync(path.join(outDir, 'icons'), { recursive: true });
  for (const [size, png] of pngs) fs.writeFileSync(path.join(outDir, 'icons', `${size}x${size}.png`), png);

  const ico = new IconIco();
  // PNG entries for 256 (Vista+ expects it), BMP below for old shell code paths: the library's default.
  for (const size of ICO_SIZES) await ico.addFromPng(pngs.get(size));
  fs.writeFileSync(path.join(outDir, 'icon.ico'), ico.encode());

  const icns = new IconIcns();
  icns.toc = true; // a table of contents, as Apple's iconutil writes
  for (const [size, types] of Object.entries(ICNS_TYPES)) await icns.addFromPng(pngs.get(Number(size)), types);
  fs.writeFileSync(path.join(outDir, 'icon.icns'), icns.encode());
  return { pngs: [...pngs.keys()], ico: ICO_SIZES, icns: Object.keys(ICNS_TYPES).map(Number) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // --out DIR writes the set elsewhere (the packaging test compares it with the committed one).
  const out = process.argv.indexOf('--out');
  const made = await generateIcons(out > 0 ? path.resolve(process.argv[out + 1]) : resources);
  process.stdout.write(
    `resources/icons/*.png (${made.pngs.join(', ')} px), resources/icon.ico (${made.ico.join(', ')}), resources/icon.icns (${made.icns.join(', ')})\n`,
  );
}
