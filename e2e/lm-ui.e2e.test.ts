/**
 * Browser end-to-end test of the language-model UI: the real `mlbl serve` on a temporary data
 * directory, Debian's Chromium through playwright-core. flickr8k-mini is imported through the API
 * (referenced in place), a tiny LBL run is started from the language-model form and trained for
 * real; then the run page's captions panel, the caption exports (CSV, JSONL, COCO: each
 * downloaded file is parsed and must hold one caption per test image), the metrics and model
 * exports, and the caption explorer (moving the temperature slider sends one debounced decode
 * request with the new temperature and re-renders the caption). Screenshots go to e2e/artifacts/.
 *
 * Needs the renderer built first: `npm run build` (out/renderer).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetItem } from '../src/shared/dataset-schema';
import { ROOT, startServer, type Served, checkPrerequisites, closeAll, launchChromium } from './serve-helpers';

const MINI = path.resolve(ROOT, '../shared/datasets/flickr8k-mini');
const MINI_CSV = path.join(MINI, 'captions.csv');
const MINI_IMAGES = path.join(MINI, 'images');
const ARTIFACTS = path.join(ROOT, 'e2e/artifacts');

/** One API call over the server's WebSocket, as a second client beside the browser. */
function apiCall<T>(s: Served, method: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${s.base.replace('http', 'ws')}/api?token=${s.token}`, { origin: s.base });
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method, input })));
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { id?: number; ok?: boolean; result?: T; error?: { message: string } };
      if (m.id !== 1) return;
      ws.close();
      if (m.ok) resolve(m.result as T);
      else reject(new Error(`${method}: ${m.error?.message ?? 'failed'}`));
    });
    ws.once('error', reject);
  });
}

/** Minimal RFC 4180 reader (quoted fields, "" escapes), independent of the code under test. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(f);
      f = '';
    } else if (c === '\n') {
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
    } else if (c !== '\r') f += c;
  }
  if (f || row.length) {
    row.push(f);
    rows.push(row);
  }
  return rows;
}

describe('language-model UI in Chromium: form, captions panel, exports, caption explorer', () => {
  let dataDir = '';
  let server: Served | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let datasetId = '';
  let runId = '';
  let testKeys: string[] = [];
  const problems: string[] = [];
  /** Every `runs.decode` request the page sent over its WebSocket. */
  const decodeRequests: Record<string, unknown>[] = [];

  beforeAll(async () => {
    checkPrerequisites();
    if (!fs.existsSync(MINI_CSV)) throw new Error(`${MINI_CSV} is missing: the shared datasets live beside the project (../shared/datasets)`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-e2e-lm-'));
    server = await startServer(dataDir);
    const report = await apiCall<{ dataset: { id: string; counts: { splits: { test: number } } } }>(server, 'datasets.import', {
      path: MINI_CSV,
      images: MINI_IMAGES,
      verify: 'header',
    });
    datasetId = report.dataset.id;
    const items = await apiCall<{ total: number; items: DatasetItem[] }>(server, 'datasets.items', { id: datasetId, split: 'test', limit: 1000 });
    testKeys = items.items.map((i) => i.key).sort();
    expect(testKeys.length).toBe(report.dataset.counts.splits.test);
    expect(testKeys.length).toBeGreaterThan(10);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme: 'light', acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
    });
    page.on('websocket', (ws) => {
      ws.on('framesent', (frame) => {
        const text = typeof frame.payload === 'string' ? frame.payload : frame.payload.toString();
        try {
          const m = JSON.parse(text) as { method?: string; input?: Record<string, unknown> };
          if (m.method === 'runs.decode' && m.input) decodeRequests.push(m.input);
        } catch {
          // not a request
        }
      });
    });
  }, 180_000);

  afterAll(async () => {
    await closeAll({ context, browser, server, dirs: [dataDir] });
  });

  const s = () => server as Served;

  it('starts an LBL run from the language-model form (inline errors, queue position) and shows its captions panel', async () => {
    await page.goto(`${s().base}/?token=${s().token}#/new`);
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 20_000 }).toBe(0);
    await page.getByTestId('run-family-lm').check();
    const form = page.getByTestId('lm-run-form');
    await form.waitFor();
    // MLBL-B asks for image features: without an extractor the form names the field.
    await form.getByTestId('lm-field-model').selectOption('mlbl-b');
    await form.getByTestId('lm-submit').click();
    await expect.poll(() => form.getByTestId('lm-error-extractor').textContent()).toMatch(/^Extractor model: /);
    expect(await form.getByTestId('lm-field-extractorKind').isVisible()).toBe(true);
    await form.getByTestId('lm-field-model').selectOption('lbl');
    expect(await form.getByTestId('lm-field-extractorKind').count()).toBe(0);
    await expect.poll(() => form.getByTestId('lm-field-dataset').locator('option').count(), { timeout: 20_000 }).toBeGreaterThan(1);
    await form.getByTestId('lm-field-dataset').selectOption(datasetId);
    await form.getByLabel('Name', { exact: true }).fill('e2e-lbl');

    // An invalid value: an inline error that names the field, and nothing is created.
    await form.getByLabel('Epochs', { exact: true }).fill('0');
    await form.getByLabel('Word vector size (K)', { exact: true }).fill('1');
    await form.getByTestId('lm-submit').click();
    await expect.poll(() => form.getByTestId('lm-error-epochs').textContent()).toBe('Epochs: must be at least 1');
    expect(await form.getByTestId('lm-error-K').textContent()).toBe('Word vector size (K): must be at least 2');
    expect(page.url()).toMatch(/#\/new$/);

    await form.getByLabel('Epochs', { exact: true }).fill('3');
    await form.getByLabel('Word vector size (K)', { exact: true }).fill('24');
    await form.getByTestId('lm-field-recipe').selectOption('adam');
    await form.getByLabel('Learning rate', { exact: true }).fill('0.01');
    await form.locator('details.fieldset-details > summary').click();
    await form.getByLabel('Training images', { exact: true }).fill('120');
    await form.getByLabel('BLEU images', { exact: true }).fill('8');
    await form.getByLabel('Evaluate every', { exact: true }).fill('1');
    await form.getByLabel('Sample every', { exact: true }).fill('40');
    await page.screenshot({ path: path.join(ARTIFACTS, 'lm-new-run-form.png'), fullPage: true });
    await form.getByTestId('lm-submit').click();
    // Starting the run opens its page, at the top (issue 18, problem 3).
    await page.waitForURL(/#\/runs\/[A-Za-z0-9_-]+$/, { timeout: 20_000 });
    await page.getByTestId('run-status').waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    runId = /#\/runs\/([A-Za-z0-9_-]+)$/.exec(page.url())?.[1] as string;

    // Samples arrive while the run trains (live), then the run completes.
    const panel = page.getByTestId('captions-panel');
    const status = () => page.getByTestId('run-status').getAttribute('data-status');
    const seenWhileRunning = new Set<number>();
    const deadline = Date.now() + 240_000;
    for (;;) {
      const st = await status();
      const last = Number((await panel.getAttribute('data-last-step').catch(() => null)) ?? '-1');
      if (st === 'running' && last >= 0) seenWhileRunning.add(last);
      if (st && !['queued', 'running'].includes(st)) break;
      if (Date.now() > deadline) throw new Error(`run still ${st} after 240 s\n${s().output()}`);
      await page.waitForTimeout(150);
    }
    expect(await status()).toBe('completed');
    // Captions of later steps arrived while the run was training (run.sample events).
    expect(seenWhileRunning.size, `last sampled steps seen while running: ${[...seenWhileRunning].join(',')}`).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => Number((await panel.getAttribute('data-images')) ?? '0'), { timeout: 20_000 }).toBe(8);
    const cards = page.getByTestId('caption-card');
    expect(await cards.count()).toBe(8);
    // Step 0 and every 40 steps: each image has captions from several steps.
    await expect.poll(async () => Number((await cards.first().getAttribute('data-steps')) ?? '0'), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    expect(await cards.first().getByTestId('caption-step').count()).toBeGreaterThanOrEqual(3);
    expect(((await cards.first().getByTestId('caption-latest-greedy').textContent()) ?? '').replace('greedy', '').trim().length).toBeGreaterThan(0);
    expect(await cards.first().getByTestId('caption-bleu').textContent()).toMatch(/B1 \d\.\d{3} · B2 \d\.\d{3} · B3 \d\.\d{3} · B4 \d\.\d{3}/);
    expect(await cards.first().locator('.caption-refs li').count()).toBe(5);
    // Thumbnails of the dataset's images.
    await expect.poll(() => page.getByTestId('caption-thumb').count(), { timeout: 20_000 }).toBe(8);
    // Perplexity per epoch (0..3) and BLEU every epoch.
    await expect
      .poll(async () => Number((await page.getByTestId('perplexity-chart').getAttribute('data-points')) ?? '0'), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(4);
    expect(Number(await page.getByTestId('bleu-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(12);
    await page.screenshot({ path: path.join(ARTIFACTS, 'lm-run-page.png'), fullPage: true });
  }, 300_000);

  async function download(click: () => Promise<void>): Promise<{ name: string; text: string }> {
    const [d] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), click()]);
    const file = await (d as Download).path();
    return { name: (d as Download).suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
  }

  it('exports captions as CSV, JSONL and COCO results: one caption per test image; metrics and the model too', async () => {
    expect(runId).toBeTruthy();
    const exp = page.getByTestId('run-export');
    await exp.waitFor();
    const exportCaptions = async (format: string) => {
      await exp.getByTestId('export-caption-format').selectOption(format);
      return download(() => exp.getByTestId('export-captions').click());
    };

    const csv = await exportCaptions('csv');
    expect(csv.name).toBe(`${runId}-captions-test.csv`);
    const rows = readCsv(csv.text);
    expect(rows[0]).toEqual(['image', 'caption']);
    expect(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(testKeys);
    for (const r of rows.slice(1)) {
      expect(r).toHaveLength(2);
      expect((r[1] ?? '').trim().length).toBeGreaterThan(0);
    }
    const byImage = new Map(rows.slice(1).map((r) => [r[0] as string, r[1] as string]));

    const jsonl = await exportCaptions('jsonl');
    expect(jsonl.name).toBe(`${runId}-captions-test.jsonl`);
    const lines = jsonl.text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { image: string; caption: string });
    expect(lines.map((l) => l.image).sort()).toEqual(testKeys);
    for (const l of lines) expect(l.caption).toBe(byImage.get(l.image));

    const coco = await exportCaptions('coco');
    expect(coco.name).toBe(`${runId}-captions-test-coco.json`);
    const results = JSON.parse(coco.text) as { image_id: string | number; caption: string }[];
    expect(results.map((r) => String(r.image_id)).sort()).toEqual(testKeys.map((k) => path.basename(k).replace(/\.[^.]+$/, '')).sort());
    for (const r of results) expect(typeof r.caption).toBe('string');
    expect(await exp.getByTestId('export-status').getAttribute('data-ok')).toBe('true');

    const metrics = await download(() => exp.getByTestId('export-metrics-csv').click());
    const mrows = readCsv(metrics.text);
    expect(mrows[0]).toEqual(['run_id', 'key', 'step', 'epoch', 'wall_time', 'value']);
    expect(mrows.filter((r) => r[1] === 'val_perplexity')).toHaveLength(4);
    expect(new Set(mrows.slice(1).map((r) => r[0]))).toEqual(new Set([runId]));

    // Issue 18, problem 10: the model came as three generic files; now one archive named after the run.
    const archive = page.waitForEvent('download');
    await exp.getByTestId('export-model').click();
    const d = await archive;
    expect(d.suggestedFilename()).toMatch(new RegExp(`^e2e-lbl-${runId.replace(/[^A-Za-z0-9]/g, '').slice(-6)}-model\\.zip$`));
    const zip = fs.readFileSync(await d.path()).toString('latin1');
    for (const name of ['model.json', 'weights.bin', 'vocabulary.json']) expect(zip).toContain(name);
  }, 240_000);

  it('caption explorer: a picked image is decoded; moving the temperature slider sends one debounced request and re-renders the caption', async () => {
    expect(runId).toBeTruthy();
    await page.getByTestId('open-explorer').click();
    await page.waitForURL(new RegExp(`#/explore\\?run=${runId}$`));
    await expect.poll(() => page.getByTestId('picker-tile').count(), { timeout: 30_000 }).toBeGreaterThan(10);
    const decoded = page.getByTestId('decoded');
    await page.getByTestId('picker-tile').first().click();
    await expect.poll(() => decoded.getAttribute('data-method'), { timeout: 60_000 }).toBe('beam');
    expect(await decoded.getByTestId('caption-word').count()).toBeGreaterThan(0);
    const firstDecode = decodeRequests.at(-1) as Record<string, unknown>;
    expect(firstDecode).toMatchObject({ id: runId, method: 'beam', beam: 3, checkpoint: 'best' });
    expect(typeof firstDecode.itemId).toBe('number');

    // Every word: its probability, and the top-5 alternatives on hover.
    const word = decoded.getByTestId('caption-word').first();
    expect(Number(await word.getAttribute('data-p'))).toBeGreaterThan(0);
    await word.hover();
    const pop = page.locator('.cw-wrap').first().locator('.cw-pop');
    await expect.poll(() => pop.isVisible()).toBe(true);
    expect(await pop.locator('.cw-alt').count()).toBe(5);

    // Sampling, then the temperature slider: ten quick steps of 0.05 end at 1.5 in one request.
    await page.getByTestId('method-sample').check();
    await expect.poll(() => decoded.getAttribute('data-temperature'), { timeout: 60_000 }).toBe('1');
    await expect.poll(() => decoded.getAttribute('data-pending')).toBe('false');
    const captionAt1 = await decoded.getByTestId('caption-words').textContent();
    const before = decodeRequests.length;
    const slider = page.getByTestId('slider-temperature');
    await slider.focus();
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => decoded.getAttribute('data-temperature'), { timeout: 60_000 }).toBe('1.5');
    const sent = decodeRequests.slice(before);
    expect(sent.length).toBe(1);
    expect(sent[0]).toMatchObject({ id: runId, method: 'sample', temperature: 1.5, topK: 0, seed: 1, itemId: firstDecode.itemId });
    expect(await page.getByTestId('decode-params').textContent()).toMatch(/^sampled at temperature 1\.50, top-k all, seed 1/);
    const captionAt15 = await decoded.getByTestId('caption-words').textContent();
    expect(captionAt15?.length).toBeGreaterThan(0);
    // Same seed, other temperature: the sampled caption changes.
    expect(captionAt15).not.toBe(captionAt1);

    // Retrieval: LBL has no image path; the panel says so plainly.
    await page.getByTestId('retrieve-sentence').fill('a dog runs on the grass');
    await page.getByTestId('retrieve-sentence-go').click();
    await expect.poll(() => page.getByTestId('retrieve-sentence-error').textContent(), { timeout: 30_000 }).toMatch(/LBL model/);

    // A dropped (chosen) file goes to runs.decode as a data URL.
    const n = decodeRequests.length;
    await page.getByTestId('image-file').setInputFiles(path.join(MINI_IMAGES, testKeys[0] as string));
    await expect.poll(() => decodeRequests.length, { timeout: 30_000 }).toBeGreaterThan(n);
    const fileReq = decodeRequests.at(-1) as Record<string, unknown>;
    expect(String(fileReq.image)).toMatch(/^data:image\/jpeg;base64,\/9j\//);
    expect(fileReq.itemId).toBeUndefined();
    await expect.poll(() => decoded.getAttribute('data-stale'), { timeout: 60_000 }).toBe('false');
    await expect.poll(() => decoded.getAttribute('data-pending'), { timeout: 60_000 }).toBe('false');
    expect(await page.getByTestId('decode-error').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'lm-caption-explorer.png'), fullPage: true });
    // Beam search again, with a word's top-5 alternatives open.
    await page.getByTestId('method-beam').check();
    await expect.poll(() => decoded.getAttribute('data-method'), { timeout: 60_000 }).toBe('beam');
    await decoded.getByTestId('caption-word').nth(1).focus();
    await expect.poll(() => page.locator('.cw-wrap').nth(1).locator('.cw-pop').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'lm-caption-explorer-alternatives.png') });

    expect(problems, problems.join('\n')).toEqual([]);
  }, 240_000);
});
