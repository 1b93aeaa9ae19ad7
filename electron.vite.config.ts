import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

// The app build: main (windows and IPC), the host process (SQLite, runs, imports: a utilityProcess),
// the engine and the dataset import worker, all in out/main; the sandboxed preload (CommonJS, as
// sandboxed preloads must be, needing nothing but `electron`) and the renderer. Shared chunks sit
// beside the entries (no chunks/ folder) so `new URL('./engine.js', import.meta.url)` finds the
// engine and the import worker from any chunk.
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          'host-process': resolve('src/main/host-process.ts'),
          engine: resolve('src/engine/main.ts'),
          'dataset-import-worker': resolve('src/main/datasets/import-worker.ts'),
          'offloop-worker': resolve('src/main/exports/offloop-worker.ts'),
        },
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: { rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react()],
    // `npm start` (electron-vite dev): no hot module reload. React Fast Refresh injects an inline
    // script the page's CSP (script-src 'self', index.html and security.ts) rightly refuses, and
    // HMR's WebSocket is not in connect-src; the View menu's Reload picks up changes instead.
    server: { hmr: false },
    build: { rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
});
