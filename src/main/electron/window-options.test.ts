/**
 * The guards index.ts puts on every web contents and the IPC handler's sender check, called
 * directly with many URLs (main-bundle.test.ts checks that the built bundle installs them).
 *
 * The Electron binary cannot run here (its download host is unreachable and there is no
 * display), so the WebContents is a small recording stand-in for the one Electron object
 * guardWebContents() is given: nothing else is mocked. The IPC handler dispatches to a real host
 * (real SQLite in a temporary folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../host';
import { guardWebContents, ipcApiHandler, type IpcReply, type WebContentsLike } from './window-options';

const APP = 'app://mlbl/index.html';

describe('the guards on every web contents', () => {
  function guarded() {
    let open: Parameters<WebContentsLike['setWindowOpenHandler']>[0] | undefined;
    const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
    const opened: string[] = [];
    const contents: WebContentsLike = {
      setWindowOpenHandler: (h) => {
        open = h;
      },
      on: (ev, l) => listeners.set(ev, l),
    };
    guardWebContents(contents, APP, (u) => opened.push(u));
    const prevented = (ev: string, url?: string): boolean => {
      let p = false;
      listeners.get(ev)?.(
        {
          preventDefault: () => {
            p = true;
          },
        },
        url,
      );
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
    // Native dialogs are answered by the app's main process; the host (and so the WebSocket) says where to fall back.
    expect(await handle(from(APP), 'dialog.openPath', { kind: 'file' })).toEqual({
      ok: false,
      error: { code: 'not_available', message: 'native file dialogs are not available in the browser: type the path' },
    });
  });

  it('refuses calls from any other frame before they reach the API', async () => {
    for (const url of [
      'https://evil.example/',
      'file:///tmp/evil.html',
      'file:///opt/mlbl/out/renderer/index.html',
      'app://mlbl/other.html',
      'app://evil/index.html',
      'http://localhost:5173/',
      'about:blank',
      '',
      undefined,
    ]) {
      const r: IpcReply = await handle(from(url), 'runs.list', {});
      expect(r, String(url)).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/untrusted frame/) } });
    }
  });
});
