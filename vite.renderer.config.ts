/**
 * Builds the renderer (src/renderer) into out/renderer. The same build is loaded by Electron
 * (file://, hence base './') and served by `mlbl serve`.
 *
 * Dev server: `MLBL_API_TARGET=http://127.0.0.1:PORT npx vite --config vite.renderer.config.ts`
 * proxies /api (the WebSocket) to a running `mlbl serve`; open the dev URL with `?token=...`.
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./src/renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./out/renderer', import.meta.url));
const apiTarget = process.env.MLBL_API_TARGET;

/** The dev server needs inline scripts (React refresh preamble) and its HMR socket; builds keep the strict CSP. */
function relaxCspForDevServer(): Plugin {
  return {
    name: 'mlbl-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws: http://localhost:* http://127.0.0.1:*");
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), relaxCspForDevServer()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
    proxy: apiTarget
      ? {
          // A regex: a plain '/api' prefix would also catch modules such as /api-client.ts.
          '^/api(\\?.*)?$': {
            target: apiTarget,
            ws: true,
            changeOrigin: true,
            // `mlbl serve` refuses WebSocket upgrades from a foreign Origin; present the target's.
            headers: { origin: apiTarget },
          },
        }
      : undefined,
  },
});
