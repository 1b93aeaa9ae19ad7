/**
 * Electron main: one window, the security checklist applied, the API bound to IPC. Kept thin:
 * everything it calls (host, store, runs) is the same code serve mode and the CLI use.
 */
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveDataDir } from './data-dir';
import { utilityEngineLauncher } from './electron/utility-engine';
import { guardWebContents, ipcApiHandler, secureSession, windowOptions } from './electron/window-options';
import { createHost, type Host } from './host';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(path.join(here, '../renderer/index.html')).href;
let host: Host | null = null;

app.enableSandbox();

// The security checklist lives in electron/window-options.ts (tested there): this file only applies it.
app.on('web-contents-created', (_e, contents) => guardWebContents(contents, rendererUrl, (url) => { void shell.openExternal(url); }));

app.whenReady().then(() => {
  const dataDir = process.env.MLBL_DATA_DIR ? resolveDataDir() : app.getPath('userData');
  host = createHost({ dataDir, transport: 'ipc', followOtherProcesses: true, launcher: utilityEngineLauncher(path.join(here, 'engine.js')) });
  secureSession(session.defaultSession);
  ipcMain.handle('api.call', ipcApiHandler(() => (host as Host).dispatch, rendererUrl));

  const win = new BrowserWindow(windowOptions(path.join(here, '../preload/index.cjs')));
  win.once('ready-to-show', () => win.show());
  host.subscribe((event, payload) => { if (!win.isDestroyed()) win.webContents.send('api.event', event, payload); });
  void win.loadURL(rendererUrl);
});

app.on('window-all-closed', () => {
  void (host?.close() ?? Promise.resolve()).finally(() => app.quit());
});
