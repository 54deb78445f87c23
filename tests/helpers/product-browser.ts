import type { Browser } from 'playwright-core';
import { type RunningServer, startServer } from '../../src/server.ts';
import { freePort, launchBrowser } from './browser.ts';
import { productSource, type SourceDb, seededProductDatabase, writeSourcesFile } from './source-db.ts';
import { createTestRuntime, type TestRuntime } from './test-runtime.ts';

export type ProductBrowser = {
  browser: Browser;
  rt: TestRuntime;
  /** http://127.0.0.1:<port>, also the runtime's PUBLIC_URL. */
  baseUrl: string;
  /** Closes the browser, stops the server, disposes of the runtime and drops the product database. */
  close(): Promise<void>;
};

/**
 * Chromium, and the app served on a free loopback port with the seeded product database as its one
 * data source: what the browser tests of the staff fulfilment pages (erasure dry run, rectification
 * review, task receipts) share. `env` is added to the runtime's environment.
 */
export async function startProductBrowser(env: Record<string, string> = {}): Promise<ProductBrowser> {
  let browser: Browser | undefined;
  let server: RunningServer | undefined;
  let rt: TestRuntime | undefined;
  let sourceDb: SourceDb | undefined;
  const close = async () => {
    await browser?.close();
    await server?.stop();
    await rt?.dispose();
    await sourceDb?.drop();
  };
  try {
    browser = await launchBrowser();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const product = await seededProductDatabase();
    sourceDb = product.db;
    const file = writeSourcesFile([productSource(product.url)]);
    rt = await createTestRuntime({ env: { PUBLIC_URL: baseUrl, SOURCES_FILE: file, ...env } });
    server = await startServer(rt, port, '127.0.0.1');
    return { browser, rt, baseUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}
