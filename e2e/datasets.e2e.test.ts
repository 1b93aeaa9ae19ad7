/**
 * Browser end-to-end test of the dataset UI: the real `mlbl serve` on a temporary data directory,
 * Debian's Chromium through playwright-core. Imports ../shared/datasets/flickr8k-mini through the
 * wizard (referenced in place, never copied), browses, searches, opens items, reads the stats,
 * and checks that a messy CSV's skipped lines are listed with their line numbers.
 *
 * Needs the renderer built first: `npm run build` (out/renderer).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, ROOT, startServer, type Served, checkPrerequisites, closeAll, launchChromium } from './serve-helpers';

const MINI = path.resolve(ROOT, '../shared/datasets/flickr8k-mini');
const MINI_CSV = path.join(MINI, 'captions.csv');
const MINI_IMAGES = path.join(MINI, 'images');

describe('datasets in Chromium: import wizard, browser, item view, stats', () => {
  let dataDir = '';
  let badDir = '';
  let server: Served | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let datasetId = '';
  const problems: string[] = [];

  beforeAll(async () => {
    checkPrerequisites();
    if (!fs.existsSync(MINI_CSV)) throw new Error(`${MINI_CSV} is missing: the shared datasets live beside the project (../shared/datasets)`);
    fs.mkdirSync(RESULTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-e2e-ds-'));
    badDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-e2e-bad-'));
    server = await startServer(dataDir);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
    });
  });

  afterAll(async () => {
    await closeAll({ context, browser, server, dirs: [dataDir, badDir] });
  });

  const s = () => server as Served;

  async function openWizard(): Promise<void> {
    await page.goto(`${s().base}/?token=${s().token}#/datasets`);
    await page.getByTestId('datasets-page').waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: 'Import dataset' }).click();
    await page.waitForURL(/#\/datasets\/import$/);
    await page.getByTestId('import-wizard').waitFor();
  }

  it('imports flickr8k-mini through the wizard: preview, progress, summary', async () => {
    await page.goto(`${s().base}/?token=${s().token}`);
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 20_000 }).toBe(0);
    await page.getByTestId('nav-datasets').click();
    await page.waitForURL(/#\/datasets$/);
    await page.getByTestId('datasets-empty').waitFor({ timeout: 20_000 });
    await openWizard();

    // Preview: format, sizes, first rows with their image checks.
    await page.getByLabel('Path', { exact: true }).fill(MINI_CSV);
    await page.getByLabel('Images folder', { exact: true }).fill(MINI_IMAGES);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByTestId('import-preview').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('preview-format').getAttribute('data-format')).toBe('flickr8k');
    expect(await page.getByTestId('preview-kind').getAttribute('data-kind')).toBe('captions');
    expect(await page.getByTestId('preview-images').textContent()).toBe('800');
    expect(await page.getByTestId('preview-captions').textContent()).toBe('4,000');
    const rows = page.getByTestId('preview-row');
    expect(await rows.count()).toBeGreaterThan(0);
    expect(new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-image'))))).toEqual(new Set(['ok']));
    expect(await page.getByTestId('duplicate-warning').count()).toBe(0);
    // The CSV's columns are offered in pickers, preset to what was detected.
    expect(await page.getByLabel('Image column').inputValue()).toBe('image');
    expect(await page.getByLabel('Caption column').inputValue()).toBe('caption');
    await page.getByLabel('Name', { exact: true }).fill('flickr8k-mini');
    await page.screenshot({ path: path.join(RESULTS, 'datasets-import.png'), fullPage: true });

    // Import: a progress bar fed by dataset.import.progress, then the summary.
    await page.getByTestId('import-button').click();
    const phases = new Set<string>();
    let sawPercent = false;
    const deadline = Date.now() + 180_000;
    while ((await page.getByTestId('import-summary').count()) === 0) {
      if (Date.now() > deadline) throw new Error(`import did not finish in 180 s\n${s().output()}`);
      const phase = await page
        .getByTestId('import-progress')
        .getAttribute('data-phase', { timeout: 1000 })
        .catch(() => null);
      if (phase) phases.add(phase);
      const now = await page
        .getByTestId('import-progress-bar')
        .getAttribute('aria-valuenow', { timeout: 1000 })
        .catch(() => null);
      if (now !== null && Number(now) > 0) sawPercent = true;
      const err = await page
        .getByTestId('import-error')
        .textContent({ timeout: 100 })
        .catch(() => null);
      if (err) throw new Error(`import failed in the UI: ${err}`);
      await page.waitForTimeout(50);
    }
    expect(phases.size, `phases seen: ${[...phases].join(',')}`).toBeGreaterThan(0);
    expect(sawPercent || phases.has('images') || phases.has('done')).toBe(true);
    expect(await page.getByTestId('import-progress').getAttribute('data-phase')).toBe('done');
    expect(await page.getByTestId('summary-images').textContent()).toBe('800');
    expect(await page.getByTestId('summary-captions').textContent()).toBe('4,000');
    expect(await page.getByTestId('summary-skipped').textContent()).toBe('0');
    expect(await page.getByTestId('summary-split').textContent()).toMatch(/^[\d,]+ \/ [\d,]+ \/ [\d,]+$/);
    datasetId = (await page.getByTestId('import-summary').getAttribute('data-dataset-id')) ?? '';
    expect(datasetId).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('browses a virtualized grid of thumbnails, searches captions, opens items, moves with the keyboard', async () => {
    await page.getByTestId('open-dataset').click();
    await page.waitForURL(new RegExp(`#/datasets/${datasetId}$`));
    const grid = page.getByTestId('dataset-grid');
    await expect.poll(() => grid.getAttribute('data-total'), { timeout: 20_000 }).toBe('800');
    expect(await page.getByTestId('result-count').textContent()).toBe('800 items');
    // Thumbnails arrive (decoded images), and only the rows in view are in the DOM.
    await expect
      .poll(
        () =>
          page
            .locator('[data-testid="tile-thumb"]')
            .evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length),
        { timeout: 30_000 },
      )
      .toBeGreaterThanOrEqual(12);
    const rendered = Number(await grid.getAttribute('data-rendered'));
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(200);
    expect(await page.getByTestId('grid-tile').count()).toBe(rendered);
    // Scrolling far down renders other rows, not more rows.
    await grid.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await expect.poll(async () => Number((await page.getByTestId('grid-tile').last().getAttribute('data-index')) ?? '0'), { timeout: 10_000 }).toBe(799);
    expect(await page.getByTestId('grid-tile').count()).toBeLessThan(200);
    await expect.poll(() => page.getByTestId('grid-tile').last().getAttribute('data-thumb'), { timeout: 20_000 }).toBe('ok');
    await grid.evaluate((el) => {
      el.scrollTop = 0;
    });

    // Search "dog": fewer items, and every caption on screen contains the word.
    await page.getByLabel('Search captions').fill('dog');
    await page.waitForURL(/\?q=dog$/, { timeout: 10_000 });
    await expect.poll(async () => Number((await grid.getAttribute('data-total')) || '800'), { timeout: 20_000 }).toBeLessThan(800);
    const hits = Number(await grid.getAttribute('data-total'));
    expect(hits).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe(`${hits} of 800 items`);
    await expect.poll(() => page.locator('[data-testid="grid-tile"][data-caption-state="loading"], .tile-loading').count(), { timeout: 20_000 }).toBe(0);
    const captions = await page.getByTestId('tile-caption').allTextContents();
    expect(captions.length).toBeGreaterThan(0);
    for (const c of captions) expect(c, c).toMatch(/\bdog\b/i);
    await expect.poll(() => page.locator('[data-testid="tile-thumb"]').count(), { timeout: 30_000 }).toBeGreaterThan(6);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(RESULTS, 'datasets-grid.png') });

    // Keyboard: arrows move the selection, Enter opens the item view.
    await grid.focus();
    expect(await grid.getAttribute('data-selected')).toBe('0');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => grid.getAttribute('data-selected')).toBe('1');
    const cols = Number(await grid.getAttribute('data-cols'));
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => grid.getAttribute('data-selected')).toBe(String(1 + cols));
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => grid.getAttribute('data-selected')).toBe('1');
    const secondId = await page.locator('[data-testid="grid-tile"][data-index="1"]').getAttribute('data-item-id');
    const thirdId = await page.locator('[data-testid="grid-tile"][data-index="2"]').getAttribute('data-item-id');
    await page.keyboard.press('Enter');
    const view = page.getByTestId('item-view');
    await view.waitFor({ timeout: 10_000 });
    await page.waitForURL(new RegExp(`#/datasets/${datasetId}/items/${secondId}\\?q=dog$`));
    await expect.poll(() => view.getAttribute('data-loaded'), { timeout: 10_000 }).toBe('true');
    // Every caption (five for Flickr8k) and the metadata; the large image.
    await expect.poll(() => page.getByTestId('item-caption').count()).toBe(5);
    const itemCaptions = await page.getByTestId('item-caption').allTextContents();
    expect(itemCaptions.some((c) => /\bdog\b/i.test(c))).toBe(true);
    expect(await page.getByTestId('item-position').textContent()).toBe(`2 of ${hits}`);
    expect(await page.getByTestId('item-size').textContent()).toMatch(/^\d+ × \d+ px$/);
    expect(await page.getByTestId('item-origin').textContent()).toMatch(/^captions\.csv: lines \d+/);
    await expect
      .poll(
        () =>
          page
            .getByTestId('item-image')
            .evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)
            .catch(() => false),
        { timeout: 20_000 },
      )
      .toBe(true);
    await page.screenshot({ path: path.join(RESULTS, 'datasets-item.png') });

    // Right goes to the next item (of the search results), left back.
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => view.getAttribute('data-item-id'), { timeout: 10_000 }).toBe(thirdId);
    await page.waitForURL(new RegExp(`/items/${thirdId}\\?q=dog$`));
    await expect.poll(() => page.getByTestId('item-position').textContent()).toBe(`3 of ${hits}`);
    await expect.poll(() => view.getAttribute('data-loaded')).toBe('true');
    await expect.poll(() => page.getByTestId('item-caption').count()).toBe(5);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => view.getAttribute('data-item-id')).toBe(secondId);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => view.getAttribute('data-item-id')).toBe(thirdId);

    // Escape closes it; the grid keeps the search and selects the item last shown.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('item-view').count()).toBe(0);
    await page.waitForURL(new RegExp(`#/datasets/${datasetId}\\?q=dog$`));
    await expect.poll(() => grid.getAttribute('data-selected')).toBe('2');
    // Issue 18, problem 10: focus went to the page body; it returns to the tile of that item.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tile-2');
    expect(await page.getByLabel('Search captions').inputValue()).toBe('dog');

    // Filter by split: the count follows.
    await page.getByTestId('split-filter').selectOption('test');
    await expect.poll(async () => Number((await grid.getAttribute('data-total')) || '-1'), { timeout: 10_000 }).toBeLessThan(hits);
    await page.getByTestId('split-filter').selectOption('');
    await expect.poll(async () => Number((await grid.getAttribute('data-total')) || '-1'), { timeout: 10_000 }).toBe(hits);
  });

  it('shows the stats tab: vocabulary size, caption lengths, <unk> share', async () => {
    await page.getByTestId('tab-stats').click();
    await page.waitForURL(new RegExp(`#/datasets/${datasetId}/stats$`));
    await expect.poll(() => page.getByTestId('stats-view').getAttribute('data-loaded'), { timeout: 20_000 }).toBe('true');
    const vocab = Number(((await page.getByTestId('stats-vocab-size').textContent()) ?? '').replace(/,/g, ''));
    expect(vocab).toBeGreaterThan(500);
    expect(await page.getByTestId('stats-images').textContent()).toBe('800');
    expect(await page.getByTestId('stats-captions').textContent()).toBe('4,000');
    expect(await page.getByTestId('stats-captions-per-image').textContent()).toBe('5');
    expect(Number(await page.getByTestId('chart-caption-length').getAttribute('data-points'))).toBeGreaterThan(5);
    expect(Number(await page.getByTestId('chart-unk').getAttribute('data-points'))).toBeGreaterThan(2);
    await expect.poll(() => page.locator('[data-testid="chart-unk"] path.recharts-line-curve').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid="chart-caption-length"] .recharts-bar-rectangle').count(), { timeout: 10_000 }).toBeGreaterThan(5);
    // A higher cutoff leaves more tokens as <unk>.
    const unk5 = await page.getByTestId('stats-unk').textContent();
    await page.getByTestId('stats-cutoff').fill('20');
    await expect.poll(() => page.getByTestId('stats-unk').textContent(), { timeout: 10_000 }).not.toBe(unk5);
    expect(await page.getByTestId('stats-unk').textContent()).toMatch(/fewer than 20 times/);
    await page.getByTestId('stats-cutoff').fill('5');
    await expect.poll(() => page.getByTestId('stats-unk').textContent(), { timeout: 10_000 }).toBe(unk5);
    await page.screenshot({ path: path.join(RESULTS, 'datasets-stats.png'), fullPage: true });
  });

  it('warns when the same source is imported again', async () => {
    await openWizard();
    await page.getByLabel('Path', { exact: true }).fill(MINI_CSV);
    await page.getByLabel('Images folder', { exact: true }).fill(MINI_IMAGES);
    await page.getByRole('button', { name: 'Preview' }).click();
    const warning = page.getByTestId('duplicate-warning');
    await warning.waitFor({ timeout: 30_000 });
    expect(await warning.textContent()).toMatch(/already imported/i);
    expect(await page.getByTestId('duplicate-link').getAttribute('href')).toBe(`#/datasets/${datasetId}`);
    expect(await page.getByTestId('import-button').isDisabled()).toBe(true);
    await page.getByTestId('allow-duplicate').check();
    expect(await page.getByTestId('import-button').isDisabled()).toBe(false);
  });

  it('lists each skipped line of a messy CSV with its line number and reason', async () => {
    const images = path.join(badDir, 'images');
    fs.mkdirSync(images);
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40 + i * 80, g: 120, b: 200 - i * 60 } } })
        .jpeg()
        .toFile(path.join(images, `${name}.jpg`));
    }
    const csv = path.join(badDir, 'captions.csv');
    fs.writeFileSync(
      csv,
      [
        'image,caption', // line 1
        'a.jpg,A red dog runs on the grass .', // 2
        'b.jpg,A brown dog jumps over a log .', // 3
        'missing.jpg,A cat sleeps on a mat .', // 4: missing image
        'c.jpg,', // 5: empty caption
        'c.jpg,"A man "rides a bike', // 6: malformed line
        'c.jpg,Two dogs play in the snow .', // 7
        '',
      ].join('\n'),
    );
    const expected = [
      { line: '4', reason: 'missing_image' },
      { line: '5', reason: 'empty_caption' },
      { line: '6', reason: 'malformed_line' },
    ];
    const skippedOf = async (testId: string) =>
      (
        await page.locator(`[data-testid="${testId}"] [data-testid="skipped-row"]`).evaluateAll((rows) =>
          rows.map((r) => ({
            line: r.getAttribute('data-line'),
            reason: r.getAttribute('data-reason'),
            file: r.getAttribute('data-file'),
            where: r.querySelector('[data-testid="skipped-where"]')?.textContent ?? '',
          })),
        )
      ).sort((a, b) => Number(a.line) - Number(b.line));

    await openWizard();
    await page.getByLabel('Path', { exact: true }).fill(csv);
    await page.getByLabel('Images folder', { exact: true }).fill(images);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByTestId('preview-skipped').waitFor({ timeout: 30_000 });
    const inPreview = await skippedOf('preview-skipped');
    expect(inPreview.map(({ line, reason }) => ({ line, reason }))).toEqual(expected);
    for (const r of inPreview) expect(r.where).toBe(`captions.csv:${r.line}`);
    expect(await page.locator('[data-testid="preview-row"][data-image="missing"]').count()).toBe(1);

    await page.getByTestId('import-button').click();
    await page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('summary-skipped').textContent()).toBe('3');
    expect(await page.getByTestId('summary-images').textContent()).toBe('3');
    expect(await page.getByTestId('summary-captions').textContent()).toBe('3');
    const inSummary = await skippedOf('summary-skipped-list');
    expect(inSummary.map(({ line, reason }) => ({ line, reason }))).toEqual(expected);
    for (const reason of ['missing_image', 'empty_caption', 'malformed_line']) {
      expect(await page.locator(`[data-testid="summary-reasons"] [data-reason="${reason}"]`).getAttribute('data-count')).toBe('1');
    }
    const badId = (await page.getByTestId('import-summary').getAttribute('data-dataset-id')) as string;

    // The dataset's Skipped tab lists them too; then delete it, with a confirmation.
    await page.getByTestId('open-dataset').click();
    await page.getByTestId('tab-skipped').click();
    await page.getByTestId('dataset-skipped-list').waitFor({ timeout: 10_000 });
    expect((await skippedOf('dataset-skipped-list')).map((r) => r.line)).toEqual(['4', '5', '6']);
    await page.getByTestId('nav-datasets').click();
    const row = page.getByTestId(`dataset-row-${badId}`);
    await row.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId(`dataset-row-${datasetId}`).getByTestId('dataset-kind').textContent()).toBe('images + captions');
    await row.getByRole('button', { name: /^Delete dataset/ }).click();
    const dialog = page.getByTestId('delete-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.getByTestId('delete-dialog-cancel').click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await row.count()).toBe(1);
    await row.getByRole('button', { name: /^Delete dataset/ }).click();
    await page.getByTestId('delete-dialog-confirm').click();
    await expect.poll(() => page.getByTestId(`dataset-row-${badId}`).count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId(`dataset-row-${datasetId}`).count()).toBe(1);

    expect(problems, problems.join('\n')).toEqual([]);
  });
});
