/**
 * Builds the Electron bundles (out/main, out/preload, out/renderer) once for the tests that load
 * them, when any source is newer than the bundles. `npm test` builds them first (scripts/test.js),
 * so this only builds when a test file runs on its own after an edit. A lock folder keeps two test
 * files from building at once.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const OUT = path.join(ROOT, 'out');
const OUTPUTS = ['main/index.js', 'main/host-process.js', 'main/engine.js', 'preload/index.cjs', 'renderer/index.html'].map((f) => path.join(OUT, f));

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (!e.name.includes('.test.')) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

function stale(): boolean {
  if (!OUTPUTS.every((f) => fs.existsSync(f))) return true;
  const built = Math.min(...OUTPUTS.map((f) => fs.statSync(f).mtimeMs));
  return Math.max(newest(path.join(ROOT, 'src')), fs.statSync(path.join(ROOT, 'electron.vite.config.ts')).mtimeMs) > built;
}

export async function ensureElectronBuild(): Promise<void> {
  if (!stale()) return;
  const lock = path.join(ROOT, '.tmp', 'electron-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (i > 600) throw new Error(`${lock} held for 5 minutes: remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!stale()) return;
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stderr || r.stdout}`);
  } finally {
    fs.rmdirSync(lock);
  }
}
