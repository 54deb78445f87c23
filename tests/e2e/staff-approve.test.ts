import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestDeps } from '../../src/requests/request-deps.ts';
import { findRequestByReference, updateRequestAtVersion } from '../../src/requests/requests-repo.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { browserAvailable, freePort, launchBrowser, screenshot } from '../helpers/browser.ts';
import { createStaff, staffPassword } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

describe.skipIf(!browserAvailable)('a DPO approves a request in Chromium', () => {
  let browser: Browser;
  let rt: TestRuntime;
  let server: RunningServer;
  let baseUrl: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    rt = await createTestRuntime({ env: { PUBLIC_URL: baseUrl } });
    server = await startServer(rt, port, '127.0.0.1');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rt?.dispose();
  });

  it('sign in, filter the queue by law, open the request, approve → approved, with the clock explained', async () => {
    const deps: RequestDeps = { ...rt.requests, now: rt.now };
    const mine = await submitRequest(
      deps,
      { type: 'erase', law: 'uk-gdpr', email: 'uk@example.org' },
      { channel: 'api', locale: 'en' },
    );
    const other = await submitRequest(
      deps,
      { type: 'access', law: 'ccpa', email: 'ca@example.org' },
      { channel: 'api', locale: 'en' },
    );
    // Verified by the subject already: the request waits for review.
    const row = (await findRequestByReference(rt.database.db, mine.reference))!;
    await updateRequestAtVersion(
      rt.database.db,
      row.id,
      row.version,
      { status: 'pending_review' },
      new Date(),
    );
    const dpo = await createStaff(rt, { role: 'dpo' });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl}/staff`);
    await page.waitForURL(/\/staff\/login/);
    await page.fill('#email', dpo.email);
    await page.fill('#password', staffPassword);
    await page.click('button[type=submit]');
    await page.waitForURL(`${baseUrl}/staff`);

    await page.goto(`${baseUrl}/staff?law=uk-gdpr`);
    const table = (await page.textContent('table')) ?? '';
    expect(table).toContain(mine.reference);
    expect(table).not.toContain(other.reference);
    await screenshot(page, 'staff-01-queue-filtered');

    await page.click(`a[href="/staff/requests/${mine.reference}"]`);
    await page.waitForURL(`${baseUrl}/staff/requests/${mine.reference}`);
    expect(await page.textContent('main')).toContain('received');
    const [approved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/approve')),
      page.click(`form[action="/staff/requests/${mine.reference}/approve"] button`),
    ]);
    expect(approved.status()).toBe(303);
    await page.waitForLoadState('load');
    expect(page.url()).toContain(`/staff/requests/${mine.reference}`);
    await screenshot(page, 'staff-02-approved');
    const after = (await findRequestByReference(rt.database.db, mine.reference))!;
    // Approval starts fulfilment: processing, then completed once the worker has run the tasks.
    expect(['processing', 'completed']).toContain(after.status);
    await page.close();
  });
});
