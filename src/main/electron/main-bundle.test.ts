/**
 * The BUILT main bundle (out/main/index.js) booted against the stand-in `electron` module
 * (testing/electron-stand-in.ts, which replaces only the Electron binary: it cannot run here).
 * Everything else is real: the bundle starts the real host process (out/main/host-process.js, a
 * child process standing in for the utilityProcess) on a temporary data folder with a real SQLite
 * file, engines are started by main on the host's request and train for real, and the assertions
 * are on what the bundle did: the window options, session handlers, protocol answers, menu, IPC.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../../shared/api';
import { Store } from '../store/store';
import { lenetSpec } from '../runs/testing';
import { ensureElectronBuild, OUT } from './testing/build';
import { app, invoke, recorded } from './testing/electron-stand-in';
import { RENDERER_CSP } from './security';

vi.mock('electron', () => import('./testing/electron-stand-in'));

const APP = 'app://mlbl/index.html';
const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-app-'));
const otherData = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-app-other-'));
const call = (method: string, input: unknown, frame: string | null = `${APP}#/runs`) =>
  invoke('api.call', frame, method, input) as Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>;
const win = () => recorded.windows[0]!;
const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000, detail = () => ''): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what} (windows: ${recorded.windows.length}, processes: ${recorded.forks.map((f) => path.basename(f.modulePath)).join(', ')}, error boxes: ${recorded.errorBoxes.join(' | ') || 'none'}) ${detail()}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
};
type MenuItem = { id?: string; label?: string; role?: string; submenu?: MenuItem[]; click?: (i: { checked: boolean }) => void };
const flat = (items: MenuItem[]): MenuItem[] => items.flatMap((i) => [i, ...flat(i.submenu ?? [])]);

beforeAll(async () => {
  await ensureElectronBuild();
  // One finished run in the real SQLite file before the app starts.
  const store = new Store(userData);
  store.createRun({ id: 'seeded', name: 'seeded run', spec: lenetSpec({ epochs: 1 }), createdAt: 1 });
  store.updateRun('seeded', { status: 'completed', startedAt: 2, endedAt: 3 });
  store.close();
  recorded.userData = userData;
  delete process.env.MLBL_DATA_DIR;
  delete process.env.ELECTRON_RENDERER_URL;
  await import(path.join(OUT, 'main', 'index.js'));
  await until('the window and the host', async () => recorded.windows.length === 1 && (await call('system.info', {})).ok, 30_000);
});

afterAll(async () => {
  app.emit('window-all-closed');
  await until('the app to quit', () => recorded.quit > 0, 30_000);
  await until('every utility process to exit', () => recorded.forks.every((f) => f.child.pid === undefined), 10_000);
  for (const d of [userData, otherData]) fs.rmSync(d, { recursive: true, force: true });
});

describe('the built main bundle under a stand-in Electron', () => {
  it('keeps SQLite out of its own process: the host runs out/main/host-process.js on userData, the folder the CLI uses by default', async () => {
    expect(recorded.forks[0]?.modulePath).toBe(path.join(OUT, 'main', 'host-process.js'));
    expect(recorded.forks[0]?.child.pid).not.toBe(process.pid);
    const info = await call('system.info', {});
    expect(info).toMatchObject({ ok: true, result: { dataDir: userData, transport: 'ipc' } });
  });

  it('answers a real API call through the registered ipcMain handler from the real SQLite file', async () => {
    const r = await call('runs.list', {});
    expect(r.ok).toBe(true);
    expect((r.result as RunRecord[]).map((x) => [x.id, x.name, x.status])).toEqual([['seeded', 'seeded run', 'completed']]);
    expect(await call('runs.get', { id: '../../etc' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await call('fs.read', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });

  it('refuses calls from any frame that is not the app page, before they reach the host', async () => {
    for (const frame of [
      'https://evil.example/',
      'app://other/index.html',
      'app://mlbl/evil.html',
      `file://${path.join(OUT, 'renderer', 'index.html')}`,
      'http://localhost:5173/',
      'about:blank',
      '',
      null,
    ]) {
      const r = await call('runs.list', {}, frame);
      expect(r, String(frame)).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/untrusted frame/) } });
    }
  });

  it('creates one hidden, sandboxed, isolated window with the built preload and loads app://, not file://', () => {
    expect(recorded.sandbox).toBe(true);
    expect(recorded.windows).toHaveLength(1);
    const o = win().options as { show: boolean; width: number; webPreferences: Record<string, unknown> };
    expect(o.show).toBe(false);
    expect(o.webPreferences).toMatchObject({
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
    });
    expect(o.webPreferences.preload).toBe(path.join(OUT, 'preload', 'index.cjs'));
    expect(fs.existsSync(o.webPreferences.preload as string)).toBe(true);
    expect(o.webPreferences.devTools).toBe(true); // not packaged here; app-desktop.test.ts covers packaged
    expect(win().url).toBe(APP);
  });

  it('configures the session: no permission granted, our CSP on every response', () => {
    let granted: boolean | undefined;
    recorded.session.permission?.({}, 'notifications', (g: boolean) => {
      granted = g;
    });
    expect(granted).toBe(false);
    expect(recorded.session.check?.({}, 'media')).toBe(false);
    let headers: Record<string, unknown> | undefined;
    recorded.session.headers?.(
      { url: APP, responseHeaders: { 'content-security-policy': ['default-src *'] } },
      (r: { responseHeaders: Record<string, unknown> }) => {
        headers = r.responseHeaders;
      },
    );
    expect(headers).toEqual({ 'Content-Security-Policy': [RENDERER_CSP] });
  });

  it('serves the renderer on app:// with its CSP, and nothing outside out/renderer whatever the path', async () => {
    expect(recorded.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    const handle = recorded.protocolHandlers.get('app');
    expect(handle).toBeDefined();
    const page = await handle!({ url: APP, method: 'GET' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect(await page.text()).toBe(fs.readFileSync(path.join(OUT, 'renderer', 'index.html'), 'utf8'));
    const asset = fs.readdirSync(path.join(OUT, 'renderer', 'assets')).find((f) => f.endsWith('.js'))!;
    const js = await handle!({ url: `app://mlbl/assets/${asset}` });
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    for (const url of [
      'app://mlbl/../main/index.js',
      'app://mlbl/%2e%2e/main/index.js',
      'app://mlbl/..%2fmain%2findex.js',
      'app://mlbl/assets/..%2f..%2fmain%2findex.js',
      'app://mlbl/..%5c..%5cpackage.json',
      'app://mlbl/%2fetc%2fpasswd',
      'app://other/index.html',
      'app://mlbl/missing.js',
    ]) {
      const r = await handle!({ url });
      expect(r.status, url).toBe(404);
    }
    expect((await handle!({ url: APP, method: 'POST' })).status).toBe(404);
  });

  it('builds the application menu: new run, import, data folder, reload, zoom, dev tools (not packaged), about with versions and the data folder', async () => {
    const items = flat(recorded.menu ?? []);
    const labels = items.map((i) => i.label).filter(Boolean);
    expect(labels).toEqual(
      expect.arrayContaining(['New Run', 'Import Dataset…', 'Open Data Folder', 'Use Another Data Folder…', 'Notify When a Run Ends', 'About MLBL Workbench']),
    );
    expect(items.map((i) => i.role)).toEqual(expect.arrayContaining(['reload', 'zoomIn', 'zoomOut', 'resetZoom', 'toggleDevTools']));
    items.find((i) => i.id === 'new-run')!.click!({ checked: false });
    items.find((i) => i.id === 'import-dataset')!.click!({ checked: false });
    expect(win().webContents.scripts).toEqual(['location.hash = "#/new"', 'location.hash = "#/datasets/import"']);
    items.find((i) => i.id === 'about')!.click!({ checked: false });
    items.find((i) => i.id === 'open-data-folder')!.click!({ checked: false });
    await until('the about box', () => recorded.messageBoxes.length === 1);
    expect(recorded.messageBoxes[0]?.detail).toContain(`Data folder:\n${userData}`);
    expect(recorded.messageBoxes[0]?.detail).toMatch(/MLBL Workbench 0\.1\.0\n.*Node \d+/s);
    expect(recorded.opened).toContain(userData);
    items.find((i) => i.id === 'notifications')!.click!({ checked: false });
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'settings.json'), 'utf8'))).toMatchObject({ notifications: false });
    items.find((i) => i.id === 'notifications')!.click!({ checked: true });
  });

  it('answers dialog.openPath with the native dialog in the app (the browser gets not_available)', async () => {
    recorded.openDialogAnswers.push({ canceled: false, filePaths: ['/home/user/model.json'] });
    expect(await call('dialog.openPath', { kind: 'file', filters: [{ name: 'TF.js model', extensions: ['json'] }] })).toEqual({
      ok: true,
      result: { path: '/home/user/model.json' },
    });
    expect(await call('dialog.openPath', { kind: 'folder' })).toEqual({ ok: true, result: { path: null } });
    expect(await call('dialog.openPath', { kind: 'disk' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/dialog.openPath: .*kind/) },
    });
  });

  it('trains a run whose engine main starts for the host: events reach the window, the taskbar shows progress, the end is notified', async () => {
    const created = await call('runs.create', { spec: lenetSpec({ epochs: 1, trainLimit: 640, validationLimit: 50, testLimit: 50 }) });
    expect(created.ok).toBe(true);
    const id = (created.result as RunRecord).id;
    const statusOf = () =>
      win()
        .webContents.sent.filter(([ch, ev, p]) => ch === 'api.event' && ev === 'run.status' && (p as RunRecord).id === id)
        .map(([, , p]) => (p as RunRecord).status);
    await until('the run to end', () => ['completed', 'failed', 'diverged'].some((s) => statusOf().includes(s as never)), 120_000);
    expect(statusOf().at(-1)).toBe('completed');
    const engines = recorded.forks.filter((f) => f.modulePath === path.join(OUT, 'main', 'engine.js'));
    expect(engines.length).toBeGreaterThanOrEqual(1);
    expect(win().webContents.sent.some(([ch, ev, p]) => ch === 'api.event' && ev === 'run.metrics' && (p as { runId: string }).runId === id)).toBe(true);
    const progress = win().progress;
    // The engine reports progress at most every 250 ms: 640 images take longer than that.
    expect(
      progress.some((p) => p > 0 && p <= 1),
      `progress bar values: ${progress.join(', ')}`,
    ).toBe(true);
    expect(progress.at(-1)).toBe(-1);
    expect(recorded.notifications).toEqual([expect.objectContaining({ title: expect.stringMatching(/^Run .* finished$/) })]);
    const listed = await call('runs.list', {});
    expect((listed.result as RunRecord[]).find((r) => r.id === id)?.status).toBe('completed');
  });

  it('opens another data folder from the menu: the host restarts on it, the choice is remembered, the page reloads', async () => {
    const first = recorded.forks[0]!.child;
    recorded.openDialogAnswers.push({ canceled: false, filePaths: [otherData] });
    flat(recorded.menu ?? []).find((i) => i.id === 'choose-data-folder')!.click!({ checked: false });
    await until('the page to reload', () => win().webContents.reloads === 1, 30_000);
    expect(first.pid).toBeUndefined(); // the first host closed
    expect(await call('system.info', {})).toMatchObject({ ok: true, result: { dataDir: otherData } });
    expect(await call('runs.list', {})).toEqual({ ok: true, result: [] });
    expect(fs.existsSync(path.join(otherData, 'workbench.db'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'settings.json'), 'utf8'))).toMatchObject({ dataDir: otherData, notifications: true });
  });

  it('refuses a data folder it cannot open, says why, and goes back to the one that worked', async () => {
    const notAFolder = path.join(otherData, 'notes.txt');
    fs.writeFileSync(notAFolder, 'a file, not a folder');
    const reloads = win().webContents.reloads;
    recorded.openDialogAnswers.push({ canceled: false, filePaths: [notAFolder] });
    flat(recorded.menu ?? []).find((i) => i.id === 'choose-data-folder')!.click!({ checked: false });
    await until('the page to reload', () => win().webContents.reloads === reloads + 1, 30_000);
    const box = recorded.errorBoxes.at(-1) ?? '';
    expect(box.startsWith(`cannot open the data folder ${notAFolder}: `), box).toBe(true);
    expect(box.endsWith('\n\nChoose another data folder from the File menu.'), box).toBe(true);
    expect(box).not.toContain('a file, not a folder'); // a reason, never the file's contents
    expect(await call('system.info', {})).toMatchObject({ ok: true, result: { dataDir: otherData } });
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'settings.json'), 'utf8'))).toMatchObject({ dataDir: otherData });
  });

  it('remembers the window bounds on close, and a second launch focuses this window', () => {
    win().emit('close');
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'window-state.json'), 'utf8'))).toEqual({
      bounds: { x: 10, y: 20, width: 1280, height: 860 },
      maximized: false,
    });
    app.emit('second-instance');
    expect(win().focused).toBe(1);
  });

  it('when the host process dies, main kills the engines it started for it and says so; calls get a clear error', async () => {
    // Counted before the call: the host asks for the engine before its reply to runs.create arrives.
    const engineFile = path.join(OUT, 'main', 'engine.js');
    const before = recorded.forks.filter((f) => f.modulePath === engineFile).length;
    const created = await call('runs.create', { spec: lenetSpec({ epochs: 50, trainLimit: 2000 }) });
    const id = (created.result as RunRecord).id;
    const seen = (): string[] =>
      win()
        .webContents.sent.filter(
          ([, ev, p]) => (ev === 'run.status' || ev === 'run.log') && ((p as RunRecord).id === id || (p as { runId?: string }).runId === id),
        )
        .map(([, ev, p]) => (ev === 'run.status' ? (p as RunRecord).status : (p as { message: string }).message));
    await until(
      'the engine to start',
      () => recorded.forks.filter((f) => f.modulePath === engineFile).length > before && seen().some((x) => x !== 'queued'),
      60_000,
      () => seen().join(' | '),
    );
    expect(seen(), 'status and log of the run').toContain('running');
    const engine = recorded.forks.filter((f) => f.modulePath === engineFile).at(-1)!.child;
    const host = recorded.forks.filter((f) => f.modulePath === path.join(OUT, 'main', 'host-process.js')).at(-1)!.child;
    expect(engine.pid).toBeTypeOf('number');
    process.kill(host.pid!, 'SIGKILL');
    await until('the engine to be killed', () => engine.pid === undefined, 15_000);
    expect(recorded.errorBoxes.at(-1)).toMatch(/host process stopped \(exit code \d+\)\. Runs that were training end as interrupted and can be resumed/);
    expect(await call('runs.list', {})).toEqual({ ok: false, error: { code: 'internal', message: 'the host process is not running' } });
  });
});
