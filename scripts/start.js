#!/usr/bin/env node
// `npm start`: opens the Electron app. Electron 42+ fetches its binary on first run; where that
// fetch is impossible (no network to its download host), say so and start serve mode instead.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `MLBL Workbench needs Node 22.12 or newer (this is Node ${process.versions.node}): Electron's tools and ` +
      "better-sqlite3 13 require it. Install Node 22 LTS (or put the registry's node@22 first on PATH, as .ci/run does) and run `npm start` again.\n",
  );
  process.exit(1);
}
const electronDir = path.join(root, 'node_modules', 'electron');

function electronBinary() {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const bin = path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(bin) ? bin : null;
}

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
}

let bin = electronBinary();
let why = '';
if (!bin && fs.existsSync(path.join(electronDir, 'install.js'))) {
  process.stdout.write('Fetching the Electron binary (first run)...\n');
  const r = run(process.execPath, [path.join(electronDir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 });
  bin = electronBinary();
  why =
    (r.stderr?.toString() ?? '')
      .split('\n')
      .find((l) => /Error|ENOTFOUND|EAI_AGAIN|ECONN|fetch failed/.test(l))
      ?.trim() ?? `exit code ${r.status}`;
}

// Electron needs a display: on a Linux machine without one (a server, a container), serve instead.
if (bin && process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  why = 'this Linux session has no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  bin = null;
}

if (bin && !process.argv.includes('--serve')) {
  const r = run(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'dev']);
  process.exit(r.status ?? 1);
}

if (!fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
  // vite directly, not `npm run build`: no npm warnings in the way of the message below.
  const b = run(process.execPath, [
    path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--config',
    'vite.renderer.config.ts',
    '--logLevel',
    'warn',
  ]);
  if (b.status !== 0) process.exit(b.status ?? 1);
}
if (!bin) {
  process.stdout.write(
    '\nThe Electron desktop window cannot open on this machine: ' +
      (why.startsWith('this Linux session')
        ? `${why}. `
        : `Electron downloads its binary on first run, and that download failed (${why || 'no binary in node_modules/electron'}). `) +
      'Starting the same workbench in serve mode instead: it runs training, stores runs in the same SQLite ' +
      'database and serves the same UI to your browser on 127.0.0.1 only, behind a one-time token. ' +
      'Open the URL printed below; stop it with Ctrl-C. On a machine that can reach the Electron download, ' +
      '`npm start` opens the desktop app.\n\n',
  );
}
const child = spawn(process.execPath, [path.join(root, 'bin', 'mlbl.js'), 'serve', ...process.argv.slice(2).filter((a) => a !== '--serve')], {
  cwd: root,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
