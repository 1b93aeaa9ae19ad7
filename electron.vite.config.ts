import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

// The app build: main (with the engine entry beside it, run as a utilityProcess), the sandboxed
// preload (CommonJS, as sandboxed preloads must be) and the renderer.
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { rollupOptions: { input: { index: resolve('src/main/index.ts'), engine: resolve('src/engine/main.ts'), 'dataset-import-worker': resolve('src/main/datasets/import-worker.ts'), 'offloop-worker': resolve('src/main/runs/offloop-worker.ts') } } },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: { rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react()],
    build: { rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
});
