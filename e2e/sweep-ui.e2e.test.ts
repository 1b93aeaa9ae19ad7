/**
 * Sweeps from the GUI, end to end: the real `mlbl serve` on a temporary data directory and
 * Debian's Chromium. The New run form's "Sweep…" starts a 2-run grid of tiny LeNet-5 runs; the
 * sweep page lists both, picks the best run and draws the parallel coordinates; the runs table
 * shows the sweep's hyperparameter column; Clone run opens the form filled with a run's spec.
 *
 * Needs the renderer built first: `npm run build` (out/renderer).
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, servedBrowser } from './serve-helpers';

describe('a sweep from the New run form in Chromium', () => {
  const env = servedBrowser('sweep', { beforeAll, afterAll });

  it('starts a 2-run grid, shows both runs and the best on the sweep page, the hyperparameter column in the runs table, and clones a run', async () => {
    const s = env.server;
    const context = await env.newContext({ viewport: { width: 1280, height: 900 } });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    await page.goto(`${s.base}/?token=${s.token}#/new`);

    // A tiny LeNet-5 run as the base.
    await page.getByLabel('Name', { exact: true }).fill('e2e sweep');
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByLabel('Training-set limit', { exact: true }).fill('300');
    await page.getByLabel('Validation images', { exact: true }).fill('100');
    await page.getByLabel('Test images', { exact: true }).fill('0');
    await page.getByLabel('Batch size', { exact: true }).fill('50');

    await page.getByTestId('sweep-toggle').click();
    await page.getByTestId('sweep-add').click();
    const row = page.getByTestId('sweep-row-0');
    await row.getByLabel('Field').selectOption('learningRate');
    await row.getByLabel('Values').fill('0.001, 0.004');
    await expect.poll(() => page.getByTestId('sweep-count').textContent()).toBe('Makes 2 runs');
    await page.getByTestId('sweep-panel').screenshot({ path: path.join(RESULTS, 'sweep-ui-panel.png') });
    await page.getByTestId('sweep-start').click();
    await page.waitForURL(/#\/sweeps\/[A-Za-z0-9_-]+$/, { timeout: 20_000 });
    const sweepId = /#\/sweeps\/([A-Za-z0-9_-]+)$/.exec(page.url())?.[1] as string;

    await expect.poll(() => page.getByTestId('sweep-counts').textContent(), { timeout: 20_000 }).toMatch(/^2 runs:/);
    await expect.poll(() => page.getByTestId('sweep-counts').textContent(), { timeout: 150_000, interval: 500 }).toMatch(/^2 runs: 2 completed/);
    await expect.poll(() => page.getByTestId('sweep-best').textContent(), { timeout: 20_000 }).toMatch(/^Best by val_accuracy .*e2e sweep #\d/);
    expect(await page.getByTestId('sweep-runs').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('pc-line').count()).toBe(2);
    expect(await page.locator('[data-testid="pc-line"][data-best="true"]').count()).toBe(1);

    // The sweeps list links to the sweep's runs: the runs table filtered to it, with its hyperparameter column.
    await page.getByTestId('nav-sweeps').click();
    await page.getByTestId(`sweep-row-${sweepId}`).getByRole('link', { name: '2', exact: true }).click();
    await page.getByTestId('hyper-col-learningRate').waitFor({ timeout: 20_000 });
    const lrs = await page.getByTestId('run-hyper-learningRate').allTextContents();
    expect(lrs.sort()).toEqual(['0.001', '0.004']);
    expect(await page.getByTestId('filter-sweep').inputValue()).toBe(sweepId);

    // Clone a run: the form opens filled with its spec.
    await page.getByTestId('run-clone').first().click();
    await page.getByTestId('cloned-from').waitFor({ timeout: 20_000 });
    expect(await page.getByLabel('Training-set limit', { exact: true }).inputValue()).toBe('300');
    expect(['0.001', '0.004']).toContain(await page.getByLabel('Learning rate', { exact: true }).inputValue());
    await page.screenshot({ path: path.join(RESULTS, 'sweep-ui-clone.png') });
    expect(problems).toEqual([]);
  });
});
