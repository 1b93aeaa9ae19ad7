/**
 * The renderer is served from a custom `app://mlbl/` protocol, not file://: the page gets a real
 * origin (so CSP 'self' and the IPC sender check name exactly the app), and nothing outside
 * out/renderer can be read through it. index.ts registers the scheme as privileged before ready
 * and hands protocol.handle() the handler below.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { RENDERER_CSP } from './security';

export const APP_SCHEME = 'app';
export const APP_HOST = 'mlbl';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Standard + secure: relative URLs, 'self' and fetch work as for https; no other privilege. */
export const APP_SCHEME_PRIVILEGES = [{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }];

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** The file an app:// URL names inside `root`, or null when it names anything outside it or another host. */
export function appFilePath(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + path.posix.normalize('/' + rel.replace(/\\/g, '/')));
  if (file !== base && !file.startsWith(base + path.sep)) return null;
  return file === base ? path.join(base, 'index.html') : file;
}

/** protocol.handle's handler: files under `root` with their type and the CSP; 404 for everything else. */
export function appProtocolHandler(root: string) {
  return async (request: { url: string; method?: string }): Promise<Response> => {
    const file = appFilePath(root, request.url);
    if (!file || (request.method && request.method !== 'GET' && request.method !== 'HEAD')) return new Response('not found', { status: 404 });
    // A symlink inside out/renderer must not lead outside it either.
    let real: string;
    try {
      real = await fs.realpath(file);
    } catch {
      return new Response('not found', { status: 404 });
    }
    const realRoot = await fs.realpath(root).catch(() => path.resolve(root));
    if (!real.startsWith(realRoot + path.sep)) return new Response('not found', { status: 404 });
    try {
      const body = await fs.readFile(real);
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': MIME[path.extname(real).toLowerCase()] ?? 'application/octet-stream',
          'Content-Security-Policy': RENDERER_CSP,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}
