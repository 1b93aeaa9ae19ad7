/**
 * Browser end-to-end test of the runs table, the compare page, the run page's chart controls,
 * pause / resume, keyboard shortcuts and themes: the real `mlbl serve` on a temporary data
 * directory, real LeNet-5 training runs (tiny: 256 images, 1 epoch, no test pass) created through
 * the WebSocket API, Debian's Chromium through playwright-core.
 *
 * Needs the renderer built first: `npm run build` (out/renderer). Screenshots: e2e/artifacts/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSeries, RunRecord, ServerMessage } from '../src/shared/api';
import { ROOT, startServer, type Served, checkPrerequisites, closeAll, launchChromium } from './serve-helpers';

const ARTIFACTS = path.join(ROOT, 'e2e/artifacts');

/** A minimal client of the WebSocket API (the same wire format as the renderer's). */
function connect(s: Served): Promise<{ call<T>(method: string, input: unknown): Promise<T>; close(): void }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${s.base.replace('http', 'ws')}/api?token=${s.token}`, { origin: s.base });
    let next = 1;
    const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as ServerMessage;
      if (!('id' in m)) return;
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.ok(m.result);
      else p?.fail(Object.assign(new Error(m.error.message), { code: m.error.code }));
    });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        call: <T>(method: string, input: unknown) =>
          new Promise<T>((ok, fail) => {
            const id = next++;
            pending.set(id, { ok: ok as (v: unknown) => void, fail });
            ws.send(JSON.stringify({ id, method, input }));
          }),
        close: () => ws.close(),
      }),
    );
  });
}

type Api = Awaited<ReturnType<typeof connect>>;

const tiny = (over: Record<string, unknown> = {}) => ({
  epochs: 1,
  trainLimit: 256,
  batchSize: 16,
  validationLimit: 100,
  testLimit: 0,
  learningRate: 0.001,
  ...over,
});

describe('runs table, compare page, run page controls (serve mode, Chromium)', () => {
  let dataDir = '';
  let server: Served;
  let api: Api;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const ids: Record<'a' | 'b' | 'convnet' | 'stopped', string> = { a: '', b: '', convnet: '', stopped: '' };

  const waitTerminal = async (id: string, timeoutMs: number): Promise<RunRecord> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await api.call<RunRecord>('runs.get', { id });
      if (!['queued', 'running'].includes(r.status)) return r;
      if (Date.now() > deadline) throw new Error(`run ${r.name} still ${r.status} after ${timeoutMs} ms\n${server.output()}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  };
  const rowNames = () => page.locator('[data-testid^="run-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-name')));
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

  beforeAll(async () => {
    checkPrerequisites();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-e2e-compare-'));
    server = await startServer(dataDir);
    api = await connect(server);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
    });
  });

  afterAll(async () => {
    api?.close();
    await closeAll({ context, browser, server, dirs: [dataDir] });
  });

  it('shows queue positions, filters, searches, sorts, tags and deletes runs in the table', async () => {
    // Four runs at once on one engine slot: A runs, the others queue behind it.
    const create = (name: string, preset: string, params: Record<string, unknown>) => api.call<RunRecord>('runs.create', { spec: { preset, name, params } });
    ids.a = (await create('cmp-a', 'lenet5-mnist', tiny())).id;
    ids.b = (await create('cmp-b', 'lenet5-mnist', tiny({ learningRate: 0.002 }))).id;
    ids.stopped = (await create('cmp-stopped', 'lenet5-mnist', tiny())).id;
    ids.convnet = (await create('cmp-convnet', 'convnet', tiny())).id;
    expect((await api.call<RunRecord>('runs.stop', { id: ids.stopped })).status).toBe('stopped');

    await page.goto(`${server.base}/?token=${server.token}`);
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count(), { timeout: 20_000 }).toBe(4);
    // Queued runs show where they stand (A is still starting or training: an engine takes seconds to start).
    await expect.poll(() => page.getByTestId(`run-row-${ids.b}`).getByTestId('run-queue-position').textContent()).toBe(' #1 in queue');
    expect(await page.getByTestId(`run-row-${ids.convnet}`).getByTestId('run-queue-position').textContent()).toBe(' #2 in queue');
    expect(await page.getByTestId(`run-row-${ids.stopped}`).getByTestId('run-queue-position').count()).toBe(0);
    await shot('runs-table-queued.png');

    for (const id of [ids.a, ids.b, ids.convnet]) expect((await waitTerminal(id, 240_000)).status).toBe('completed');
    await expect
      .poll(() => page.getByTestId(`run-row-${ids.convnet}`).getByTestId('run-status').getAttribute('data-status'), { timeout: 20_000 })
      .toBe('completed');
    expect(await page.getByTestId(`run-row-${ids.a}`).getByTestId('run-backend').textContent()).toMatch(/^(tensorflow|wasm|cpu)/);

    // Filters and search narrow the list; the count says so.
    await page.getByLabel('Filter by status', { exact: true }).selectOption('stopped');
    await expect.poll(rowNames).toEqual(['cmp-stopped']);
    expect(await page.getByTestId('runs-count').textContent()).toBe('1 of 4 runs');
    await page.getByLabel('Filter by status', { exact: true }).selectOption('completed');
    await expect.poll(async () => (await rowNames()).sort()).toEqual(['cmp-a', 'cmp-b', 'cmp-convnet']);
    await page.getByLabel('Filter by model', { exact: true }).selectOption('convnet');
    await expect.poll(rowNames).toEqual(['cmp-convnet']);
    await page.getByTestId('clear-filters').click();
    await page.getByLabel('Filter by dataset', { exact: true }).selectOption('mnist');
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(4);
    await page.getByLabel('Search runs').fill('CMP-B');
    await expect.poll(rowNames).toEqual(['cmp-b']);
    await page.getByLabel('Search runs').fill('no such run');
    await page.getByTestId('runs-none-match').waitFor();
    await page.getByTestId('clear-filters').click();
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(4);

    // Sort by name, both ways.
    await page.getByTestId('sort-name').click();
    await expect.poll(rowNames).toEqual(['cmp-a', 'cmp-b', 'cmp-convnet', 'cmp-stopped']);
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Name');
    await page.getByTestId('sort-name').click();
    await expect.poll(rowNames).toEqual(['cmp-stopped', 'cmp-convnet', 'cmp-b', 'cmp-a']);

    // Tag and annotate A; the tags are stored and filter the table.
    await page.getByRole('button', { name: 'Edit run cmp-a' }).click();
    const dialog = page.getByTestId('edit-run-dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Tags').fill('baseline, lr-sweep, baseline');
    await dialog.getByLabel('Notes').fill('first try\nlr 0.001');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('edit-run-dialog').count()).toBe(0);
    await expect.poll(() => page.getByTestId(`run-row-${ids.a}`).getByTestId('run-tag').allTextContents()).toEqual(['baseline', 'lr-sweep']);
    expect(await page.getByTestId(`run-row-${ids.a}`).getByTestId('run-notes').textContent()).toBe('first try');
    expect(await api.call<RunRecord>('runs.get', { id: ids.a })).toMatchObject({ tags: ['baseline', 'lr-sweep'], notes: 'first try\nlr 0.001' });
    await page.getByLabel('Filter by tag', { exact: true }).selectOption('lr-sweep');
    await expect.poll(rowNames).toEqual(['cmp-a']);
    await page.getByTestId('clear-filters').click();
    await page.getByTestId(`run-row-${ids.a}`).getByRole('button', { name: 'Filter by tag baseline' }).click();
    await expect.poll(rowNames).toEqual(['cmp-a']);
    expect(await page.getByLabel('Filter by tag', { exact: true }).inputValue()).toBe('baseline');
    await shot('runs-table-filtered.png');
    await page.getByTestId('clear-filters').click();

    // Delete asks first; Cancel keeps the run, Delete removes it (also on the server).
    await page.getByRole('button', { name: 'Delete run cmp-stopped' }).click();
    await page.getByTestId('delete-run-dialog').waitFor({ state: 'visible' });
    await page.getByTestId('delete-run-dialog-cancel').click();
    await page.getByTestId('delete-run-dialog').waitFor({ state: 'hidden' });
    expect(await page.getByTestId(`run-row-${ids.stopped}`).count()).toBe(1);
    await page.getByRole('button', { name: 'Delete run cmp-stopped' }).click();
    await page.getByTestId('delete-run-dialog-confirm').click();
    await expect.poll(() => page.getByTestId(`run-row-${ids.stopped}`).count(), { timeout: 20_000 }).toBe(0);
    await expect(api.call('runs.get', { id: ids.stopped })).rejects.toMatchObject({ code: 'not_found' });
    await shot('runs-table.png');
  });

  it('compares two finished runs that differ in one key: the diff shows only that key', async () => {
    await page.goto(`${server.base}/#/`);
    await page.getByTestId(`run-row-${ids.a}`).waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('compare-selected').isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: 'Select run cmp-a' }).check();
    await page.getByRole('checkbox', { name: 'Select run cmp-b' }).check();
    await page.getByTestId('compare-selected').click();
    await page.waitForURL(new RegExp(`#/compare\\?ids=${ids.a},${ids.b}$`));
    const cmp = page.getByTestId('compare-page');
    await expect.poll(() => cmp.getAttribute('data-loaded'), { timeout: 20_000 }).toBe('true');

    // Names differ too, but they head the columns; the configuration diff is exactly learningRate.
    const rows = page.getByTestId('config-diff-row');
    expect(await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')))).toEqual(['params.learningRate']);
    expect(await rows.first().locator('td').allTextContents()).toEqual(['0.001', '0.002']);

    // One curve per run, overlaid.
    await expect.poll(() => page.getByTestId('compare-chart').getAttribute('data-series')).toBe('2');
    expect(await page.getByTestId('compare-chart').getAttribute('data-metric')).toBe('loss');
    await expect.poll(() => page.locator('[data-testid="compare-chart"] .line-main path.recharts-line-curve').count()).toBe(2);
    await page.getByTestId('compare-metric').selectOption('val_accuracy');
    await expect.poll(() => page.getByTestId('compare-chart').getAttribute('data-metric')).toBe('val_accuracy');

    // Best and final values side by side: min for losses, max for accuracies; final = the stored last value.
    const bf = (key: string) => page.locator(`[data-testid="best-final-row"][data-key="${key}"]`);
    expect(await bf('loss').getAttribute('data-goal')).toBe('min');
    expect(await bf('val_accuracy').getAttribute('data-goal')).toBe('max');
    expect(await bf('learning_rate').getAttribute('data-goal')).toBe('');
    const [aRun, bRun] = await Promise.all([api.call<RunRecord>('runs.get', { id: ids.a }), api.call<RunRecord>('runs.get', { id: ids.b })]);
    const finals = await bf('val_accuracy').getByTestId('final-value').allTextContents();
    expect(finals.map((t) => t.replace(' ★', ''))).toEqual([aRun, bRun].map((r) => `${((r.summary.val_accuracy as number) * 100).toFixed(2)}%`));
    const [lossA] = await api.call<MetricSeries[]>('runs.metrics', { id: ids.a, keys: ['loss'] });
    const minLoss = Math.min(...(lossA as MetricSeries).points.map((p) => p.value));
    expect(Number((await bf('loss').getByTestId('best-value').first().textContent())?.replace(' ★', ''))).toBeCloseTo(minLoss, 2);
    await shot('compare.png');
  });

  it('run page: metric choice, smoothing, x-axis, log scale and hover change the chart', async () => {
    await page.goto(`${server.base}/#/runs/${ids.a}`);
    const chart = page.getByTestId('loss-chart');
    const [loss] = await api.call<MetricSeries[]>('runs.metrics', { id: ids.a, keys: ['loss'] });
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 20_000 }).toBe(String((loss as MetricSeries).points.length));
    expect(await page.getByTestId('run-backend').textContent()).toMatch(/^(tensorflow|wasm|cpu)/);
    expect(await page.getByTestId('run-versions').textContent()).toMatch(/node/);
    expect(await page.getByTestId('run-page-tags').textContent()).toContain('lr-sweep');
    const main = chart.locator('.line-main path.recharts-line-curve').first();
    const raw = chart.locator('.line-raw path.recharts-line-curve').first();
    const ticks = () => chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
    const yTicks = () => chart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();

    // Smoothing (the slider driven from the keyboard): at 0 the smoothed line is the raw line; at 0.99 it is not.
    const slider = page.getByRole('slider', { name: 'Smoothing' });
    await slider.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('chart-smoothing-value').textContent()).toBe('0.00');
    await expect.poll(async () => (await main.getAttribute('d')) === (await raw.getAttribute('d'))).toBe(true);
    const d0 = await main.getAttribute('d');
    await page.keyboard.press('End');
    await expect.poll(() => chart.getAttribute('data-smoothing')).toBe('0.99');
    await expect.poll(() => main.getAttribute('d')).not.toBe(d0);
    expect(await main.getAttribute('d')).not.toBe(await raw.getAttribute('d'));

    // X axis: steps, then epochs (fractions of the one epoch), then wall time in seconds.
    const stepTicks = await ticks();
    await page.getByLabel('X axis').selectOption('epoch');
    await expect.poll(() => chart.getAttribute('data-x-axis')).toBe('epoch');
    await expect.poll(ticks).not.toEqual(stepTicks);
    expect((await ticks()).every((t) => Number(t) <= 1)).toBe(true);
    await page.getByLabel('X axis').selectOption('wall');
    await expect.poll(async () => (await ticks()).some((t) => t.endsWith(' s'))).toBe(true);
    await page.getByLabel('X axis').selectOption('step');
    await expect.poll(ticks).toEqual(stepTicks);

    // Log scale: decade ticks, another path.
    const linearY = await yTicks();
    const dLinear = await main.getAttribute('d');
    await page.getByLabel('Log scale').check();
    await expect.poll(() => chart.getAttribute('data-log-scale')).toBe('true');
    await expect.poll(yTicks).not.toEqual(linearY);
    expect(await main.getAttribute('d')).not.toBe(dLinear);
    await page.getByLabel('Log scale').uncheck();
    await expect.poll(yTicks).toEqual(linearY);

    // Hover read-out.
    const box = await chart.locator('.recharts-surface').first().boundingBox();
    if (!box) throw new Error('the loss chart has no drawing surface');
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
    await expect.poll(() => chart.locator('.recharts-tooltip-wrapper').textContent(), { timeout: 5_000 }).toMatch(/step \d+/);

    // Any metric key of the run in either slot.
    await page.getByTestId('loss-chart-key').selectOption('val_loss');
    await expect.poll(() => chart.getAttribute('data-metric')).toBe('val_loss');
    expect(await chart.getAttribute('data-points')).toBe('1');
    expect(await page.getByTestId('accuracy-chart').getAttribute('data-metric')).toBe('val_accuracy');
    expect(await page.getByTestId('last-val-accuracy').textContent()).toMatch(/^\d+\.\d{2}%$/);
    // The spec, collapsed until asked for.
    expect(await page.getByTestId('run-spec').isVisible()).toBe(false);
    await page.getByTestId('run-spec-details').locator('summary').click();
    expect(await page.getByTestId('run-spec').textContent()).toContain('"learningRate": 0.001');
    await page.getByTestId('loss-chart-key').selectOption('loss');
    await slider.focus();
    for (let i = 0; i < 39; i++) await page.keyboard.press('ArrowLeft');
    await expect.poll(() => chart.getAttribute('data-smoothing')).toBe('0.6');
    await shot('run-page.png');
  });

  it('pauses and resumes a real run from its page', async () => {
    const run = await api.call<RunRecord>('runs.create', {
      spec: { preset: 'lenet5-mnist', name: 'cmp-pause', params: tiny({ epochs: 3, trainLimit: 3000, batchSize: 32 }) },
    });
    await page.goto(`${server.base}/#/runs/${run.id}`);
    const status = () => page.getByTestId('run-status').getAttribute('data-status');
    const total = async () => Number((await page.getByTestId('loss-chart').getAttribute('data-total')) ?? '0');
    await expect.poll(status, { timeout: 60_000 }).toBe('running');
    await expect.poll(total, { timeout: 60_000 }).toBeGreaterThan(2);
    expect(await page.getByRole('button', { name: 'Resume run' }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Pause run' }).click();
    await expect.poll(status, { timeout: 90_000 }).toBe('paused');
    expect(await page.getByTestId('run-action-error').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Pause run' }).isDisabled()).toBe(true);
    const pausedAt = await total();
    await shot('run-paused.png');

    await page.getByRole('button', { name: 'Resume run' }).click();
    await expect.poll(status, { timeout: 60_000 }).toBe('running');
    // Training goes on from the checkpoint: more loss points arrive after the resume.
    await expect.poll(total, { timeout: 120_000 }).toBeGreaterThan(pausedAt);
    await expect
      .poll(() => page.locator('[data-testid="run-logs"] .log-line').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('resume requested')]));
    await page.getByRole('button', { name: 'Stop run' }).click();
    await expect.poll(status, { timeout: 60_000 }).toBe('stopped');
    // A completed run cannot be paused; the server's refusal would be shown (here the button is disabled).
    expect(await page.getByRole('button', { name: 'Pause run' }).isDisabled()).toBe(true);
  });

  it('keyboard shortcuts, the help overlay, and a dark theme that persists', async () => {
    await page.goto(`${server.base}/#/`);
    await page.getByTestId(`run-row-${ids.a}`).waitFor({ timeout: 20_000 });
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('runs-search');
    // Typing in the search box is text, not shortcuts ('c' would compare, 'n' open the form).
    await page.keyboard.type('cmp-convnet');
    await expect.poll(rowNames).toEqual(['cmp-convnet']);
    expect(page.url()).toMatch(/#\/$/);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(4);

    await page.keyboard.press('?');
    await page.getByTestId('shortcuts-help').waitFor({ state: 'visible' });
    expect(await page.getByTestId('shortcuts-help').textContent()).toContain('Compare the runs ticked');
    await page.keyboard.press('n'); // inert while the dialog is open
    expect(page.url()).toMatch(/#\/$/);
    await page.keyboard.press('Escape');
    await page.getByTestId('shortcuts-help').waitFor({ state: 'detached' });

    // Tick two runs (the ticks live in the page's state), then `c` compares them.
    await page.getByRole('checkbox', { name: 'Select run cmp-a' }).check();
    await page.getByRole('checkbox', { name: 'Select run cmp-convnet' }).check();
    await page.locator('h1').first().click();
    await page.keyboard.press('c');
    await page.waitForURL(/#\/compare\?ids=/);
    await expect.poll(() => page.getByTestId('compare-page').getAttribute('data-loaded'), { timeout: 20_000 }).toBe('true');

    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.keyboard.press('t');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await bg()).toBe('rgb(18, 21, 27)');
    await shot('compare-dark.png');
    await page.reload();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.goto(`${server.base}/#/runs/${ids.a}`);
    await page.getByTestId('loss-chart').waitFor();
    await shot('run-page-dark.png');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await expect.poll(bg).toBe('rgb(246, 247, 249)');
    expect(await page.evaluate(() => window.localStorage.getItem('mlbl.theme'))).toBe('light');

    await page.keyboard.press('n');
    await page.waitForURL(/#\/new$/);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
