/**
 * The real desktop app end to end: playwright-core's `_electron.launch` opens the built app
 * (out/main/index.js, `npx electron-vite build`), a LeNet-5 run is started from the form and its
 * loss curve is seen. Needs the Electron binary (node_modules/electron/dist, fetched by electron's
 * install script) and a display (xvfb-run on a headless Linux). Where the binary does not exist it
 * prints one line saying why and the test is skipped: counted as not run, never as passed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './serve-helpers';

function electronBinary(): { bin: string | null; why: string } {
  const dir = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile))
    return {
      bin: null,
      why: `no Electron binary (${path.relative(ROOT, pathFile)} missing: electron's install script could not download it, its download host is unreachable here)`,
    };
  const bin = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(bin) ? { bin, why: '' } : { bin: null, why: `no Electron binary at ${bin}` };
}

const { bin, why } = electronBinary();
const built = fs.existsSync(path.join(ROOT, 'out', 'main', 'index.js')) && fs.existsSync(path.join(ROOT, 'out', 'main', 'host-process.js'));
if (!bin) process.stdout.write(`electron e2e NOT RUN: ${why}\n`);
else if (!built) throw new Error('out/main is missing: run `npx electron-vite build` before the Electron e2e test');

describe.skipIf(!bin)('the desktop app in Electron: a LeNet-5 run from the form', () => {
  let app: ElectronApplication | undefined;
  const dirs: string[] = [];
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('opens the window with the API, starts a run, and draws its loss curve until it completes', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-electron-e2e-'));
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-electron-user-'));
    dirs.push(dataDir, userData);
    // --user-data-dir: a workbench the user has open must not hold the single-instance lock.
    app = await _electron.launch({
      executablePath: bin as string,
      args: [ROOT, `--user-data-dir=${userData}`],
      env: { ...process.env, MLBL_DATA_DIR: dataDir, ELECTRON_RENDERER_URL: '' },
      timeout: 60_000,
    });
    const page = await app.firstWindow();
    expect(page.url()).toMatch(/^app:\/\/mlbl\/index\.html/);
    expect(await page.evaluate(() => Object.keys((window as unknown as { mlbl: object }).mlbl).sort())).toEqual(['call', 'on']);
    await expect.poll(() => page.getByTestId('system-data-dir').textContent(), { timeout: 30_000 }).toBe(dataDir);
    await page.getByTestId('nav-new-run').click();
    await page.getByLabel('Name', { exact: true }).fill('electron e2e');
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByLabel('Training-set limit', { exact: true }).fill('500');
    await page.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => page.getByTestId('run-name').textContent(), { timeout: 30_000 }).toBe('electron e2e');
    const lossPoints = async () => Number((await page.getByTestId('loss-chart').getAttribute('data-points')) ?? '0');
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 240_000 }).toBe('completed');
    await expect.poll(lossPoints).toBeGreaterThanOrEqual(1);
  });
});
