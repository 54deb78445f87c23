import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/db/schema.ts';
import { newReference } from '../../src/requests/reference.ts';
import { recordClockEvent } from '../../src/requests/request-clock.ts';
import type { RunningServer } from '../../src/server.ts';
import { startServer } from '../../src/server.ts';
import { browserAvailable, freePort, launchBrowser, screenshot } from '../helpers/browser.ts';
import { createStaff, type StaffAccount } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

describe.skipIf(!browserAvailable)('queue in Chromium', () => {
  let rt: TestRuntime;
  let server: RunningServer;
  let baseUrl: string;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let dpo: StaffAccount;
  const laws = ['gdpr', 'ccpa', 'uk-gdpr', 'gdpr', 'caloppa', 'gdpr', 'ccpa'];
  const statuses = ['pending_review', 'approved', 'awaiting_subject', 'processing'] as const;

  beforeAll(async () => {
    browser = await launchBrowser();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    rt = await createTestRuntime({ worker: false, env: { PUBLIC_URL: baseUrl } });
    server = await startServer(rt, port, '127.0.0.1');
    dpo = await createStaff(rt, { role: 'dpo' });
    // Rows as intake leaves them: a `received` clock event, due dates computed by the law's rules.
    for (const [i, law] of laws.entries()) {
      const receivedAt = new Date(Date.now() - (45 - i * 5) * 86_400_000);
      const [row] = await rt.database.db
        .insert(requests)
        .values({
          reference: newReference(),
          type: (['access', 'erase', 'rectify'] as const)[i % 3]!,
          law,
          status: statuses[i % statuses.length]!,
          subjectEmail: `queue-e2e-${i}@example.org`,
          receivedAt,
          timeZone: 'UTC',
          receivedOn: receivedAt.toISOString().slice(0, 10),
        })
        .returning();
      await recordClockEvent(rt.database.db, row!, { kind: 'received', at: receivedAt }, rt.config.clock);
    }
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    await rt?.dispose();
  });

  it('a DPO signs in, filters by law, sees the rows with badges, opens a request', async () => {
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
      baseURL: baseUrl,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

    await page.goto('/staff');
    await page.waitForURL(/\/staff\/login\?next=%2Fstaff$/);
    await page.getByLabel('Email').fill(dpo.email);
    await page.getByLabel('Password').fill(dpo.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/staff`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Privacy requests queue');
    expect(await page.locator('table.queue tbody tr').count()).toBe(laws.length);

    await page.getByLabel('Law').selectOption('gdpr');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/staff\?.*law=gdpr/);
    const rows = page.locator('table.queue tbody tr');
    expect(await rows.count()).toBe(laws.filter((l) => l === 'gdpr').length);
    for (const text of await rows.allTextContents()) expect(text).toContain('GDPR');
    // The earliest gdpr request (received 45 days ago, due a month after) is overdue, said in words.
    expect(await rows.first().locator('.badge').textContent()).toBe('Overdue');
    expect(await page.getByLabel('Law').inputValue()).toBe('gdpr');
    expect(await page.getByRole('checkbox', { name: /^Select RD-/ }).count()).toBe(3);
    await screenshot(page, 'queue-01-filtered-by-law');

    const link = rows.first().locator('th a');
    const reference = (await link.textContent()) ?? '';
    await link.click();
    // The single-request page (src/requests/staff-request-routes.ts) names the request it shows.
    await page.waitForURL(`${baseUrl}/staff/requests/${reference}`);
    expect(await page.locator('main').textContent()).toContain(reference);
    await screenshot(page, 'queue-02-opened-request');
    expect(problems).toEqual([]);
  });
});
