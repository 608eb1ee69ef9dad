import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser suites can run. Without Chromium they fail in CI (CI is set) with a message
 * saying what is missing, and are skipped elsewhere with the same message.
 */
export function browserAvailability(): { run: boolean; message: string | null } {
  if (fs.existsSync(CHROMIUM)) return { run: true, message: null };
  const message = `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run the browser tests`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping the browser tests: ${message}`);
  return { run: false, message };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** test/screenshots/, made on first use (not committed) so a person can look at each screen. */
export const SCREENSHOTS = path.join(import.meta.dirname, '..', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
