/**
 * Electron main: windows, menus, dialogs, notifications; it relays the API to the host process
 * (host-process.ts, a utilityProcess holding SQLite, runs, imports and exports) and starts engines
 * on the host's behalf. Kept thin: every decision is a plain function in electron/*.ts, tested
 * there and, through the built bundle under a stand-in Electron, in main-bundle.test.ts.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, screen, session, shell, utilityProcess } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord, RunStatus } from '../shared/api';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolHandler } from './electron/app-protocol';
import { appPaths, rendererUrl as chooseRendererUrl } from './electron/app-paths';
import { dialogMethods, isDialogMethod } from './electron/dialogs';
import { linkDispatch, startHostLink, type HostLink } from './electron/host-link';
import { aboutDetail, menuTemplate } from './electron/menu';
import { runNotification, taskbarProgress } from './electron/run-alerts';
import { chooseDataDir, readSettings, writeSettings, type DesktopSettings } from './electron/settings';
import { readWindowState, restoreWindowState, writeWindowState } from './electron/window-state';
import { guardWebContents, ipcApiHandler, secureSession, windowOptions } from './electron/window-options';

const paths = appPaths(path.dirname(fileURLToPath(import.meta.url)));
const rendererUrl = chooseRendererUrl(app.isPackaged, process.env);
const APP_NAME = 'MLBL Workbench';

// Before ready: app:// gets an origin of its own (app-protocol.ts).
protocol.registerSchemesAsPrivileged(APP_SCHEME_PRIVILEGES);
app.enableSandbox();

let win: BrowserWindow | null = null;
let link: HostLink | null = null;
let settings: DesktopSettings;
const lastStatus = new Map<string, RunStatus>();
const progress = new Map<string, number>();

// The host's output goes to the app's; an engine's stderr is piped for its crash report (engine-relay.ts).
function forkUtility(entry: string, name: string, stderr: 'inherit' | 'pipe', env: Record<string, string> = {}) {
  return utilityProcess.fork(entry, [], { serviceName: name, stdio: ['ignore', 'inherit', stderr], env: { ...process.env, ...env } });
}

function onEvent(event: string, payload: unknown): void {
  if (win && !win.isDestroyed()) win.webContents.send('api.event', event, payload);
  if (event !== 'run.status') return;
  const run = payload as RunRecord;
  const note = runNotification(lastStatus.get(run.id), run, settings.notifications);
  lastStatus.set(run.id, run.status);
  if (note && Notification.isSupported()) new Notification(note).show();
  if (run.status !== 'running') progress.delete(run.id);
  showProgress();
}

function showProgress(): void {
  if (win && !win.isDestroyed()) win.setProgressBar(taskbarProgress(progress.values()));
}

function startHost(dataDir: string): HostLink {
  lastStatus.clear();
  progress.clear();
  const l = startHostLink({
    dataDir,
    forkHost: () => forkUtility(paths.host, 'MLBL host', 'inherit'),
    forkEngine: (env) => forkUtility(paths.engine, 'MLBL engine', 'pipe', env),
    onEvent,
    onProgress: (runId, f) => {
      progress.set(runId, f);
      showProgress();
    },
    onUnexpectedExit: (code) => {
      if (l === link)
        dialog.showErrorBox(
          APP_NAME,
          `The workbench's host process stopped (exit code ${code}). Runs that were training end as interrupted and can be resumed. Restart the app to continue.`,
        );
    },
  });
  l.ready.catch((e: Error) => dialog.showErrorBox(APP_NAME, `${e.message}\n\nChoose another data folder from the File menu.`));
  return l;
}

async function chooseDataFolder(): Promise<void> {
  const r = await dialog.showOpenDialog({ title: 'Use another data folder', properties: ['openDirectory', 'createDirectory'] });
  const dir = r.filePaths[0];
  if (r.canceled || !dir || dir === link?.dataDir) return;
  const previous = link;
  link = null;
  await previous?.close();
  link = startHost(dir);
  try {
    await link.ready;
    settings = { ...settings, dataDir: dir };
    writeSettings(settingsFile(), settings);
  } catch {
    // It could not open that folder (the error box said why): back to the one that worked.
    await link.close();
    link = previous ? startHost(previous.dataDir) : null;
  }
  win?.webContents.reload();
}

const settingsFile = (): string => path.join(app.getPath('userData'), 'settings.json');
const windowStateFile = (): string => path.join(app.getPath('userData'), 'window-state.json');

function navigate(hash: '#/new' | '#/datasets/import'): void {
  if (!win) return;
  win.show();
  // A fixed route from this file, never data: the page's own hash router takes it from there.
  void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(hash)}`);
}

function buildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(
        { isPackaged: app.isPackaged, platform: process.platform, notifications: settings.notifications, appName: APP_NAME },
        {
          newRun: () => navigate('#/new'),
          importDataset: () => navigate('#/datasets/import'),
          openDataFolder: () => {
            if (link) void shell.openPath(link.dataDir);
          },
          chooseDataFolder: () => {
            void chooseDataFolder();
          },
          about: () => {
            void dialog.showMessageBox({
              type: 'info',
              title: `About ${APP_NAME}`,
              message: APP_NAME,
              detail: aboutDetail({ app: app.getVersion(), ...process.versions }, link?.dataDir ?? '(none open)'),
            });
          },
          setNotifications: (on) => {
            settings = { ...settings, notifications: on };
            writeSettings(settingsFile(), settings);
          },
        },
      ),
    ),
  );
}

function createWindow(): BrowserWindow {
  const state = restoreWindowState(
    readWindowState(windowStateFile()),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const w = new BrowserWindow(windowOptions(paths.preload, { bounds: state.bounds, devTools: !app.isPackaged }));
  if (state.maximized) w.maximize();
  w.once('ready-to-show', () => w.show());
  w.on('close', () => writeWindowState(windowStateFile(), { bounds: w.getNormalBounds(), maximized: w.isMaximized() }));
  void w.loadURL(rendererUrl);
  return w;
}

function main(): void {
  // One instance per user: a second launch focuses the first and exits.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  app.on('web-contents-created', (_e, contents) =>
    guardWebContents(contents, rendererUrl, (url) => {
      void shell.openExternal(url);
    }),
  );

  void app.whenReady().then(() => {
    settings = readSettings(settingsFile());
    protocol.handle(APP_SCHEME, appProtocolHandler(paths.renderer));
    secureSession(session.defaultSession);
    link = startHost(chooseDataDir(process.env.MLBL_DATA_DIR, settings, app.getPath('userData')));
    const toHost = linkDispatch(() => {
      if (!link) throw new Error('the data folder is being switched; try again');
      return link;
    });
    const dialogs = dialogMethods({
      showOpenDialog: (o) => (win ? dialog.showOpenDialog(win, o as Electron.OpenDialogOptions) : dialog.showOpenDialog(o as Electron.OpenDialogOptions)),
      showSaveDialog: (o) => (win ? dialog.showSaveDialog(win, o) : dialog.showSaveDialog(o)),
    });
    ipcMain.handle(
      'api.call',
      ipcApiHandler(() => (method, input) => (isDialogMethod(method) ? dialogs(method, input) : toHost(method, input)), rendererUrl),
    );
    buildMenu();
    win = createWindow();
    win.on('closed', () => {
      win = null;
    });
  });

  app.on('window-all-closed', () => app.quit());
  // Every way out (last window, Quit in the menu, Cmd+Q) closes the host first: runs still training
  // end interrupted (resumable), as when serve mode stops, instead of the host being killed.
  app.on('before-quit', (event) => {
    if (!link) return;
    event.preventDefault();
    const closing = link;
    link = null;
    void closing.close().finally(() => app.quit());
  });
}

if (fs.existsSync(paths.host)) main();
else {
  process.stderr.write(`mlbl: ${paths.host} is missing: build the app first (npx electron-vite build)\n`);
  app.quit();
}
