/**
 * Starting the real `mlbl serve` for browser tests, and Debian's Chromium through playwright-core
 * (never a downloaded browser).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS = path.join(ROOT, 'test-results');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const URL_RE = /(http:\/\/127\.0\.0\.1:(\d+))\/\?token=([A-Za-z0-9._~-]+)/;

/** The built renderer and Debian's Chromium, or an error saying how to get them. */
export function checkPrerequisites(): void {
  if (!fs.existsSync(path.join(ROOT, 'out/renderer/index.html'))) {
    throw new Error('out/renderer/index.html is missing: run `npm run build` before the e2e tests');
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

/** Debian's Chromium with the project's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Closes what a test opened, whatever is already gone: the browser context, the browser, the server, temporary folders. */
export async function closeAll(o: { context?: BrowserContext; browser?: Browser; server?: Served; dirs?: string[] }): Promise<void> {
  await o.context?.close().catch(() => undefined);
  await o.browser?.close().catch(() => undefined);
  if (o.server) await stopServer(o.server.child);
  for (const d of o.dirs ?? []) if (d) fs.rmSync(d, { recursive: true, force: true });
}

export interface Served {
  child: ChildProcess;
  base: string;
  token: string;
  output: () => string;
}

export function startServer(dataDir: string): Promise<Served> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/mlbl.js'), 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...process.env, MLBL_DATA_DIR: dataDir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const output = () => out;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('`mlbl serve` printed no URL within 60 s')), 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n--- server output ---\n${out}`));
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = URL_RE.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeListener('exit', onEarlyExit);
        resolve({ child, base: m[1] as string, token: m[3] as string, output });
      }
    };
    const onEarlyExit = (code: number | null, signal: string | null) => fail(new Error(`\`mlbl serve\` exited early (code ${code}, signal ${signal})`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('error', fail);
    child.once('exit', onEarlyExit);
  });
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** What `servedBrowser` holds for a test file: set in its beforeAll, closed in its afterAll. */
export interface ServedBrowser {
  dataDir: string;
  server: Served;
  browser: Browser;
  /** A new browser context, closed with the rest. */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
}

/**
 * Registers the usual beforeAll/afterAll of a serve-mode test file: a temporary data directory
 * (`mlbl-e2e-PREFIX-`), `mlbl serve` on it and Chromium; everything is closed and removed after.
 */
export function servedBrowser(prefix: string, hooks: { beforeAll(fn: () => Promise<void>): void; afterAll(fn: () => Promise<void>): void }): ServedBrowser {
  const held: { dataDir?: string; server?: Served; browser?: Browser; contexts: BrowserContext[] } = { contexts: [] };
  hooks.beforeAll(async () => {
    checkPrerequisites();
    fs.mkdirSync(RESULTS, { recursive: true });
    held.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `mlbl-e2e-${prefix}-`));
    held.server = await startServer(held.dataDir);
    held.browser = await launchChromium();
  });
  hooks.afterAll(async () => {
    for (const c of held.contexts) await c.close().catch(() => undefined);
    await closeAll({ browser: held.browser, server: held.server, dirs: held.dataDir ? [held.dataDir] : [] });
  });
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`servedBrowser: no ${what} (beforeAll failed or has not run)`);
    return v;
  };
  return {
    get dataDir() {
      return need(held.dataDir, 'data directory');
    },
    get server() {
      return need(held.server, 'server');
    },
    get browser() {
      return need(held.browser, 'browser');
    },
    async newContext(options) {
      const c = await need(held.browser, 'browser').newContext(options);
      held.contexts.push(c);
      return c;
    },
  };
}
