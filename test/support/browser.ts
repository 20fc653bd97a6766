import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the pages land here (git-ignored); look at them after a change to the dashboard. */
export const SCREENSHOTS = path.resolve('test-output/dashboard');

/**
 * True when Chromium is installed. Without it the browser tests are skipped with a message, or
 * fail under DEPLOYDB_REQUIRE_SERVICES=1 (CI installs it with ../shared/ci/chromium.sh).
 */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  const what = `Chromium is not installed at ${CHROMIUM}`;
  if (process.env.DEPLOYDB_REQUIRE_SERVICES === '1') throw new Error(`${what}, and DEPLOYDB_REQUIRE_SERVICES=1 requires it (bash ../shared/ci/chromium.sh installs it)`);
  console.warn(`skipping the dashboard's browser tests: ${what}. Install it (apt-get install chromium) and set DEPLOYDB_REQUIRE_SERVICES=1 to make this a failure.`);
  return false;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile folder, removed on close. */
export async function openBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // Short, so that full-page screenshots end where the content does.
    viewport: { width: 1280, height: 600 },
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-output/dashboard/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
