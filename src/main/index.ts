/**
 * Electron main: one window, the security checklist applied, the API bound to IPC. Kept thin:
 * everything it calls (host, store, runs) is the same code serve mode and the CLI use.
 */
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toWireError } from './api-handlers';
import { resolveDataDir } from './data-dir';
import { utilityEngineLauncher } from './electron/utility-engine';
import { isTrustedRendererUrl, RENDERER_CSP, secureWebPreferences } from './electron/security';
import { createHost, type Host } from './host';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(path.join(here, '../renderer/index.html')).href;
let host: Host | null = null;

app.enableSandbox();

app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => { if (!isTrustedRendererUrl(url, rendererUrl)) event.preventDefault(); });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.whenReady().then(() => {
  const dataDir = process.env.MLBL_DATA_DIR ? resolveDataDir() : app.getPath('userData');
  host = createHost({ dataDir, transport: 'ipc', launcher: utilityEngineLauncher(path.join(here, 'engine.js')) });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });

  ipcMain.handle('api.call', async (event, method: unknown, input: unknown) => {
    if (!isTrustedRendererUrl(event.senderFrame?.url, rendererUrl)) return { ok: false, error: { code: 'bad_request', message: 'IPC from an untrusted frame' } };
    try {
      return { ok: true, result: await (host as Host).dispatch(String(method), input) };
    } catch (e) {
      return { ok: false, error: toWireError(e) };
    }
  });

  const win = new BrowserWindow({ width: 1280, height: 860, title: 'MLBL Workbench', show: false, webPreferences: secureWebPreferences(path.join(here, '../preload/index.cjs')) });
  win.once('ready-to-show', () => win.show());
  host.subscribe((event, payload) => { if (!win.isDestroyed()) win.webContents.send('api.event', event, payload); });
  void win.loadURL(rendererUrl);
});

app.on('window-all-closed', () => {
  void (host?.close() ?? Promise.resolve()).finally(() => app.quit());
});
