import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; browser tests never download a browser of their own. */
export const chromiumPath = '/usr/bin/chromium';

const installed = existsSync(chromiumPath);
const inCi = Boolean(process.env.CI);
if (!installed && !inCi) {
  console.warn(
    `Skipping browser tests: ${chromiumPath} is not installed (apt-get install chromium). In CI this fails instead.`,
  );
}

/**
 * Whether to run browser suites: use with describe.skipIf(!browserAvailable). False only outside CI
 * when Chromium is missing; in CI it stays true so launchBrowser() throws and the suite fails.
 */
export const browserAvailable = installed || inCi;

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    // Browser tests must never skip silently in CI: a missing browser is a broken machine.
    throw new Error(`${chromiumPath} is missing: browser tests cannot run (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** artifacts/screenshots at the repository root (git-ignored). */
export const screenshotDir = fileURLToPath(new URL('../../artifacts/screenshots', import.meta.url));

/** A full-page PNG at artifacts/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A port the OS just handed out on loopback: PUBLIC_URL and the server must agree on it up front. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
