/**
 * The desktop app's decisions, as the plain functions index.ts applies: which renderer URL, which
 * files app:// may serve, the menu when packaged, the remembered window, notifications and taskbar
 * progress, settings and the data folder, export file names. No Electron needed (and none here).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../shared/api';
import { appFilePath } from './app-protocol';
import { appPaths, rendererUrl } from './app-paths';
import { dialogMethods, safeFileName } from './dialogs';
import { aboutDetail, menuTemplate, type MenuActions } from './menu';
import { runNotification, taskbarProgress } from './run-alerts';
import { isTrustedRendererUrl } from './security';
import { chooseDataDir, readSettings, writeSettings } from './settings';
import { DEFAULT_STATE, readWindowState, restoreWindowState, writeWindowState } from './window-state';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-desktop-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('renderer URL and app paths', () => {
  it('honours ELECTRON_RENDERER_URL only when not packaged, and only for a local dev server', () => {
    expect(rendererUrl(false, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBe('http://localhost:5173');
    expect(rendererUrl(true, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBe('app://mlbl/index.html');
    expect(rendererUrl(false, { ELECTRON_RENDERER_URL: 'https://evil.example/' })).toBe('app://mlbl/index.html');
    expect(rendererUrl(false, {})).toBe('app://mlbl/index.html');
  });
  it('finds the host, engine, preload and renderer relative to the main bundle, inside an asar too', () => {
    const p = appPaths('/opt/MLBL Workbench/resources/app.asar/out/main');
    expect(p).toEqual({
      mainDir: '/opt/MLBL Workbench/resources/app.asar/out/main',
      host: '/opt/MLBL Workbench/resources/app.asar/out/main/host-process.js',
      engine: '/opt/MLBL Workbench/resources/app.asar/out/main/engine.js',
      preload: '/opt/MLBL Workbench/resources/app.asar/out/preload/index.cjs',
      renderer: '/opt/MLBL Workbench/resources/app.asar/out/renderer',
    });
  });
  it('trusts exactly the app page on app://mlbl (any route) or the dev server origin', () => {
    expect(isTrustedRendererUrl('app://mlbl/index.html#/runs/1', 'app://mlbl/index.html')).toBe(true);
    expect(isTrustedRendererUrl('app://mlbl/other.html', 'app://mlbl/index.html')).toBe(false);
    expect(isTrustedRendererUrl('app://evil/index.html', 'app://mlbl/index.html')).toBe(false);
    expect(isTrustedRendererUrl('file:///opt/out/renderer/index.html', 'app://mlbl/index.html')).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5173/#/new', 'http://localhost:5173/')).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedRendererUrl(undefined, 'app://mlbl/index.html')).toBe(false);
  });
});

describe('app:// file mapping', () => {
  const root = path.join(tmp, 'renderer');
  it('maps app://mlbl paths into the renderer folder and refuses everything else', () => {
    expect(appFilePath(root, 'app://mlbl/index.html')).toBe(path.join(root, 'index.html'));
    expect(appFilePath(root, 'app://mlbl/')).toBe(path.join(root, 'index.html'));
    expect(appFilePath(root, 'app://mlbl/assets/a%20b.js?x=1#y')).toBe(path.join(root, 'assets', 'a b.js'));
    // Dot segments, encoded or not, cannot climb above the root: they are clamped to it.
    expect(appFilePath(root, 'app://mlbl/..%2f..%2fetc%2fpasswd')).toBe(path.join(root, 'etc', 'passwd'));
    expect(appFilePath(root, 'app://mlbl/..%5c..%5cpackage.json')).toBe(path.join(root, 'package.json'));
    expect(appFilePath(root, 'app://other/index.html')).toBeNull();
    expect(appFilePath(root, 'file:///etc/passwd')).toBeNull();
    expect(appFilePath(root, 'app://mlbl/a%00b')).toBeNull();
    expect(appFilePath(root, 'app://mlbl/%E0%A4%A')).toBeNull();
  });
});

describe('the application menu', () => {
  const actions: MenuActions = {
    newRun: () => {},
    importDataset: () => {},
    openDataFolder: () => {},
    chooseDataFolder: () => {},
    about: () => {},
    setNotifications: () => {},
  };
  type Item = { role?: string; label?: string; submenu?: Item[] };
  const flat = (items: Item[]): Item[] => items.flatMap((i) => [i, ...flat(i.submenu ?? [])]);
  it('has no dev tools when packaged, and has them when not', () => {
    const packaged = flat(menuTemplate({ isPackaged: true, platform: 'linux', notifications: true, appName: 'MLBL Workbench' }, actions) as Item[]).map(
      (i) => i.role,
    );
    const dev = flat(menuTemplate({ isPackaged: false, platform: 'linux', notifications: true, appName: 'MLBL Workbench' }, actions) as Item[]).map(
      (i) => i.role,
    );
    expect(packaged).not.toContain('toggleDevTools');
    expect(packaged).not.toContain('forceReload');
    expect(dev).toContain('toggleDevTools');
    expect(packaged).toEqual(expect.arrayContaining(['reload', 'zoomIn', 'zoomOut', 'resetZoom', 'quit']));
  });
  it('puts the app menu first on macOS', () => {
    const mac = menuTemplate({ isPackaged: true, platform: 'darwin', notifications: false, appName: 'MLBL Workbench' }, actions) as Item[];
    expect(mac[0]?.label).toBe('MLBL Workbench');
    expect(flat(mac[0]?.submenu ?? []).map((i) => i.label ?? i.role)).toEqual(expect.arrayContaining(['About MLBL Workbench', 'quit']));
  });
  it('says the versions and the data folder in About', () => {
    expect(aboutDetail({ app: '0.1.0', electron: '45.5.0', node: '22.20.0', chrome: undefined }, '/data')).toBe(
      'MLBL Workbench 0.1.0\nElectron 45.5.0\nNode 22.20.0\n\nData folder:\n/data',
    );
  });
});

describe('the remembered window', () => {
  const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('restores a saved position that is on a display, and drops one that is not (keeping the size)', () => {
    expect(restoreWindowState({ bounds: { x: 100, y: 50, width: 1000, height: 700 }, maximized: true }, screens)).toEqual({
      bounds: { x: 100, y: 50, width: 1000, height: 700 },
      maximized: true,
    });
    expect(restoreWindowState({ bounds: { x: 3000, y: 50, width: 1000, height: 700 }, maximized: false }, screens)).toEqual({
      bounds: { width: 1000, height: 700 },
      maximized: false,
    });
    expect(restoreWindowState({ bounds: { x: 10, y: 10, width: 100, height: 100 } }, screens).bounds).toMatchObject({ width: 640, height: 480 });
  });
  it('falls back to the default for a missing or broken file, and round-trips through the file', () => {
    const file = path.join(tmp, 'window-state.json');
    expect(restoreWindowState(readWindowState(file), screens)).toEqual(DEFAULT_STATE);
    fs.writeFileSync(file, '{"bounds": "wide"');
    expect(restoreWindowState(readWindowState(file), screens)).toEqual(DEFAULT_STATE);
    writeWindowState(file, { bounds: { x: 5, y: 6, width: 900, height: 600 }, maximized: false });
    expect(restoreWindowState(readWindowState(file), screens)).toEqual({ bounds: { x: 5, y: 6, width: 900, height: 600 }, maximized: false });
  });
});

describe('run notifications and taskbar progress', () => {
  const run = (status: RunRecord['status'], summary: Record<string, number> = {}, error: string | null = null) => ({ status, name: 'lenet', error, summary });
  it('notifies once on the transition into completed, failed or diverged, and never when turned off', () => {
    expect(runNotification('running', run('completed', { val_accuracy: 0.9812 }), true)).toEqual({ title: 'Run lenet finished', body: 'accuracy 98.12 %' });
    expect(runNotification('running', run('failed', {}, 'out of memory'), true)).toEqual({ title: 'Run lenet failed', body: 'out of memory' });
    expect(runNotification('running', run('diverged'), true)?.title).toBe('Run lenet diverged');
    expect(runNotification('completed', run('completed'), true)).toBeNull();
    expect(runNotification('running', run('completed'), false)).toBeNull();
    expect(runNotification('queued', run('running'), true)).toBeNull();
    expect(runNotification('running', run('stopped'), true)).toBeNull();
  });
  it('shows the mean progress of running runs, and removes the bar when none runs', () => {
    expect(taskbarProgress([])).toBe(-1);
    expect(taskbarProgress([0.25, 0.75])).toBe(0.5);
    expect(taskbarProgress([1.5])).toBe(1);
  });
});

describe('desktop settings and the data folder', () => {
  it('reads what was written, names the file and field of a bad value, and keeps defaults for it', () => {
    const file = path.join(tmp, 'settings', 'settings.json');
    const warnings: string[] = [];
    expect(readSettings(file, (m) => warnings.push(m))).toEqual({ dataDir: null, notifications: true });
    expect(warnings).toEqual([]);
    writeSettings(file, { dataDir: '/data/elsewhere', notifications: false });
    expect(readSettings(file)).toEqual({ dataDir: '/data/elsewhere', notifications: false });
    fs.writeFileSync(file, JSON.stringify({ dataDir: 'relative/dir', notifications: 'no' }));
    expect(readSettings(file, (m) => warnings.push(m))).toEqual({ dataDir: null, notifications: true });
    expect(warnings).toEqual([
      `mlbl: ${file}: field dataDir must be an absolute path; using the default data folder`,
      `mlbl: ${file}: field notifications must be true or false; notifications stay on`,
    ]);
    fs.writeFileSync(file, '{');
    readSettings(file, (m) => warnings.push(m));
    expect(warnings.at(-1)).toBe(`mlbl: ${file} is not valid JSON; using the default settings`);
  });
  it('uses MLBL_DATA_DIR, else the chosen folder, else userData (the CLI default)', () => {
    expect(chooseDataDir('/env/dir', { dataDir: '/chosen', notifications: true }, '/userData')).toBe('/env/dir');
    expect(chooseDataDir(undefined, { dataDir: '/chosen', notifications: true }, '/userData')).toBe('/chosen');
    expect(chooseDataDir(undefined, { dataDir: null, notifications: true }, '/userData')).toBe('/userData');
  });
  it('has productName "MLBL Workbench", so Electron\'s userData is the folder the CLI defaults to', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { productName?: string };
    expect(pkg.productName).toBe('MLBL Workbench');
  });
});

describe('export files saved through the native dialog', () => {
  it('writes one file where the save dialog says, several into the chosen folder, by plain names only', async () => {
    const one = path.join(tmp, 'saved', 'metrics.csv');
    fs.mkdirSync(path.dirname(one), { recursive: true });
    const save = dialogMethods({
      showSaveDialog: async () => ({ canceled: false, filePath: one }),
      showOpenDialog: async () => ({ canceled: false, filePaths: [path.dirname(one)] }),
    });
    expect(await save('dialog.saveFiles', { files: [{ name: 'metrics.csv', mime: 'text/csv', encoding: 'utf8', content: 'a,b\n' }] })).toEqual({
      saved: [one],
    });
    expect(fs.readFileSync(one, 'utf8')).toBe('a,b\n');
    const r = await save('dialog.saveFiles', {
      files: [
        { name: 'model.json', mime: 'application/json', encoding: 'utf8', content: '{}' },
        { name: '../weights.bin', mime: 'application/octet-stream', encoding: 'base64', content: Buffer.from([1, 2, 3]).toString('base64') },
      ],
    });
    expect(r).toEqual({ saved: [path.join(path.dirname(one), 'model.json'), path.join(path.dirname(one), 'weights.bin')] });
    expect([...fs.readFileSync(path.join(path.dirname(one), 'weights.bin'))]).toEqual([1, 2, 3]);
    const cancelled = dialogMethods({ showSaveDialog: async () => ({ canceled: true }), showOpenDialog: async () => ({ canceled: true, filePaths: [] }) });
    expect(await cancelled('dialog.saveFiles', { files: [{ name: 'x.csv', mime: 'text/csv', encoding: 'utf8', content: '' }] })).toEqual({ saved: [] });
    expect(() => safeFileName('..')).toThrow(/files\[\]\.name ".." is not a file name/);
    expect(safeFileName('a:b?.csv')).toBe('a_b_.csv');
  });
});
