#!/usr/bin/env node
// `npm run dist [-- --linux|--mac|--win] [other electron-builder flags, e.g. --dir]`:
// builds the bundles (electron-vite) and the installers (electron-builder, electron-builder.yml).
// electron-builder starts every target from Electron's release zip for that platform and arch. This
// script first makes sure each zip can be had (this machine's node_modules/electron/dist, the
// electron-builder/@electron/get cache, or a download through electron-builder's own downloader,
// which then caches it) and, where it cannot, stops before building and says what is needed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The (platform, arch) pairs electron-builder.yml builds for each OS flag. */
const TARGET_ARCHS = { linux: [process.platform === 'linux' ? process.arch : 'x64'], darwin: ['x64', 'arm64'], win32: ['x64'] };
const FLAGS = { '--linux': 'linux', '-l': 'linux', '--mac': 'darwin', '-m': 'darwin', '--win': 'win32', '-w': 'win32' };

function platformsFrom(args) {
  const chosen = [...new Set(args.filter((a) => a in FLAGS).map((a) => FLAGS[a]))];
  // electron-builder without a platform flag builds for the machine it runs on.
  return chosen.length > 0 ? chosen : [process.platform];
}

/** node_modules/electron/dist when it holds the binary for this platform/arch, else null. */
function localElectronDist(platform, arch) {
  if (platform !== process.platform || arch !== process.arch) return null;
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  return fs.existsSync(path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim())) ? path.join(dir, 'dist') : null;
}

/** Fetches (or finds cached) Electron's zip as electron-builder will; returns null or why not. */
async function ensureElectronZip(platform, arch, version) {
  const { downloadElectronArtifactZip } = await import('app-builder-lib/out/util/electronGet.js');
  try {
    await downloadElectronArtifactZip({ artifactName: 'electron', platformName: platform, arch, version });
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status ?? 1;
}

const args = process.argv.slice(2);
const version = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const pairs = platformsFrom(args).flatMap((platform) => TARGET_ARCHS[platform].map((arch) => ({ platform, arch })));
const builderArgs = [...args];

// A single target that matches this machine can reuse the binary the electron package fetched.
const local = pairs.length === 1 ? localElectronDist(pairs[0].platform, pairs[0].arch) : null;
if (local) {
  builderArgs.push(`-c.electronDist=${local}`);
} else {
  const missing = [];
  for (const { platform, arch } of pairs) {
    process.stdout.write(`Electron ${version} for ${platform}-${arch}: looking in the cache / downloading...\n`);
    const why = await ensureElectronZip(platform, arch, version);
    if (why) missing.push({ platform, arch, why });
  }
  if (missing.length > 0) {
    const lines = missing.map((m) => `  electron-v${version}-${m.platform}-${m.arch}.zip: ${m.why}`);
    process.stderr.write(
      [
        "npm run dist: cannot build the installers: electron-builder needs Electron's release zip for each target, and these could not be had:",
        ...lines,
        "It downloads them from Electron's release host (or ELECTRON_MIRROR) into its cache. To build here, do one of:",
        '  - run on a machine that reaches that host (a CI runner: ubuntu for AppImage/deb, macos for dmg, windows for NSIS);',
        "  - set ELECTRON_MIRROR to a reachable mirror, or put the zips in Electron's cache (electron_config_cache, default ~/.cache/electron);",
        "  - for this machine's own platform only: let `npm start` fetch node_modules/electron/dist once, then rerun.",
        "AppImage, deb and NSIS also need electron-builder's tool bundles (appimage, fpm, nsis), fetched the same way on first use.",
      ].join('\n') + '\n',
    );
    process.exit(2);
  }
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
let status = run(bin('electron-vite'), ['build']);
if (status === 0) status = run(bin('electron-builder'), ['--publish', 'never', ...builderArgs]);
if (status === 0) process.stdout.write(`Installers are in ${path.join(root, 'release')}\n`);
process.exit(status);
