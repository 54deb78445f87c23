import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.ts';
import { startServer } from '../../src/server.ts';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.ts';
import { reportsFixture } from '../helpers/reports-fixture.ts';
import { createStaff, type StaffAccount } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe.skipIf(!browserAvailable)('dashboard and reports in Chromium at 360 px', () => {
  let rt: TestRuntime;
  let server: RunningServer;
  let browser: Browser;
  let dpo: StaffAccount;
  let baseUrl: string;
  const clock = { now: new Date('2026-01-01T00:00:00Z') };

  beforeAll(async () => {
    browser = await launchBrowser();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    rt = await createTestRuntime({
      worker: false,
      now: () => clock.now,
      env: { PUBLIC_URL: baseUrl, ORG_TIMEZONE: 'America/Los_Angeles' },
    });
    const f = reportsFixture(rt, clock);
    const types = ['access', 'erase', 'rectify', 'opt_out'] as const;
    for (let i = 0; i < 16; i++) {
      const day = String(1 + ((i * 5) % 28)).padStart(2, '0');
      const month = String(1 + (i % 3)).padStart(2, '0');
      const reference = await f.file(types[i % 4]!, 'ccpa', `2026-${month}-${day}T18:00:00Z`);
      if (i % 3 === 0) await f.complete(reference, `2026-${month}-${day}T20:00:00Z`);
    }
    clock.now = new Date('2026-03-18T19:00:00Z');
    server = await startServer(rt, port, '127.0.0.1');
    dpo = await createStaff(rt, { role: 'dpo' });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rt?.dispose();
  });

  it('a DPO on a 360 px phone → dashboard charts and the report table fit the width, nothing scrolls sideways', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 780 }, baseURL: baseUrl });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto('/staff/dashboard');
    await page.getByLabel('Email').fill(dpo.email);
    await page.getByLabel('Password').fill(dpo.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/staff/dashboard`);
    const widths = () =>
      page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        charts: Array.from(document.querySelectorAll('svg')).map((s) => s.getBoundingClientRect().right),
      }));
    const dashboard = await widths();
    expect(dashboard.page).toBeLessThanOrEqual(360);
    expect(dashboard.charts).toHaveLength(2);
    for (const right of dashboard.charts) expect(right).toBeLessThanOrEqual(360);
    // The accessible name of each chart is its title and description.
    const chart = page.getByRole('img', { name: /Open requests by status/ });
    expect(await chart.count()).toBe(1);
    await screenshot(page, 'reports-01-dashboard-360');

    await page.getByRole('link', { name: 'Reports' }).click();
    await page.waitForURL(`${baseUrl}/staff/reports`);
    await screenshot(page, 'reports-02-metrics-360');
    expect((await widths()).page).toBeLessThanOrEqual(360);
    const table = page.getByRole('table', { name: /Requests received in 2026/ });
    // The whole table is on screen: no column of numbers hidden behind a sideways scroll.
    const fit = await table.evaluate((t) => ({
      table: t.getBoundingClientRect().right,
      wrapper: t.parentElement!.getBoundingClientRect().right,
    }));
    expect(fit.table).toBeLessThanOrEqual(fit.wrapper);
    expect(problems).toEqual([]);
    await context.close();
  });
});
