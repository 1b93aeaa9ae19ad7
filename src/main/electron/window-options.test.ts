/**
 * Electron's security checklist on the configuration index.ts really applies: index.ts builds its
 * BrowserWindow from windowOptions(), configures the session with secureSession(), guards every
 * web contents with guardWebContents() and binds IPC with ipcApiHandler(); this test calls the
 * same functions.
 *
 * The Electron binary cannot run here (Electron 42+ downloads it on first run, and this machine
 * has no network or display), so the Session and WebContents are small recording stand-ins for
 * the two Electron objects those functions are given: nothing else is mocked. The IPC handler
 * dispatches to a real host (real SQLite in a temporary folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../host';
import { RENDERER_CSP } from './security';
import { guardWebContents, ipcApiHandler, secureSession, windowOptions, type IpcReply, type SessionLike, type WebContentsLike } from './window-options';

const APP = 'file:///opt/mlbl/resources/app/out/renderer/index.html';

describe('the BrowserWindow index.ts creates', () => {
  const o = windowOptions('/opt/mlbl/out/preload/index.cjs');
  const wp = o.webPreferences ?? {};
  it('isolates the page from Node and from the preload: context isolation, sandbox, no Node integration anywhere', () => {
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.nodeIntegrationInWorker).toBe(false);
    expect(wp.nodeIntegrationInSubFrames).toBe(false);
    expect(wp.preload).toBe('/opt/mlbl/out/preload/index.cjs');
  });
  it('keeps web security on and the risky features off', () => {
    expect(wp.webSecurity).toBe(true);
    expect(wp.allowRunningInsecureContent).toBe(false);
    expect(wp.experimentalFeatures).toBe(false);
    expect(wp.webviewTag).toBe(false);
    expect(wp.navigateOnDragDrop).toBe(false);
    expect(o.show).toBe(false); // shown on ready-to-show, never a blank remote page first
  });
});

describe('the session index.ts configures', () => {
  const handlers: { permission?: Parameters<SessionLike['setPermissionRequestHandler']>[0]; check?: (wc: unknown, p: string) => boolean; headers?: Parameters<SessionLike['webRequest']['onHeadersReceived']>[0] } = {};
  const session: SessionLike = {
    setPermissionRequestHandler: (h) => { handlers.permission = h; },
    setPermissionCheckHandler: (h) => { handlers.check = h; },
    webRequest: { onHeadersReceived: (l) => { handlers.headers = l; } },
  };
  secureSession(session);

  it('grants no permission', () => {
    for (const p of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      handlers.permission?.({}, p, (g) => { granted = g; });
      expect(granted, p).toBe(false);
      expect(handlers.check?.({}, p), p).toBe(false);
    }
  });

  it('sends a CSP with no remote content on every response, replacing any other', () => {
    let out: Record<string, string[] | string> | undefined;
    handlers.headers?.({ url: APP, responseHeaders: { 'content-security-policy': ["default-src *; script-src 'unsafe-eval' https://cdn.example.com"], 'X-Other': ['1'] } }, (r) => { out = r.responseHeaders; });
    expect(out?.['Content-Security-Policy']).toEqual([RENDERER_CSP]);
    expect(out?.['content-security-policy']).toBeUndefined();
    expect(out?.['X-Other']).toEqual(['1']);
    const csp = RENDERER_CSP;
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k as string, v]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/https?:|wss?:|\*|unsafe-eval/);
  });
});

describe('the guards on every web contents', () => {
  function guarded() {
    let open: Parameters<WebContentsLike['setWindowOpenHandler']>[0] | undefined;
    const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
    const opened: string[] = [];
    const contents: WebContentsLike = { setWindowOpenHandler: (h) => { open = h; }, on: (ev, l) => listeners.set(ev, l) };
    guardWebContents(contents, APP, (u) => opened.push(u));
    const prevented = (ev: string, url?: string): boolean => {
      let p = false;
      listeners.get(ev)?.({ preventDefault: () => { p = true; } }, url);
      return p;
    };
    return { open: (url: string) => open?.({ url }), prevented, opened, listeners };
  }

  it('denies every window.open; https links go to the system browser, nothing else goes anywhere', () => {
    const g = guarded();
    expect(g.open('https://example.com/paper.pdf')).toEqual({ action: 'deny' });
    expect(g.open('http://example.com/')).toEqual({ action: 'deny' });
    expect(g.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(g.open('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(g.opened).toEqual(['https://example.com/paper.pdf']);
  });

  it('blocks navigation and redirects away from the app page, and every webview', () => {
    const g = guarded();
    expect(g.listeners.has('will-navigate')).toBe(true);
    expect(g.prevented('will-navigate', 'https://evil.example/')).toBe(true);
    expect(g.prevented('will-navigate', 'file:///tmp/evil.html')).toBe(true);
    expect(g.prevented('will-redirect', 'http://127.0.0.1:8765/')).toBe(true);
    expect(g.prevented('will-navigate', `${APP}#/runs/abc`)).toBe(false);
    expect(g.prevented('will-attach-webview')).toBe(true);
  });
});

describe('IPC sender validation', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-ipc-'));
  const host = createHost({ dataDir: dir, transport: 'ipc', concurrency: 0 });
  afterAll(async () => {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const handle = ipcApiHandler(() => host.dispatch, APP);
  const from = (url: string | undefined) => ({ senderFrame: url === undefined ? null : ({ url } as never) });

  it('answers the app page through the same validated dispatch as the WebSocket', async () => {
    const r = await handle(from(`${APP}#/runs`), 'runs.list', {});
    expect(r).toEqual({ ok: true, result: [] });
    const bad = await handle(from(APP), 'runs.get', { id: '../../etc' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await handle(from(APP), 'fs.read', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });

  it('refuses calls from any other frame before they reach the API', async () => {
    for (const url of ['https://evil.example/', 'file:///tmp/evil.html', 'http://localhost:5173/', 'about:blank', '', undefined]) {
      const r: IpcReply = await handle(from(url), 'runs.list', {});
      expect(r, String(url)).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/untrusted frame/) } });
    }
  });
});
