/**
 * Where the desktop app finds its parts, relative to the built main bundle (out/main/index.js, inside
 * app.asar when packaged): the host process, engine and import worker beside it, the preload and
 * the renderer next door. Electron reads asar paths itself (utilityProcess.fork included); native
 * modules are unpacked by the packaging config and Electron redirects their loads.
 */
import path from 'node:path';
import { APP_URL } from './app-protocol';

export interface AppPaths {
  mainDir: string;
  host: string;
  engine: string;
  preload: string;
  renderer: string;
}

export function appPaths(mainDir: string): AppPaths {
  return {
    mainDir,
    host: path.join(mainDir, 'host-process.js'),
    engine: path.join(mainDir, 'engine.js'),
    preload: path.join(mainDir, '..', 'preload', 'index.cjs'),
    renderer: path.join(mainDir, '..', 'renderer'),
  };
}

/** electron-vite's dev server only while developing; a packaged app always loads its own files. */
export function rendererUrl(isPackaged: boolean, env: NodeJS.ProcessEnv): string {
  const dev = env.ELECTRON_RENDERER_URL;
  if (!isPackaged && dev && /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(dev.endsWith('/') ? dev : dev + '/')) return dev;
  return APP_URL;
}
