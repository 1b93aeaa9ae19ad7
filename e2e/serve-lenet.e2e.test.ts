/**
 * Browser end-to-end test of serve mode: the real `mlbl serve` on a temporary data directory,
 * Debian's Chromium through playwright-core (never a downloaded browser).
 *
 * Needs the renderer built first: `npm run build` (out/renderer).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, startServer, type Served, checkPrerequisites, closeAll, launchChromium } from './serve-helpers';

/** Resolves with the HTTP status a WebSocket upgrade to `url` was answered with (101 if it opened). */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('serve mode in Chromium: a LeNet-5 run from the form', () => {
  let dataDir = '';
  let server: Served | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    checkPrerequisites();
    fs.mkdirSync(RESULTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-e2e-'));
    server = await startServer(dataDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await closeAll({ context, browser, server, dirs: [dataDir] });
  });

  it('refuses the page and the WebSocket without the token (401)', async () => {
    const s = server as Served;
    expect((await fetch(`${s.base}/`)).status).toBe(401);
    expect((await fetch(`${s.base}/?token=not-the-token`)).status).toBe(401);
    expect((await fetch(`${s.base}/index.html`)).status).toBe(401);
    expect(await upgradeStatus(`${s.base.replace('http', 'ws')}/api`, s.base)).toBe(401);

    const ctx = await (browser as Browser).newContext();
    try {
      const page = await ctx.newPage();
      const res = await page.goto(`${s.base}/`);
      expect(res?.status()).toBe(401);
    } finally {
      await ctx.close();
    }
  });

  it('creates a run from the form, streams its loss curve, completes, and lists it after a reload', async () => {
    const s = server as Served;
    context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
    });

    const first = await page.goto(`${s.base}/?token=${s.token}`);
    expect(first?.status()).toBe(200);
    // The server sets an HttpOnly cookie so later requests need no token in the URL.
    const cookies = await context.cookies(s.base);
    expect(cookies.some((c) => c.httpOnly && c.value === s.token)).toBe(true);

    // Connected (no banner), empty list on a fresh data directory, system info in the footer.
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 20_000 }).toBe(0);
    await page.getByTestId('runs-empty').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('system-data-dir').textContent(), { timeout: 20_000 }).toBe(dataDir);

    // The form: an invalid value gets an inline error naming the field.
    await page.getByTestId('nav-new-run').click();
    await page.waitForURL(/#\/new$/);
    const runName = `e2e-lenet-${Date.now()}`;
    await page.getByLabel('Name', { exact: true }).fill(runName);
    await page.getByLabel('Epochs', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => page.getByTestId('error-epochs').textContent()).toMatch(/^Epochs: /);
    expect(page.url()).toMatch(/#\/new$/);

    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await page.getByLabel('Training-set limit', { exact: true }).fill('1000');
    await page.getByLabel('Validation images', { exact: true }).fill('500');
    await page.getByLabel('Batch size', { exact: true }).fill('50');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/[A-Za-z0-9_-]+$/, { timeout: 20_000 });
    const runId = /#\/runs\/([A-Za-z0-9_-]+)$/.exec(page.url())?.[1] as string;
    expect(runId).toBeTruthy();
    await expect.poll(() => page.getByTestId('run-name').textContent()).toBe(runName);

    // Watch the loss curve gain points while the run is running.
    const status = () => page.getByTestId('run-status').getAttribute('data-status');
    const lossPoints = async () => Number((await page.getByTestId('loss-chart').getAttribute('data-points')) ?? '0');
    const runningCounts: number[] = [];
    const deadline = Date.now() + 270_000;
    let st: string | null;
    for (;;) {
      st = await status();
      const n = await lossPoints();
      if (st === 'running' && n > 0) runningCounts.push(n);
      if (st && !['queued', 'running'].includes(st)) break;
      if (Date.now() > deadline) throw new Error(`run still ${st} after 270 s\n${s.output()}`);
      await page.waitForTimeout(100);
    }
    if (st !== 'completed') {
      const err = await page
        .getByTestId('run-error')
        .textContent()
        .catch(() => null);
      throw new Error(`run ended ${st}: ${err ?? '(no error text)'}\n--- server output ---\n${s.output()}`);
    }
    const grew = runningCounts.some((n, i) => i > 0 && n > (runningCounts[0] as number));
    expect(grew, `loss point counts seen while running: ${runningCounts.join(',')}`).toBe(true);

    // Final state of the run page.
    await expect.poll(lossPoints).toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.getByTestId('accuracy-chart').getAttribute('data-points'), { timeout: 15_000 }).toBe('2');
    await expect.poll(() => page.getByTestId('last-val-accuracy').textContent()).toMatch(/^\d+\.\d{2}%$/);
    expect(await page.getByTestId('run-backend').textContent()).toMatch(/^(tensorflow|wasm|cpu)/);
    expect(await page.getByTestId('stop-run').isDisabled()).toBe(true);
    // The rendered SVG path of the raw loss line has one vertex per point.
    const n = await lossPoints();
    const d = (await page.locator('[data-testid="loss-chart"] .line-raw path.recharts-line-curve').first().getAttribute('d')) ?? '';
    expect((d.match(/[ML]/g) ?? []).length).toBe(n);
    // A filter snapshot per epoch (the engine may add one of the initial weights), drawn as canvases; logs arrived.
    await expect
      .poll(async () => Number((await page.getByTestId('filters-panel').getAttribute('data-snapshots')) ?? '0'), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    await expect.poll(async () => Number((await page.getByTestId('filter-grid').getAttribute('data-count')) ?? '0'), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="filter-grid"] canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid="run-logs"] .log-line').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(RESULTS, 'run-page.png'), fullPage: true });

    // Reload on the list, this time without the token in the URL (the cookie authenticates).
    await page.goto(`${s.base}/#/`);
    await page.reload();
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 20_000 }).toBe(0);
    const row = page.getByTestId(`run-row-${runId}`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getAttribute('data-run-name')).toBe(runName);
    expect(await row.getByTestId('run-status').getAttribute('data-status')).toBe('completed');
    expect(await row.getByTestId('run-val-accuracy').textContent()).toMatch(/^\d+\.\d{2}%$/);
    expect(await row.getByTestId('run-loss').textContent()).toMatch(/\d/);
    await page.screenshot({ path: path.join(RESULTS, 'runs-list.png'), fullPage: true });

    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('stops a running run from its page', async () => {
    const s = server as Served;
    context ??= await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${s.base}/?token=${s.token}#/new`);
    await page.getByLabel('Name', { exact: true }).fill('e2e-stop');
    await page.getByLabel('Epochs', { exact: true }).fill('20');
    await page.getByLabel('Training-set limit', { exact: true }).fill('5000');
    await page.getByLabel('Validation images', { exact: true }).fill('100');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/[A-Za-z0-9_-]+$/, { timeout: 20_000 });
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await expect.poll(async () => Number((await page.getByTestId('loss-chart').getAttribute('data-points')) ?? '0'), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Stop run' }).click();
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('stopped');
    expect(await page.getByRole('button', { name: 'Stop run' }).isDisabled()).toBe(true);
    await page.close();
  });
});
