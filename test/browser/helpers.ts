/**
 * Shared set-up of the browser tests: Chromium through playwright-core (the
 * system's /usr/bin/chromium; `npm test`'s pretest, scripts/ensure-chromium.mjs,
 * installs it where it can), the repository's static server,
 * pages that record every console error and uncaught exception, and a
 * screenshot per test in test-results/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startServer as startStaticServer, type RunningServer, type ServedRequest } from '../../demo/server.mjs';
import { chromiumInstruction } from '../../scripts/ensure-chromium.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type { ServedRequest };
export type StaticServer = RunningServer;

/** Serves `root` (default: the repository) on a free port of 127.0.0.1. */
export function startServer(options: { root?: string; wasmType?: string; isolate?: boolean } = {}): Promise<StaticServer> {
  return startStaticServer({ root: ROOT, port: 0, ...options });
}

/** Launches headless Chromium; fails with what to do when it or build/ is missing (never skips). */
/**
 * A Chromium and a static server for one test file: launched before its tests,
 * closed after them. Read `.browser` and `.server` inside the tests.
 */
export function useBrowserAndServer(): { browser: Browser; server: StaticServer } {
  const env = {} as { browser: Browser; server: StaticServer };
  beforeAll(async () => {
    [env.browser, env.server] = await Promise.all([launchBrowser(), startServer()]);
  }, 60_000);
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(chromiumInstruction(CHROMIUM));
  }
  for (const file of ['build/index.js', 'build/wasmgrad.wasm']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` first (\`npm test\` does).`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-renderer-backgrounding', '--disable-background-timer-throttling'],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions of the page and its workers, in order. */
  errors: string[];
  /** Fails the test if anything went to `errors`. */
  expectNoErrors(): void;
  screenshot(name: string, options?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/** A fresh context and page whose console errors and uncaught exceptions are collected. */
export async function openPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  page.on('worker', (worker) => {
    worker.on('console', (message) => {
      if (message.type() === 'error') errors.push(`worker console.error: ${message.text()} (${worker.url()})`);
    });
  });
  return {
    page, context, errors,
    expectNoErrors: () => expect(errors, 'console errors or uncaught exceptions in the page').toEqual([]),
    async screenshot(name, options = {}) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: options.fullPage ?? true });
      return path;
    },
    close: () => context.close(),
  };
}

/**
 * Runs `body` on a fresh page, then always writes `name`.png (also when the
 * body failed: the picture shows why) and fails on any console error.
 */
export async function withPage(browser: Browser, name: string, body: (watched: WatchedPage) => Promise<void>): Promise<void> {
  const watched = await openPage(browser);
  try {
    await body(watched);
  } finally {
    await watched.screenshot(name).catch(() => {});
    await watched.close();
  }
  watched.expectNoErrors();
}

/** Waits for `[data-testid=done]`, failing early with the page's own error text if it shows one. */
export async function waitForDone(watched: WatchedPage, timeout = 30_000): Promise<void> {
  const { page, errors } = watched;
  const done = page.waitForSelector('[data-testid="done"]', { timeout });
  const failed = new Promise<never>((_, reject) => {
    const check = setInterval(() => {
      if (errors.length) {
        clearInterval(check);
        reject(new Error(`the page reported errors before finishing:\n${errors.join('\n')}`));
      }
    }, 100);
    done.finally(() => clearInterval(check)).catch(() => {});
  });
  await Promise.race([done, failed]);
}

/** The text of `[data-testid=id]`. */
export async function text(page: Page, testid: string): Promise<string> {
  return (await page.locator(`[data-testid="${testid}"]`).first().textContent()) ?? '';
}
