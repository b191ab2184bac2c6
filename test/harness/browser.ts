/**
 * Headless Chromium for browser tests: Debian's `chromium` package (.ci/run installs it), driven by
 * playwright-core, which brings no browser of its own (its download cannot work on this network).
 * Screenshots go under output/console/ and each one's path is logged, so a run's log names them.
 */
import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { repoRoot } from '../vitest.shared.js';

/** Debian's path; CHROMIUM_BIN points elsewhere (another distribution, a local build). */
export function chromiumPath(): string {
  return process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium';
}

// Without the background-networking flags Chromium keeps trying Google's hosts, which this closed network
// refuses. playwright-core gives every launch a new empty profile dir of its own.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOT_DIR = join(repoRoot, 'output', 'console');

/** undefined when Chromium can be launched; otherwise why not (for a skip title or a REQUIRE_INFRA failure). */
export async function chromiumMissing(): Promise<string | undefined> {
  const path = chromiumPath();
  try {
    await access(path, constants.X_OK);
    return undefined;
  } catch {
    return `${path} is not an executable Chromium (Debian: apt-get install chromium; or set CHROMIUM_BIN)`;
  }
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies) and a page in it; closed with the browser. */
  newPage: () => Promise<Page>;
  /** Writes output/console/<name>.png (the whole page unless fullPage is false), logs and returns its path. */
  screenshot: (page: Page, name: string, options?: { fullPage?: boolean }) => Promise<string>;
  /** Uncaught errors of the pages' scripts, in order: a test can assert there were none. */
  pageErrors: string[];
  close: () => Promise<void>;
}

export async function launchTestBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  return {
    browser,
    pageErrors,
    newPage: async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
      return page;
    },
    screenshot: async (page, name, options = {}) => {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}`);
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: options.fullPage ?? true });
      console.info(`[browser] screenshot ${path}`);
      return path;
    },
    close: async () => {
      await Promise.allSettled(contexts.map((context) => context.close()));
      await browser.close();
    },
  };
}
