import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { BenchError, BenchErrorCode } from '../errors.js';

/** Debian's Chromium (`apt-get install chromium`); `CHROMIUM_PATH` names another binary. No browser is downloaded. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export interface LaunchedBrowser extends AsyncDisposable {
  readonly browser: Browser;
}

/** Headless Chromium driven by playwright-core; closed on dispose. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new BenchError(
      BenchErrorCode.InvalidOptions,
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) ` +
        'or set CHROMIUM_PATH to a Chromium binary',
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  return {
    browser,
    async [Symbol.asyncDispose]() {
      await browser.close();
    },
  };
}
