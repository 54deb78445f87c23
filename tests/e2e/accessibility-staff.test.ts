import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRequestByReference, updateRequestAtVersion } from '../../src/requests/requests-repo.ts';
import type { CreateRequestBody } from '../../src/requests/requests-schemas.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { auditPage } from '../helpers/axe.ts';
import { browserAvailable } from '../helpers/browser.ts';
import { findByReference } from '../helpers/intake.ts';
import { type ProductBrowser, startProductBrowser } from '../helpers/product-browser.ts';
import { bearerFor, createStaff, type StaffAccount } from '../helpers/staff.ts';
import { eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// Every staff page in the states a DPO meets, checked in Chromium with axe-core (WCAG 2.0–2.2 A/AA
// and best practices), for sideways scrolling at 1280 and 360 CSS px, with screenshots kept in
// artifacts/screenshots/a11y-staff-*.png. Real data sources (the product database) so the erasure
// dry run, the rectification review and the task receipts show; EXPORT_REVIEW=on so the export
// bundles panel offers preview, release and revoke.

describe.skipIf(!browserAvailable)('staff pages meet WCAG 2.2 AA in Chromium', () => {
  let product: ProductBrowser;
  let browser: Browser;
  let rt: TestRuntime;
  let baseUrl: string;
  let dpo: StaffAccount;

  beforeAll(async () => {
    product = await startProductBrowser({ EXPORT_REVIEW: 'on', INTAKE_LIMIT_PER_IP: '1000' });
    ({ browser, rt, baseUrl } = product);
    dpo = await createStaff(rt, { role: 'dpo' });
  });
  afterAll(async () => {
    await product?.close();
  });

  const newContext = () =>
    browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', baseURL: baseUrl });

  /** Submits what `action` clicks and waits for the page the server answers with. */
  async function submit(page: Page, action: () => Promise<void>) {
    await Promise.all([page.waitForNavigation(), action()]);
    await page.waitForLoadState('load');
  }

  const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

  /** A request as the subject filed it and verified it: waiting for the DPO's review. */
  async function pendingReview(input: CreateRequestBody): Promise<string> {
    const { reference } = await submitRequest(rt.requests, input, { channel: 'api', locale: 'en' });
    const row = (await findRequestByReference(rt.database.db, reference))!;
    await updateRequestAtVersion(rt.database.db, row.id, row.version, { status: 'pending_review' }, rt.now());
    return reference;
  }

  async function signIn(page: Page, account: StaffAccount) {
    await page.goto('/staff/login');
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await submit(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    expect(new URL(page.url()).pathname).toBe('/staff');
  }

  describe('sign-in', () => {
    it('login page, empty → no blocking axe violations, no sideways scroll at 1280 and 360 px', async () => {
      const context = await newContext();
      const page = await context.newPage();
      await page.goto('/staff/login');
      await auditPage(page, 'staff-login-empty');
      await context.close();
    });

    it('wrong password → the error summary takes focus; no blocking violations', async () => {
      const context = await newContext();
      const page = await context.newPage();
      await page.goto('/staff/login');
      await page.getByLabel('Email').fill(dpo.email);
      await page.getByLabel('Password').fill('not-the-right-password');
      await submit(page, () => page.getByRole('button', { name: 'Sign in' }).click());
      expect(await page.locator('.error-summary').isVisible()).toBe(true);
      await expect.poll(() => activeId(page)).toBe('error-summary');
      await auditPage(page, 'staff-login-error');
      await context.close();
    });
  });

  describe('signed in as a DPO', () => {
    let context: BrowserContext;
    let page: Page;
    const refs = {} as Record<'erase' | 'question' | 'rectify' | 'access', string>;
    let filed: Promise<void> | undefined;
    /** The requests the pages below show, filed once (after the empty queue was checked). */
    const fileRequests = () => {
      filed ??= (async () => {
        refs.erase = await pendingReview({ type: 'erase', law: 'gdpr', email: 'alice@example.org' });
        refs.question = await pendingReview({ type: 'erase', law: 'uk-gdpr', email: 'malice@example.org' });
        refs.rectify = await pendingReview({
          type: 'rectify',
          law: 'gdpr',
          email: 'bob@example.org',
          corrections: [
            { field: 'Display name', value: 'Robert Brown' },
            { field: 'phone', value: '+48 600 111 222' },
            { field: 'Billing name', value: 'Robert B. Brown' },
          ],
        });
        refs.access = await pendingReview({ type: 'access', law: 'ccpa', email: 'alice@example.com' });
      })();
      return filed;
    };

    beforeAll(async () => {
      context = await newContext();
      page = await context.newPage();
      await signIn(page, dpo);
    });
    afterAll(async () => {
      await context?.close();
    });

    it('queue with no requests → no blocking violations', async () => {
      await page.goto('/staff');
      expect(await page.locator('table.queue tbody').textContent()).toContain('No requests match');
      await auditPage(page, 'staff-queue-empty');
    });

    it('queue with requests, filtered by law, and filtered to nothing → no blocking violations', async () => {
      await fileRequests();
      await page.goto('/staff');
      expect(await page.locator('table.queue tbody tr').count()).toBe(4);
      await auditPage(page, 'staff-queue-items');

      await page.getByLabel('Law').selectOption('gdpr');
      await submit(page, () => page.getByRole('button', { name: 'Filter' }).click());
      expect(await page.locator('table.queue tbody tr').count()).toBe(2);
      await auditPage(page, 'staff-queue-filtered');

      await page.goto('/staff?q=RD-2222-2222');
      expect(await page.locator('table.queue tbody').textContent()).toContain('No requests match');
      await auditPage(page, 'staff-queue-filtered-none');
    });

    it('bulk action with nothing selected → the problem takes focus; no blocking violations', async () => {
      await page.goto('/staff');
      await submit(page, () => page.getByRole('button', { name: 'Assign to me' }).click());
      expect(await page.locator('.error-summary').isVisible()).toBe(true);
      await expect.poll(() => activeId(page)).toBe('error-summary');
      await auditPage(page, 'staff-queue-bulk-error');
    });

    it('dashboard with its charts, and the yearly metrics report → no blocking violations', async () => {
      await fileRequests();
      await page.goto('/staff/dashboard');
      expect(await page.locator('svg[role="img"]').count()).toBeGreaterThanOrEqual(2);
      await auditPage(page, 'staff-dashboard');
      await page.goto('/staff/reports');
      expect(await page.locator('table caption').count()).toBeGreaterThanOrEqual(1);
      await auditPage(page, 'staff-reports');
      // A year out of range is refused with a page naming the parameter.
      const refused = await page.goto('/staff/reports?year=1999');
      expect(refused?.status()).toBe(400);
      await auditPage(page, 'staff-reports-bad-year');
    });

    it('support lookup: empty, a request found, nothing found → no blocking violations', async () => {
      await fileRequests();
      await page.goto('/staff/support');
      await auditPage(page, 'staff-support-empty');
      await page.getByLabel('Reference or exact email address').fill(refs.question);
      await submit(page, () => page.getByRole('button', { name: 'Look up' }).click());
      expect(await page.locator('.support-item').count()).toBe(1);
      await auditPage(page, 'staff-support-found');
      await page.goto('/staff/support?q=RD-2222-2222');
      await auditPage(page, 'staff-support-none');
    });

    it('erase waiting for review: dry run and actions → no blocking violations', async () => {
      await fileRequests();
      await page.goto(`/staff/requests/${refs.erase}`);
      expect(await page.locator('#erasure-plan table.plan').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(1);
      await auditPage(page, 'staff-request-erasure-dry-run');
    });

    it('a question sent without text → error on the field, focused; then awaiting the subject', async () => {
      await fileRequests();
      await page.goto(`/staff/requests/${refs.question}`);
      const form = page.locator('form[action$="/request-info"]');
      await submit(page, () => form.getByRole('button').click());
      const field = page.locator('#request-info-message');
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await field.getAttribute('aria-describedby')).toBe(
        'request-info-message-hint request-info-message-error',
      );
      await expect.poll(() => activeId(page)).toBe('request-info-message');
      await auditPage(page, 'staff-request-action-error');

      await field.fill('Which account is yours: the one with the phone number ending in 001?');
      await submit(page, () => page.locator('form[action$="/request-info"]').getByRole('button').click());
      expect((await findByReference(rt.database.db, refs.question)).status).toBe('awaiting_subject');
      await auditPage(page, 'staff-request-awaiting-subject');
    });

    it('rectification review; then a form from before a change → "someone else changed" takes focus', async () => {
      await fileRequests();
      await page.goto(`/staff/requests/${refs.rectify}`);
      expect(await page.locator('#rectification table.changes').count()).toBe(1);
      await auditPage(page, 'staff-request-rectification');

      // Someone else decides meanwhile: the page's forms now carry an old version.
      const { version } = await findByReference(rt.database.db, refs.rectify);
      const bearer = await bearerFor(rt, dpo);
      const noted = await request(rt.app)
        .post(`/api/v1/staff/requests/${refs.rectify}/note`)
        .set('Authorization', bearer)
        .send({ version, message: 'Checked the phone number with the subject.' });
      expect(noted.status, noted.text).toBe(200);
      await submit(page, () => page.getByRole('button', { name: 'Accept correction 1' }).click());
      expect(await page.locator('#error-summary h2').textContent()).toBe('Someone else changed this request');
      await expect.poll(() => activeId(page)).toBe('error-summary');
      await auditPage(page, 'staff-request-stale');
    });

    it('erase approved and carried out: tasks with receipts → no blocking violations', async () => {
      await fileRequests();
      await page.goto(`/staff/requests/${refs.erase}`);
      await submit(page, () => page.getByRole('button', { name: 'Approve' }).click());
      await eventually(async () => {
        await page.reload();
        const statuses = await page.locator('#fulfilment tbody tr.task td:nth-child(3)').allTextContents();
        return statuses.length > 0 && statuses.every((s) => s.trim() === 'Done');
      });
      expect(await page.locator('#fulfilment table.receipt').count()).toBeGreaterThan(0);
      await auditPage(page, 'staff-request-tasks-done');
    });

    it('access approved with export review on: the bundles panel with preview, release, revoke', async () => {
      await fileRequests();
      await page.goto(`/staff/requests/${refs.access}`);
      await submit(page, () => page.getByRole('button', { name: 'Approve' }).click());
      await eventually(async () => {
        await page.reload();
        return (await page.locator('#exports tr.bundle').count()) > 0;
      });
      expect(await page.getByRole('button', { name: /^Release bundle 1/ }).count()).toBe(1);
      await auditPage(page, 'staff-request-export-bundles');
    });
  });
});
