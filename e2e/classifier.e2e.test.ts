/**
 * Browser end-to-end test of ConvNets on the user's own images (issue 16): a class-folder dataset
 * of real photos (flickr8k-mini's dog / other, copied into a temporary folder) imported by the
 * real CLI, then in Chromium against the real `mlbl serve`: the new-run form's dataset choice and
 * input shape (the inspector follows the input), a short LeNet-5 run on 32x32x3 from the GUI, and
 * on its page the two-class confusion matrix and the misclassified test images, an off-diagonal
 * count showing only its own; a chosen photo's top labels and saliency overlay. Screenshots go to e2e/artifacts/.
 *
 * Needs the renderer built first: `npm run build` (out/renderer).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type Served, checkPrerequisites, closeAll, launchChromium } from './serve-helpers';

const ARTIFACTS = path.join(ROOT, 'e2e/artifacts');
const MINI = path.resolve(ROOT, '../shared/datasets/flickr8k-mini');

describe('a ConvNet on an imported class-folder dataset, from the GUI', () => {
  let root = '';
  let server: Served | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let datasetId = '';
  const problems: string[] = [];

  beforeAll(async () => {
    checkPrerequisites();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-e2e-classifier-'));
    const rows = fs
      .readFileSync(path.join(MINI, 'labels-dog.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(','));
    for (const c of ['dog', 'other']) {
      fs.mkdirSync(path.join(root, 'pets', c), { recursive: true });
      for (const [f] of rows.filter((r) => r[1] === c).slice(0, 30))
        fs.copyFileSync(path.join(MINI, 'images', f as string), path.join(root, 'pets', c, f as string));
    }
    const dataDir = path.join(root, 'data');
    const imported = spawnSync(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), 'import', path.join(root, 'pets'), '--data-dir', dataDir, '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (imported.status !== 0) throw new Error(`mlbl import failed (${imported.status}):\n${imported.stdout}\n${imported.stderr}`);
    datasetId = /"id":"(ds-[^"]+)"/.exec(imported.stdout)?.[1] ?? '';
    if (!datasetId) throw new Error(`no dataset id in the import's output:\n${imported.stdout}`);
    server = await startServer(dataDir);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  });

  afterAll(async () => {
    await closeAll({ context, browser, server, dirs: [root] });
  });

  const s = () => server as Served;
  const text = async (l: Locator) => ((await l.textContent()) ?? '').trim();

  it('chooses the dataset and input shape, trains, and sees the confusion matrix and the mistakes', async () => {
    await page.goto(`${s().base}/?token=${s().token}#/new`);
    await page.getByTestId('new-run-form').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('dataset-select').locator(`option[value="${datasetId}"]`).count(), { timeout: 20_000 }).toBe(1);
    await page.getByTestId('dataset-select').selectOption(datasetId);
    // The default input of a dataset is 64x64x3 and its stack the measured photo recipe; the inspector follows the typed shape.
    expect(await page.getByTestId('input-shape').inputValue()).toBe('64x64x3');
    await expect.poll(() => page.getByTestId('stack-preset-photoSmall').isChecked()).toBe(true);
    expect(await page.getByLabel('Random crop (fraction per side)', { exact: true }).inputValue()).toBe('0.15');
    expect(await text(page.getByTestId('inspector-row-0').getByTestId('inspector-output'))).toBe('64x64x16');
    await page.getByTestId('input-shape').fill('32x32x3');
    await expect.poll(() => text(page.getByTestId('inspector-row-0').getByTestId('inspector-output'))).toBe('32x32x16');
    await page.getByTestId('input-shape').fill('32x32x2');
    await expect.poll(() => page.getByTestId('submit-run').isDisabled()).toBe(true);
    await page.getByTestId('input-shape').fill('32x32x3');
    await expect.poll(() => text(page.getByTestId('run-preset'))).toBe('runs as preset convnet');

    await page.getByLabel('Name', { exact: true }).fill('e2e-pets');
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByLabel('Batch size', { exact: true }).fill('8');
    await page.screenshot({ path: path.join(ARTIFACTS, 'classifier-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/[A-Za-z0-9_-]+$/, { timeout: 20_000 });

    const deadline = Date.now() + 240_000;
    let st: string | null;
    for (;;) {
      st = await page.getByTestId('run-status').getAttribute('data-status');
      if (st && !['queued', 'running'].includes(st)) break;
      if (Date.now() > deadline) throw new Error(`run still ${st} after 240 s\n${s().output()}`);
      await page.waitForTimeout(250);
    }
    if (st !== 'completed')
      throw new Error(
        `run ended ${st}: ${await page
          .getByTestId('run-error')
          .textContent()
          .catch(() => null)}\n${s().output()}`,
      );

    const table = page.getByTestId('confusion-table');
    await table.waitFor({ timeout: 30_000 });
    expect(await table.getAttribute('data-classes')).toBe('2');
    expect(await text(page.getByTestId('confusion-panel').locator('.confusion-label').first())).toBe('dog');
    await page.getByTestId('mistakes').waitFor();
    const shown = await page.getByTestId('mistake').count();
    const accuracy = Number((await text(page.getByTestId('confusion-accuracy'))).replace('%', '')) / 100;
    const count = Number(/([\d,]+) images/.exec(await text(page.getByTestId('confusion-summary')))?.[1]?.replace(',', ''));
    expect(shown).toBe(Math.round(count * (1 - accuracy)));
    const off = page.locator('[data-testid^="confusion-cell-"]');
    if ((await off.count()) > 0) {
      const n = Number(await text(off.first()));
      await off.first().click();
      await expect.poll(() => page.getByTestId('mistake').count()).toBe(n);
      await page.getByTestId('mistakes-all').click();
      await expect.poll(() => page.getByTestId('mistake').count()).toBe(shown);
    }
    if (shown > 0) await expect.poll(() => page.getByTestId('mistake').locator('img').count(), { timeout: 20_000 }).toBe(shown);
    // Predict: a dropped (here: chosen) photo gets the run's labels with probabilities and a saliency overlay.
    const photo = path.join(root, 'pets', 'dog', fs.readdirSync(path.join(root, 'pets', 'dog'))[0] as string);
    await page.getByTestId('predict-input').setInputFiles(photo);
    await expect.poll(() => page.getByTestId('predict-top').locator('li').count(), { timeout: 60_000 }).toBe(2);
    expect((await text(page.getByTestId('predict-top'))).replace(/\s+/g, ' ')).toMatch(/^(dog|other) [\d.]+% ?(dog|other) [\d.]+%$/);
    await page.getByTestId('saliency-overlay').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'classifier-run.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 360_000);
});
