import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { SystemInfo } from '../shared/api';

// Not named `require`: electron-vite's ESM shim declares a module-level `require` in the bundle.
const requireHere = createRequire(import.meta.url);

function pkgVersion(name: string): string | null {
  try {
    return (JSON.parse(fs.readFileSync(requireHere.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** Which compute backends an engine could load here, without loading tfjs into the host. */
export function availableBackends(): SystemInfo['backends'] {
  const node = pkgVersion('@tensorflow/tfjs-node');
  const wasm = pkgVersion('@tensorflow/tfjs-backend-wasm');
  return [
    node
      ? { name: 'tensorflow', available: true }
      : {
          name: 'tensorflow',
          available: false,
          reason: '@tensorflow/tfjs-node is not installed (its install downloads libtensorflow, which failed or was impossible here)',
        },
    wasm ? { name: 'wasm', available: true } : { name: 'wasm', available: false, reason: '@tensorflow/tfjs-backend-wasm is not installed' },
    { name: 'cpu', available: true },
  ];
}

export function systemInfo(o: { dataDir: string; transport: SystemInfo['transport']; concurrency: number }): SystemInfo {
  const versions: Record<string, string> = { node: process.versions.node };
  for (const [k, pkg] of [
    ['app', '../../package.json'],
    ['tfjs', '@tensorflow/tfjs'],
    ['better-sqlite3', 'better-sqlite3'],
  ] as const) {
    const v = k === 'app' ? appVersion() : pkgVersion(pkg);
    if (v) versions[k] = v;
  }
  if (process.versions.electron) versions.electron = process.versions.electron;
  const env = process.env.MLBL_BACKEND;
  const backends = availableBackends();
  const defaultBackend = env && backends.some((b) => b.name === env && b.available) ? env : (backends.find((b) => b.available)?.name ?? 'cpu');
  return { versions, dataDir: o.dataDir, transport: o.transport, backends, defaultBackend, concurrency: o.concurrency };
}

function appVersion(): string | null {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const p = JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'mlbl-workbench' && p.version) return p.version;
    } catch {
      /* try the next layout */
    }
  }
  return null;
}
