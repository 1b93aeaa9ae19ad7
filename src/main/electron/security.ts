/**
 * Electron's security checklist, as data and pure functions so it can be tested without the
 * Electron binary. index.ts applies these; nothing else creates windows.
 */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}

// 'self' is app://mlbl (app-protocol.ts registers the scheme as standard and secure, so it has an
// origin) or, in development, electron-vite's dev server: never any other host.
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/**
 * The app's own page: the built renderer on app://mlbl/index.html (any #route), or electron-vite's
 * dev server when not packaged. app:// is not a special scheme for WHATWG URLs (origin "null"), so
 * scheme, host and path are compared instead.
 */
export function isTrustedRendererUrl(url: string | undefined, rendererUrl: string): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    const r = new URL(rendererUrl);
    if (r.protocol === 'app:') return u.protocol === 'app:' && u.host === r.host && u.pathname === r.pathname;
    if (r.protocol === 'file:') return u.protocol === 'file:' && decodeURIComponent(u.pathname) === decodeURIComponent(r.pathname);
    return u.origin === r.origin;
  } catch {
    return false;
  }
}
