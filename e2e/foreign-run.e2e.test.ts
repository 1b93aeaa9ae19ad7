/**
 * Browser end-to-end test of a run that ANOTHER workbench process trains: the real `mlbl serve`
 * on a temporary data directory, a real `mlbl train` child process on the same directory (as from
 * a shell on a headless training machine), Debian's Chromium through playwright-core.
 *
 * The page is loaded once: the run appears in the list, its curve grows and it completes only
 * through the events the server's foreign-runs watcher (src/main/runs/foreign-runs.ts) publishes.
 * The test also checks that the page was neither reloaded nor reconnected (a reconnect reloads
 * the runs list, which would show the run without any event).
 *
 * Needs the renderer built first: `npm run build` (out/renderer). Screenshot: e2e/artifacts/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type Served, checkPrerequisites, closeAll, launchChromium } from './serve-helpers';

const ARTIFACTS = path.join(ROOT, 'e2e/artifacts');
const RUN_NAME = 'from-the-shell';

interface Trainer {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

/** `mlbl train` in its own process, on the server's data directory. */
function train(dataDir: string): Trainer {
  const args = [
    'train',
    '--preset',
    'lenet5-mnist',
    '--set',
    `name=${RUN_NAME}`,
    '--set',
    'epochs=2',
    '--set',
    'trainLimit=1500',
    '--set',
    'validationLimit=300',
    '--set',
    'testLimit=300',
    '--json',
    '--data-dir',
    dataDir,
  ];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, out: () => out, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** The JSON lines `mlbl train --json` printed. */
function events(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{"event":'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('serve mode in Chromium: a run trained by a separate `mlbl train` process', () => {
  let dataDir = '';
  let server: Served | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let trainer: Trainer | undefined;

  beforeAll(async () => {
    checkPrerequisites();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-e2e-foreign-'));
    server = await startServer(dataDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    const t = trainer?.child;
    if (t && t.exitCode === null && t.signalCode === null) {
      const gone = new Promise<void>((r) => t.once('exit', () => r()));
      t.kill('SIGKILL');
      await gone;
    }
    await closeAll({ context, browser, server, dirs: [dataDir] });
  });

  it('shows the run appear, its loss curve grow and the run complete, without a reload; Stop and Pause are disabled, naming the process that runs it', async () => {
    const s = server as Served;
    context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
    });
    let sockets = 0;
    page.on('websocket', () => {
      sockets += 1;
    });
    const details = () => `\n--- mlbl train output ---\n${trainer?.out() ?? ''}\n--- server output ---\n${s.output()}`;

    // The runs list of an empty data directory, connected; a marker that a reload would wipe.
    expect((await page.goto(`${s.base}/?token=${s.token}`))?.status()).toBe(200);
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 20_000 }).toBe(0);
    await page.getByTestId('runs-empty').waitFor({ timeout: 20_000 });
    await page.evaluate(() => {
      (window as unknown as { __loadedOnce: string }).__loadedOnce = 'yes';
    });
    const notReloaded = async () => {
      expect(await page.evaluate(() => (window as unknown as { __loadedOnce?: string }).__loadedOnce), 'the page was reloaded').toBe('yes');
      expect(sockets, 'the page opened another WebSocket (a reconnect reloads the runs list)').toBe(1);
    };

    // A separate process trains on the same data directory.
    trainer = train(dataDir);
    const t = trainer;
    const runId = await (async () => {
      const end = Date.now() + 60_000;
      for (;;) {
        const created = events(t.out()).find((e) => e.event === 'run.created') as { run: { id: string } } | undefined;
        if (created) return created.run.id;
        if (t.child.exitCode !== null || Date.now() > end) throw new Error(`mlbl train printed no run.created${details()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // It appears in the list, running, with no reload.
    const row = page.getByTestId(`run-row-${runId}`);
    await row.waitFor({ timeout: 30_000 }).catch((err: Error) => {
      throw new Error(`${err.message}${details()}`);
    });
    expect(await row.getAttribute('data-run-name')).toBe(RUN_NAME);
    await expect.poll(() => row.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await notReloaded();

    // Its page (a hash route: no reload).
    await row.getByTestId('run-link').click();
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    await expect.poll(() => page.getByTestId('run-name').textContent(), { timeout: 20_000 }).toBe(RUN_NAME);
    const status = () => page.getByTestId('run-status').getAttribute('data-status');
    const lossPoints = async () => Number((await page.getByTestId('loss-chart').getAttribute('data-points')) ?? '0');
    const logLines = () => page.locator('[data-testid="run-logs"] .log-line').count();
    const logsAtOpen = await logLines();

    // This server does not own the run: the page says who does, and Stop and Pause are disabled
    // with the reason (the API refuses them too: src/main/runs/shared-data-dir.test.ts).
    const stop = page.getByRole('button', { name: 'Stop run' });
    const pause = page.getByRole('button', { name: 'Pause run' });
    if ((await status()) === 'running') {
      await expect.poll(() => page.getByTestId('run-owner').textContent(), { timeout: 10_000 }).toContain(`(pid ${t.child.pid} on ${os.hostname()})`);
      expect(await stop.isDisabled()).toBe(true);
      expect(await pause.isDisabled()).toBe(true);
      expect(await stop.getAttribute('title')).toBe(`Runs in another workbench process (pid ${t.child.pid}): stop or pause it there`);
    } else {
      throw new Error(`the run was ${await status()} when its page opened: too late to check its owner${details()}`);
    }

    // The loss curve grows while the other process trains. The page's one runs.metrics query can
    // account for at most one rise (from 0 while it loads); two or more rises need pushed events.
    const runningCounts: number[] = [];
    const deadline = Date.now() + 240_000;
    let st: string | null;
    for (;;) {
      st = await status();
      const n = await lossPoints();
      if (st === 'running') runningCounts.push(n);
      if (st && !['queued', 'running'].includes(st)) break;
      if (Date.now() > deadline) throw new Error(`run still ${st} after 240 s${details()}`);
      await page.waitForTimeout(200);
    }
    const distinct = [...new Set(runningCounts)];
    expect(distinct.length, `loss point counts seen while running: ${distinct.join(',')}`).toBeGreaterThanOrEqual(3);
    expect(
      distinct.every((n, i) => i === 0 || n > (distinct[i - 1] as number)),
      `loss point counts seen while running: ${distinct.join(',')}`,
    ).toBe(true);

    // The trainer exits 0 and the page says completed; every loss point it stored is on the chart.
    expect(await t.exit, `mlbl train exit code${details()}`).toBe(0);
    expect(st, details()).toBe('completed');
    const printed = events(t.out());
    const emittedLoss = printed.filter((e) => e.event === 'run.metrics').flatMap((e) => (e.points as { key: string }[]).filter((p) => p.key === 'loss')).length;
    expect(emittedLoss).toBeGreaterThan(10);
    await expect.poll(lossPoints, { timeout: 10_000 }).toBe(emittedLoss);
    expect(Math.max(...runningCounts)).toBeLessThanOrEqual(emittedLoss);
    await expect.poll(() => page.getByTestId('accuracy-chart').getAttribute('data-points'), { timeout: 10_000 }).toBe('2');
    await expect.poll(() => page.getByTestId('last-val-accuracy').textContent()).toMatch(/^\d+\.\d{2}%$/);
    expect(await stop.isDisabled()).toBe(true);
    // The owner note was about the running run: it goes once the run has ended.
    expect(await page.getByTestId('run-owner').count()).toBe(0);
    // The log lines arrived live too, up to the trainer's last one.
    const lastLog = printed.filter((e) => e.event === 'run.log').pop() as { message: string } | undefined;
    expect(lastLog).toBeDefined();
    await expect.poll(() => page.locator('[data-testid="run-logs"] .log-msg').allTextContents(), { timeout: 10_000 }).toContain(lastLog?.message);
    expect(await logLines()).toBeGreaterThan(logsAtOpen);
    await page.screenshot({ path: path.join(ARTIFACTS, 'foreign-run.png'), fullPage: true });

    // Back on the list (hash route): completed, with its last values.
    await page.getByTestId('nav-runs').click();
    await page.waitForURL(/#\/$/);
    const done = page.getByTestId(`run-row-${runId}`);
    await expect.poll(() => done.getByTestId('run-status').getAttribute('data-status')).toBe('completed');
    expect(await done.getByTestId('run-val-accuracy').textContent()).toMatch(/^\d+\.\d{2}%$/);
    await notReloaded();
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
