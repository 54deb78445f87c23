import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRequestByReference, updateRequestAtVersion } from '../../src/requests/requests-repo.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { browserAvailable, screenshot } from '../helpers/browser.ts';
import { type ProductBrowser, startProductBrowser } from '../helpers/product-browser.ts';
import { createStaff, staffPassword } from '../helpers/staff.ts';
import { eventually, type TestRuntime } from '../helpers/test-runtime.ts';

/** The text of each cell of a table row, whitespace collapsed. */
async function cells(row: Locator): Promise<string[]> {
  const texts = await row.locator('th, td').allTextContents();
  return texts.map((t) => t.replace(/\s+/g, ' ').trim());
}

describe.skipIf(!browserAvailable)(
  'a DPO reads the erasure dry run, approves, and sees the tasks done',
  () => {
    let product: ProductBrowser;
    let browser: Browser;
    let rt: TestRuntime;
    let baseUrl: string;

    beforeAll(async () => {
      product = await startProductBrowser();
      ({ browser, rt, baseUrl } = product);
    });
    afterAll(async () => {
      await product?.close();
    });

    it('erase request: dry run with the kept invoice amount before Approve; approve; tasks done with receipts', async () => {
      const { reference } = await submitRequest(
        rt.requests,
        { type: 'erase', law: 'gdpr', email: 'alice@example.org' },
        { channel: 'api', locale: 'en' },
      );
      // Verified by the subject already: the request waits for review.
      const row = (await findRequestByReference(rt.database.db, reference))!;
      await updateRequestAtVersion(
        rt.database.db,
        row.id,
        row.version,
        { status: 'pending_review' },
        new Date(),
      );
      const dpo = await createStaff(rt, { role: 'dpo' });

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${baseUrl}/staff/login`);
      await page.fill('#email', dpo.email);
      await page.fill('#password', staffPassword);
      await page.click('button[type=submit]');
      await page.waitForURL(`${baseUrl}/staff`);

      await page.goto(`${baseUrl}/staff/requests/${reference}`);
      const plan = page.locator('#erasure-plan');
      await plan.waitFor();
      const product = plan.getByRole('table', { name: 'product (postgres): what erasure would do' });
      const amount = product
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: 'amount' }) });
      expect(await cells(amount)).toEqual([
        'invoices',
        'amount',
        'financial',
        'Keep',
        '1',
        'tax law — 5 years',
      ]);
      const sessions = product.getByRole('row').filter({ hasText: 'user_agent' });
      expect((await cells(sessions)).slice(3, 5)).toEqual(['Delete row', '3']);
      // The dry run comes first in reading order, then the Approve button.
      const approve = page.getByRole('button', { name: 'Approve' });
      const order = await page.evaluate(() => {
        const planEl = document.getElementById('erasure-plan')!;
        const button = document.querySelector('form[action$="/approve"] button')!;
        return planEl.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING;
      });
      expect(order).toBeTruthy();
      await screenshot(page, 'fulfilment-01-erasure-dry-run');

      const [approved] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/approve')),
        approve.click(),
      ]);
      expect(approved.status()).toBe(303);
      await page.waitForLoadState('load');
      expect(await page.getByRole('status').textContent()).toContain('Approved.');

      // The worker runs one task per source; the page shows them done once it has.
      await eventually(async () => {
        await page.reload();
        const statuses = await page.locator('#fulfilment tbody tr.task td:nth-child(3)').allTextContents();
        return statuses.length === 2 && statuses.every((s) => s.trim() === 'Done');
      });
      const tasks = page.locator('#fulfilment');
      const productRow = tasks
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: 'product' }) });
      const productCells = await cells(productRow);
      expect(productCells.slice(0, 4)).toEqual(['product', 'erase', 'Done', '1']);
      expect(productCells[6]).toMatch(/^3 rows deleted, 4 masked, 1 kept \(tax law, 5 years\)$/);
      const receipt = tasks.getByRole('table', { name: 'product: rows per collection' });
      expect(await cells(receipt.getByRole('row').filter({ hasText: 'sessions' }))).toEqual([
        'sessions',
        '3',
        '3',
        '—',
        '—',
        '—',
      ]);
      expect(await tasks.locator('ul.kept li').allTextContents()).toContain(
        'kept: invoices.amount — tax law — 5 years',
      );
      expect(await page.locator('#erasure-plan').count()).toBe(0);
      await screenshot(page, 'fulfilment-02-tasks-done');
      expect((await findRequestByReference(rt.database.db, reference))!.status).toBe('completed');
      await page.close();
    });
  },
);
