import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportBundles, verificationTokens } from '../../src/db/schema.ts';
import { statusUrl } from '../../src/requests/links.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { unsubscribeUrl } from '../../src/suppression/suppression-service.ts';
import {
  auditPage,
  axeViolations,
  clippedText,
  expectNoHorizontalScroll,
  expectNoSeriousViolations,
  focusIndicator,
  isBlocking,
} from '../helpers/axe.ts';
import { browserAvailable, freePort, launchBrowser, screenshot } from '../helpers/browser.ts';
import { bundlesOf, downloadPathIn, fileVerifiedAccess, mailsOf } from '../helpers/exports.ts';
import { findByReference } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// Every page a data subject can meet, in every state it has, checked in Chromium with axe-core
// (WCAG 2.0–2.2 A/AA and best practices), for sideways scrolling at 1280 and 360 CSS px, with
// screenshots kept in artifacts/screenshots/a11y-*.png. No SMTP_URL: mail lands in the dev mailbox
// (which is one of the pages), and links are read from the outbox.

/** The per-email intake limit here: the rate-limited page is reached by filing one more than this. */
const perEmailLimit = 3;

describe.skipIf(!browserAvailable)('subject pages meet WCAG 2.2 AA in Chromium', () => {
  let browser: Browser;
  let rt: TestRuntime;
  let server: RunningServer;
  let baseUrl: string;
  let context: BrowserContext | undefined;
  let dpoBearer: string;
  let counter = 0;
  const email = (what: string) => `a11y-${what}-${++counter}@example.org`;

  beforeAll(async () => {
    browser = await launchBrowser();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    rt = await createTestRuntime({
      env: {
        PUBLIC_URL: baseUrl,
        INTAKE_LIMIT_PER_IP: '1000',
        INTAKE_LIMIT_PER_EMAIL: String(perEmailLimit),
      },
    });
    server = await startServer(rt, port, '127.0.0.1');
    dpoBearer = await bearerFor(rt, await createStaff(rt, { role: 'dpo' }));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rt?.dispose();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  async function openPage(
    viewport: { width: number; height: number } = { width: 1280, height: 800 },
    deviceScaleFactor = 1,
  ): Promise<Page> {
    await context?.close();
    context = await browser.newContext({ viewport, deviceScaleFactor, locale: 'en-GB', baseURL: baseUrl });
    return context.newPage();
  }

  /** Clicks what `action` clicks and waits for the page the form post answers with. */
  async function submit(page: Page, action: () => Promise<void>) {
    await Promise.all([page.waitForNavigation(), action()]);
    await page.waitForLoadState('load');
  }

  const fileApi = async (body: Record<string, unknown>) => {
    const res = await request(rt.app).post('/api/v1/requests').send(body);
    if (res.status !== 202) throw new Error(`filing failed: ${res.status} ${res.text}`);
    const row = await findByReference(rt.database.db, res.body.reference as string);
    return { reference: row.reference, id: row.id };
  };

  /** The /verify/{token} path of the request's latest verification email. */
  const verifyPath = async (requestId: string) => {
    const mails = await mailsOf(rt, requestId);
    const path = mails
      .map((m) => /\/verify\/[^\s"<]+/.exec(m.text)?.[0])
      .filter(Boolean)
      .at(-1);
    if (!path) throw new Error('no verification email');
    return path;
  };

  const statusPath = (requestId: string) => new URL(statusUrl(rt.config, requestId, rt.now())).pathname;

  const staffApi = (reference: string, action: string, body: object) =>
    request(rt.app)
      .post(`/api/v1/staff/requests/${reference}/${action}`)
      .set('Authorization', dpoBearer)
      .send(body);

  const h1 = (page: Page) => page.locator('h1').textContent();
  const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

  describe('the axe helper', () => {
    it('a page with an unlabelled input, no main and an empty button → axe reports them as blocking', async () => {
      const page = await openPage();
      await page.setContent(
        '<!doctype html><html><head><title>Broken</title></head><body>' +
          '<div><h3>Heading out of order</h3><input type="text"><button></button>' +
          '<p style="color:#bbb;background:#fff">Pale text</p></div></body></html>',
      );
      const violations = await axeViolations(page);
      const blocking = violations.filter(isBlocking).map((v) => v.id);
      expect(blocking).toEqual(
        expect.arrayContaining(['label', 'button-name', 'color-contrast', 'html-has-lang', 'region']),
      );
      // And the assertion built on it fails, naming rule, impact and target.
      const failure = await expectNoSeriousViolations(page, 'broken snippet').then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/- label \[critical\].*\n\s+targets: input/);
    });

    it('a page wider than the viewport → the sideways-scroll check fails', async () => {
      const page = await openPage({ width: 360, height: 740 });
      await page.setContent(
        '<!doctype html><html lang="en"><body><main><div style="width:500px">wide</div></main></body></html>',
      );
      const failure = await expectNoHorizontalScroll(page, 'wide snippet').then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/scrolls sideways \(\d+ > 360 CSS px\); too wide: div/);
    });
  });

  describe('dev mailbox', () => {
    it('empty dev mailbox → no blocking axe violations at 1280 and 360 px', async () => {
      const page = await openPage();
      await page.goto('/dev/mailbox');
      expect(await h1(page)).toBe('Dev mailbox');
      expect(await page.locator('main').textContent()).toContain('No messages yet.');
      await auditPage(page, 'mailbox-empty');
    });
  });

  describe('request form', () => {
    it('empty form → no blocking axe violations, no sideways scroll at 1280 and 360 px', async () => {
      const page = await openPage();
      await page.goto('/');
      expect(await h1(page)).toBe('Make a privacy request');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await auditPage(page, 'form-empty');
    });

    it('form sent with every first-stage field wrong → summary focused, linked to each field, no blocking violations', async () => {
      const page = await openPage();
      await page.goto('/');
      // The browser's own limits are lifted so the server's checks are what answers.
      await page.evaluate(() => {
        for (const el of Array.from(document.querySelectorAll('[maxlength]')))
          el.removeAttribute('maxlength');
      });
      await page.getByLabel('Your email address').fill('not an email');
      await page.getByLabel('Your name (optional)').fill('N'.repeat(201));
      await page.getByLabel('Anything else we should know (optional)').fill('d'.repeat(5001));
      await submit(page, () => page.getByRole('button', { name: 'Send request' }).click());
      const summary = page.locator('.error-summary');
      expect(await summary.locator('a').allTextContents()).toEqual([
        'Choose what you would like us to do.',
        'Choose where you live.',
        'Enter a valid email address, like name@example.com.',
        'Your name must be at most 200 characters, without special control characters.',
        'Keep this to 5000 characters or fewer.',
      ]);
      // Focus moved to the summary (autofocus: no script), so a screen reader reads it first.
      await expect.poll(() => activeId(page)).toBe('error-summary');
      // Every link leads to a field group that exists and names its error.
      for (const href of await summary
        .locator('a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
        const target = page.locator(href!);
        expect(await target.count(), href!).toBe(1);
        expect(await target.locator('.field-error').count(), href!).toBe(1);
      }
      expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#name').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#details').getAttribute('aria-invalid')).toBe('true');
      await auditPage(page, 'form-errors');
    });

    it('"correct my data" chosen → the correction rows show, labelled, with no blocking violations', async () => {
      const page = await openPage();
      await page.goto('/');
      await page.getByLabel('Correct my data').check();
      expect(await page.locator('#corrections-field').isVisible()).toBe(true);
      expect(await page.getByLabel('What is wrong (row 3)').isVisible()).toBe(true);
      await auditPage(page, 'form-rectify-rows');
    });

    it('rectify sent with a half-filled correction → corrections error, summary focused, no blocking violations', async () => {
      const page = await openPage();
      await page.goto('/');
      await page.getByLabel('Correct my data').check();
      await page.getByLabel('In the United Kingdom').check();
      await page.getByLabel('Your email address').fill(email('rectify-error'));
      await page.getByLabel('What is wrong (row 1)').fill('Surname');
      await submit(page, () => page.getByRole('button', { name: 'Send request' }).click());
      expect(await page.locator('.error-summary a').allTextContents()).toEqual([
        'For a correction, fill in both what is wrong and what it should say (up to 20 rows).',
      ]);
      await expect.poll(() => activeId(page)).toBe('error-summary');
      expect(await page.getByLabel('What is wrong (row 1)').inputValue()).toBe('Surname');
      await auditPage(page, 'form-rectify-errors');
    });

    it('?lang=pl → the page says which language it is in, and has no blocking violations', async () => {
      const page = await openPage();
      await page.goto('/?lang=pl');
      // Polish where a catalog exists, else the English fallback: the attribute follows the text.
      const polish = rt.i18n.has('pl');
      expect(await page.locator('html').getAttribute('lang')).toBe(polish ? 'pl' : 'en');
      if (polish) expect(await h1(page)).not.toBe('Make a privacy request');
      await auditPage(page, 'form-lang-pl');
    });

    it('200% zoom (640×400 CSS px at scale 2) → form and errors reflow: no sideways scroll, no clipped text', async () => {
      const page = await openPage({ width: 640, height: 400 }, 2);
      await page.goto('/');
      await expectNoHorizontalScroll(page, 'form at 200%');
      expect(await clippedText(page)).toEqual([]);
      await screenshot(page, 'a11y-form-empty-zoom200');
      await page.getByLabel('Correct my data').check();
      await submit(page, () => page.getByRole('button', { name: 'Send request' }).click());
      await expectNoHorizontalScroll(page, 'form with errors at 200%');
      expect(await clippedText(page)).toEqual([]);
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshot(page, 'a11y-form-errors-zoom200');
    });

    it('keyboard only: every control of the form shows a focus indicator of at least 3:1 against the page', async () => {
      const page = await openPage();
      await page.goto('/');
      const seen: string[] = [];
      const check = async () => {
        const focus = await focusIndicator(page);
        expect(
          focus.visible,
          `${focus.element}: outline ${focus.outline}, box-shadow ${focus.boxShadow}`,
        ).toBe(true);
        expect(focus.contrast, `${focus.element}: indicator contrast`).toBeGreaterThanOrEqual(3);
        seen.push(focus.element);
      };
      // The skip link, then whatever the header holds (the language switcher), up to the first choice.
      for (let i = 0; i < 10 && (await activeId(page)) !== 'type-access'; i++) {
        await page.keyboard.press('Tab');
        await check();
      }
      expect(seen[0]).toBe('a');
      // Arrow keys move within the group and choose: down to "Correct my data" shows the rows.
      await page.keyboard.press('ArrowDown');
      await check();
      expect(await page.isChecked('#type-rectify')).toBe(true);
      await page.keyboard.press('Tab'); // region group
      await page.keyboard.press('Space');
      await check();
      await page.keyboard.press('Tab'); // email
      await page.keyboard.type('keyboard@example.org');
      await check();
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press('Tab'); // name, six correction inputs, details
        await check();
      }
      await page.keyboard.press('Tab'); // Send request
      await check();
      expect(seen.slice(seen.indexOf('input#type-access[type=radio]'))).toEqual([
        'input#type-access[type=radio]',
        'input#type-rectify[type=radio]',
        'input#region-eu[type=radio]',
        'input#email[type=email]',
        'input#name[type=text]',
        'input#correction-field-1[type=text]',
        'input#correction-value-1[type=text]',
        'input#correction-field-2[type=text]',
        'input#correction-value-2[type=text]',
        'input#correction-field-3[type=text]',
        'input#correction-value-3[type=text]',
        'textarea#details',
        'button[type=submit]',
      ]);
      // Enter on the button sends the form without corrections: the summary takes focus, visibly.
      await submit(page, () => page.keyboard.press('Enter'));
      await expect.poll(() => activeId(page)).toBe('error-summary');
      await check();
      // Tab reaches the summary's link; Enter follows it to the corrections fieldset.
      await page.keyboard.press('Tab');
      await check();
      expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe(
        '#corrections-field',
      );
      await page.keyboard.press('Enter');
      expect(new URL(page.url()).hash).toBe('#corrections-field');
    });
  });

  describe('after sending', () => {
    it('"check your email" page → no blocking violations', async () => {
      const page = await openPage();
      await page.goto('/');
      await page.getByLabel('See my data').check();
      await page.getByLabel('In the European Union, Iceland, Liechtenstein or Norway').check();
      await page.getByLabel('Your email address').fill(email('received'));
      await submit(page, () => page.getByRole('button', { name: 'Send request' }).click());
      expect(await h1(page)).toBe('Check your email');
      await auditPage(page, 'received-normal');
    });

    it('opt-out received page → no blocking violations', async () => {
      const page = await openPage();
      await page.goto('/');
      await page.getByLabel('Stop marketing').check();
      await page.getByLabel('In California').check();
      await page.getByLabel('Your email address').fill(email('optout'));
      await submit(page, () => page.getByRole('button', { name: 'Send request' }).click());
      expect(new URL(page.url()).searchParams.get('type')).toBe('opt_out');
      await auditPage(page, 'received-optout');
    });
  });

  describe('verification', () => {
    it('confirm page → verified page → the used link again → each without blocking violations', async () => {
      const { reference, id } = await fileApi({ type: 'erase', law: 'gdpr', email: email('verify') });
      const link = await verifyPath(id);
      const page = await openPage();
      await page.goto(link);
      expect(await h1(page)).toBe('Confirm your request');
      await auditPage(page, 'verify-confirm');

      await submit(page, () => page.getByRole('button', { name: 'Confirm', exact: true }).click());
      expect(await page.locator('main').textContent()).toContain(reference);
      expect((await findByReference(rt.database.db, reference)).status).toBe('pending_review');
      await auditPage(page, 'verify-verified');

      await page.goto(link);
      expect(await page.getByRole('link', { name: 'See where your request stands' }).count()).toBe(1);
      await auditPage(page, 'verify-used');
    });

    it('forged link → the invalid-link page has no blocking violations', async () => {
      const page = await openPage();
      const response = await page.goto('/verify/not-a-real-token');
      expect(response?.status()).toBe(400);
      await auditPage(page, 'verify-invalid');
    });

    it('expired link → resend button → "new link sent" page, each without blocking violations', async () => {
      const { id } = await fileApi({ type: 'access', law: 'uk-gdpr', email: email('expired') });
      const link = await verifyPath(id);
      await rt.database.db
        .update(verificationTokens)
        .set({ expiresAt: new Date(Date.now() - 60_000) })
        .where(eq(verificationTokens.requestId, id));
      const page = await openPage();
      await page.goto(link);
      const resend = page.getByRole('button', { name: /new link/i });
      expect(await resend.count()).toBe(1);
      await auditPage(page, 'verify-expired');

      await submit(page, () => resend.click());
      expect(await page.getByRole('button').count()).toBe(0);
      await auditPage(page, 'verify-resent');
    });
  });

  describe('status page', () => {
    it('unverified request → status page with the resend button, then the "sent again" notice', async () => {
      const { id } = await fileApi({ type: 'access', law: 'ccpa', email: email('status-unverified') });
      const page = await openPage();
      await page.goto(statusPath(id));
      await auditPage(page, 'status-unverified');
      await submit(page, () => page.getByRole('button', { name: /new link/i }).click());
      expect(await page.getByRole('status').count()).toBe(1);
      await auditPage(page, 'status-unverified-resent');
    });

    it('pending review → status page has no blocking violations; 200% zoom reflows without clipping', async () => {
      const { reference, id } = await fileVerifiedAccess(rt, email('status-pending'));
      expect((await findByReference(rt.database.db, reference)).status).toBe('pending_review');
      const page = await openPage();
      await page.goto(statusPath(id));
      await auditPage(page, 'status-pending-review');

      const zoomed = await openPage({ width: 640, height: 400 }, 2);
      await zoomed.goto(statusPath(id));
      await expectNoHorizontalScroll(zoomed, 'status at 200%');
      expect(await clippedText(zoomed)).toEqual([]);
      await screenshot(zoomed, 'a11y-status-pending-review-zoom200');
    });

    it('awaiting the subject → question and answer box; an empty answer → error focused on the field', async () => {
      const { reference, id } = await fileVerifiedAccess(rt, email('status-awaiting'));
      const { version } = await findByReference(rt.database.db, reference);
      const asked = await staffApi(reference, 'request-info', {
        version,
        message: 'Which account number is yours? See https://example.org/help for where to find it.',
      });
      expect(asked.status, asked.text).toBe(200);
      const page = await openPage();
      await page.goto(statusPath(id));
      expect(await page.getByLabel('Your answer').count()).toBe(1);
      await auditPage(page, 'status-awaiting-subject');

      // Spaces only: past the browser's `required`, refused by the server.
      await page.getByLabel('Your answer').fill('   ');
      await submit(page, () => page.getByRole('button', { name: 'Send my answer' }).click());
      expect(await page.locator('#reply-error').textContent()).toBeTruthy();
      const reply = page.locator('#reply');
      expect(await reply.getAttribute('aria-invalid')).toBe('true');
      expect(await reply.getAttribute('aria-describedby')).toBe('reply-hint reply-error');
      await expect.poll(() => activeId(page)).toBe('reply');
      await auditPage(page, 'status-reply-error');
    });

    it('cancel question → cancelled (closed) status page, each without blocking violations', async () => {
      const { id } = await fileVerifiedAccess(rt, email('status-cancel'));
      const page = await openPage();
      await page.goto(statusPath(id));
      await page.getByRole('link', { name: /cancel/i }).click();
      await page.waitForURL(/\/cancel$/);
      await auditPage(page, 'cancel-confirm');
      await submit(page, () => page.getByRole('button', { name: /cancel/i }).click());
      expect(await page.getByRole('status').count()).toBe(1);
      await auditPage(page, 'status-cancelled');
    });
  });

  describe('download pages', () => {
    let link = '';
    let bundleId = '';
    let completedId = '';

    beforeAll(async () => {
      const { reference, id } = await fileVerifiedAccess(rt, email('download'));
      const { version } = await findByReference(rt.database.db, reference);
      expect((await staffApi(reference, 'approve', { version })).status).toBe(200);
      await eventually(async () => (await findByReference(rt.database.db, reference)).status === 'completed');
      const completion = (await mailsOf(rt, id)).find((m) => /is complete/.test(m.subject))!;
      link = downloadPathIn(completion.text)!;
      bundleId = (await bundlesOf(rt, id))[0]!.id;
      completedId = id;
    });

    const setBundle = (values: Partial<typeof exportBundles.$inferInsert>) =>
      rt.database.db.update(exportBundles).set(values).where(eq(exportBundles.id, bundleId));

    it('completed request → its status page has no blocking violations', async () => {
      const page = await openPage();
      await page.goto(statusPath(completedId));
      await auditPage(page, 'status-completed');
    });

    it('link opened → code form → code sent → wrong code: error focused on the field, no blocking violations', async () => {
      const page = await openPage();
      await page.goto(link);
      await auditPage(page, 'download-start');
      await submit(page, () => page.getByRole('button', { name: 'Email me a code' }).click());
      expect(await page.getByRole('status').textContent()).toContain('We have emailed you a code');
      await auditPage(page, 'download-code-sent');
      await page.getByLabel(/code/i).first().fill('000000');
      await submit(page, () => page.getByRole('button', { name: 'Download', exact: true }).click());
      expect(await page.locator('#code-error').textContent()).toMatch(/not right|no code/i);
      expect(await page.locator('#code').getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => activeId(page)).toBe('code');
      await auditPage(page, 'download-wrong-code');
    });

    it('awaiting review, expired, revoked, deleted, forged: each download page has no blocking violations', async () => {
      const page = await openPage();
      const released = (await bundlesOf(rt, completedId))[0]!;
      const states: [string, Partial<typeof exportBundles.$inferInsert>][] = [
        ['awaiting-review', { releasedAt: null }],
        ['expired', { releasedAt: released.releasedAt, expiresAt: new Date(Date.now() - 60_000) }],
        ['revoked', { expiresAt: released.expiresAt, revokedAt: new Date() }],
        ['purged', { revokedAt: null, purgedAt: new Date() }],
      ];
      for (const [state, values] of states) {
        await setBundle(values);
        await page.goto(link);
        await auditPage(page, `download-${state}`);
      }
      await setBundle({ purgedAt: null });
      const forged = await page.goto('/download/not-a-real-link');
      expect(forged?.status()).toBe(400);
      await auditPage(page, 'download-invalid');
    });
  });

  describe('unsubscribe', () => {
    it('confirm page → done page → the link again, and a forged link: no blocking violations', async () => {
      const path = new URL(unsubscribeUrl(rt.config, email('unsubscribe'))).pathname;
      const page = await openPage();
      await page.goto(path);
      await auditPage(page, 'unsubscribe-confirm');
      await submit(page, () => page.getByRole('button').click());
      await auditPage(page, 'unsubscribe-done');
      await page.goto(path);
      await auditPage(page, 'unsubscribe-already');
      const forged = await page.goto('/unsubscribe/not-a-real-token');
      expect(forged?.status()).toBe(400);
      await auditPage(page, 'unsubscribe-invalid');
    });
  });

  describe('error pages', () => {
    it('unknown address → the 404 page has no blocking violations', async () => {
      const page = await openPage();
      const response = await page.goto('/no-such-page');
      expect(response?.status()).toBe(404);
      await auditPage(page, 'error-404');
    });

    it('form posted without its CSRF token → the 403 page has no blocking violations', async () => {
      const page = await openPage();
      await page.goto('/');
      await page.evaluate(() => document.querySelector('input[name="_csrf"]')?.remove());
      await page.getByLabel('See my data').check();
      await page.getByLabel('In the United Kingdom').check();
      await page.getByLabel('Your email address').fill(email('csrf'));
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/requests') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send request' }).click(),
      ]);
      expect(response.status()).toBe(403);
      await page.waitForLoadState('load');
      await auditPage(page, 'error-csrf');
    });

    it('too many requests from one address → the 429 page has no blocking violations', async () => {
      const address = email('limited');
      for (let i = 0; i < perEmailLimit; i++) await fileApi({ type: 'access', law: 'gdpr', email: address });
      const page = await openPage();
      await page.goto('/');
      await page.getByLabel('See my data').check();
      await page.getByLabel('In the United Kingdom').check();
      await page.getByLabel('Your email address').fill(address);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/requests') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send request' }).click(),
      ]);
      expect(response.status()).toBe(429);
      await page.waitForLoadState('load');
      await auditPage(page, 'error-rate-limited');
    });
  });

  describe('dev mailbox with mail', () => {
    it('the mailbox full of the emails above → no blocking violations', async () => {
      const page = await openPage();
      await page.goto('/dev/mailbox');
      expect(await page.locator('article.mail').count()).toBeGreaterThan(5);
      await auditPage(page, 'mailbox-messages');
    });
  });
});
