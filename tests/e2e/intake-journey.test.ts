import { eq } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/db/schema.ts';
import type { RunningServer } from '../../src/server.ts';
import { startServer } from '../../src/server.ts';
import { browserAvailable, freePort, launchBrowser, screenshot } from '../helpers/browser.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

const recipients = (mail: ParsedMail) =>
  [mail.to ?? []]
    .flat()
    .flatMap((a) => a.value.map((v) => v.address?.toLowerCase()))
    .filter(Boolean);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(!browserAvailable)('intake journey in Chromium', () => {
  let sink: SmtpSink;
  let rt: TestRuntime;
  let server: RunningServer;
  let baseUrl: string;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let problems: string[] = [];

  beforeAll(async () => {
    // First, so a missing browser (which fails in CI rather than skipping) fails before anything starts.
    browser = await launchBrowser();
    sink = await startSmtpSink();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    rt = await createTestRuntime({
      env: { SMTP_URL: sink.url, PUBLIC_URL: baseUrl, INTAKE_LIMIT_PER_IP: '1000' },
    });
    server = await startServer(rt, port, '127.0.0.1');
    expect(server.url).toBe(baseUrl);
  });

  afterAll(async () => {
    await browser?.close();
    // stop() closes the runtime too; dispose() then drops the test database (closing twice is harmless).
    await server?.stop();
    await rt?.dispose();
    await sink?.close();
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  /** A fresh browser profile (cookies, cache) per test, in English, reporting console errors and failed loads. */
  async function openPage(viewport: { width: number; height: number }): Promise<Page> {
    context = await browser.newContext({ viewport, locale: 'en-GB', baseURL: baseUrl });
    const page = await context.newPage();
    problems = [];
    // Expected: the 400 that re-renders the form with errors, and the favicon the app does not serve
    // (Chromium asks for it unprompted; Playwright reports it only as a console message).
    const expected = (url: string, status: number) =>
      (status === 400 && url === `${baseUrl}/requests`) ||
      (status === 404 && url === `${baseUrl}/favicon.ico`);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const failedLoad = /^Failed to load resource: .*status of (\d+)/.exec(m.text());
      if (failedLoad && expected(m.location().url, Number(failedLoad[1]))) return;
      problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && !expected(r.url(), r.status()))
        problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return page;
  }

  // No DOM lib in this (server) tsconfig: read the page through locators, or evaluate plain expressions.
  const focusedId = (page: Page) => page.locator(':focus').getAttribute('id');

  async function storedRequest(reference: string) {
    const [row] = await rt.database.db.select().from(requests).where(eq(requests.reference, reference));
    if (!row) throw new Error(`request ${reference} is not in the database`);
    return row;
  }

  async function referenceOnReceivedPage(page: Page): Promise<string> {
    const text = (await page.locator('main').textContent()) ?? '';
    const match = /Your reference is (RD-[A-Z0-9]{4}-[A-Z0-9]{4})\./.exec(text);
    if (!match?.[1]) throw new Error(`no reference on the received page:\n${text}`);
    expect(new URL(page.url()).searchParams.get('ref')).toBe(match[1]);
    return match[1];
  }

  /** Submits the intake form with `action` and expects the 303 to the received page; otherwise shows why. */
  async function submitIntake(page: Page, action: () => Promise<void>): Promise<string> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${baseUrl}/requests` && r.request().method() === 'POST'),
      action(),
    ]);
    if (response.status() !== 303) {
      await page.waitForLoadState();
      const text = (await page.locator('main').textContent())?.replace(/\s+/g, ' ').trim();
      throw new Error(`POST /requests answered ${response.status()}, not 303: ${text}`);
    }
    await page.waitForURL(/\/requests\/received\?/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Check your email');
    return referenceOnReceivedPage(page);
  }

  it('access request: form by keyboard → email → confirm → status page', async () => {
    const page = await openPage({ width: 1280, height: 800 });
    const email = 'ana.kowalska@example.org';

    await page.goto('/');
    await expect.poll(() => page.title()).toBe('Make a privacy request · Example Organisation');
    // The stylesheet applied (CSP allows it, /assets serves it).
    expect(await page.evaluate<string>('getComputedStyle(document.body).fontFamily')).toContain('system-ui');
    await screenshot(page, 'intake-01-form');

    // Keyboard only: skip link first, the five language links, then one tab stop per radio group,
    // arrows/space inside a group.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    for (const language of ['English', 'Polski', 'Deutsch', 'Français', 'Español']) {
      await page.keyboard.press('Tab');
      expect(await page.locator(':focus').textContent()).toBe(language);
    }
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('type-access');
    await page.keyboard.press('Space');
    await expect.poll(() => page.isChecked('#type-access')).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('region-eu');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('name');
    await page.keyboard.type('Ana Kowalska');

    expect(await page.getByLabel('See my data').isChecked()).toBe(true);
    expect(await page.getByLabel('In the European Union, Iceland, Liechtenstein or Norway').isChecked()).toBe(
      true,
    );
    expect(await page.getByLabel('Your email address').inputValue()).toBe(email);
    await screenshot(page, 'intake-02-form-filled');

    // Enter in a text field submits the form (implicit submission), as a keyboard user would.
    const reference = await submitIntake(page, () => page.keyboard.press('Enter'));
    await screenshot(page, 'intake-03-check-email');

    const stored = await storedRequest(reference);
    expect(stored).toMatchObject({
      type: 'access',
      law: 'gdpr',
      status: 'unverified',
      subjectEmail: email,
      subjectName: 'Ana Kowalska',
    });

    // The verification email, over real SMTP, with a link on the URL the browser uses.
    const mail = await eventually(async () =>
      sink.messages.find((m) => recipients(m).includes(email) && m.subject?.includes(reference)),
    );
    expect(mail.subject).toBe(`Confirm your privacy request ${reference}`);
    const link = new RegExp(`${escapeRegExp(baseUrl)}/verify/\\S+`).exec(mail.text ?? '')?.[0];
    expect(link, mail.text).toBeDefined();

    await page.goto(link!);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Confirm your request');
    expect(await page.locator('main').textContent()).toContain(`you made request ${reference}`);
    await screenshot(page, 'intake-04-confirm');
    // Opening the link (as a mail scanner would) changes nothing.
    expect((await storedRequest(reference)).status).toBe('unverified');

    // The form posts back to the same URL, so wait for that POST's answer rather than a URL change.
    await Promise.all([
      page.waitForResponse((r) => r.url() === link && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Confirm', exact: true }).click(),
    ]);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Thank you, your request is confirmed');
    expect(await page.locator('main').textContent()).toContain(`review request ${reference}`);
    await screenshot(page, 'intake-05-confirmed');
    const verified = await storedRequest(reference);
    expect(verified.status).toBe('pending_review');
    expect(verified.verifiedAt).toBeInstanceOf(Date);

    await Promise.all([
      page.waitForURL(new RegExp(`^${escapeRegExp(baseUrl)}/status/`)),
      page.getByRole('link', { name: 'See where your request stands' }).click(),
    ]);
    await expect.poll(() => page.locator('h1').textContent()).toBe(`Request ${reference}`);
    const facts = page.locator('dl.facts');
    expect(await facts.locator('dt:has-text("Where it stands") + dd').textContent()).toBe(
      'Confirmed; our privacy team is reviewing it',
    );
    expect(await facts.locator('dt:has-text("What you asked for") + dd').textContent()).toBe('See my data');
    expect(await facts.locator('dt:has-text("Law") + dd').textContent()).toBe(
      'EU General Data Protection Regulation (GDPR)',
    );
    expect(await page.locator('ol.timeline li').allTextContents()).toEqual([
      expect.stringContaining('Request received'),
      expect.stringContaining('Email address confirmed'),
    ]);
    await screenshot(page, 'intake-06-status');
    expect(problems).toEqual([]);
  });

  it('phone width: invalid email and no type → error summary linked to the fields, input kept', async () => {
    const page = await openPage({ width: 360, height: 740 });
    await page.goto('/');
    await page.getByLabel('In the United Kingdom').check();
    await page.getByLabel('Your email address').fill('ana at example');
    await page.getByLabel('Your name (optional)').fill('Zofia Wiśniewska');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${baseUrl}/requests` && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Send request' }).click(),
    ]);
    expect(response.status()).toBe(400);
    await page.waitForLoadState();
    expect(
      await rt.database.db.select().from(requests).where(eq(requests.subjectName, 'Zofia Wiśniewska')),
    ).toEqual([]);

    const summary = page.locator('.error-summary');
    await expect.poll(() => summary.isVisible()).toBe(true);
    expect(await summary.getAttribute('role')).toBe('alert');
    expect(await summary.locator('h2').textContent()).toBe('There is a problem');
    const links = summary.locator('a');
    expect(await links.allTextContents()).toEqual([
      'Choose what you would like us to do.',
      'Enter a valid email address, like name@example.com.',
    ]);
    expect([await links.nth(0).getAttribute('href'), await links.nth(1).getAttribute('href')]).toEqual([
      '#type-field',
      '#email-field',
    ]);
    // Each link's target exists and holds the field it names.
    expect(await page.locator('#type-field input[type=radio][name=type]').count()).toBe(4);
    expect(await page.locator('#email-field #email').count()).toBe(1);
    await links.nth(1).click();
    expect(new URL(page.url()).hash).toBe('#email-field');

    const emailInput = page.locator('#email');
    expect(await emailInput.getAttribute('aria-invalid')).toBe('true');
    expect(await emailInput.getAttribute('aria-describedby')).toBe('email-hint email-error');
    expect(await page.locator('#email-error').textContent()).toContain('Enter a valid email address');
    expect(await page.locator('#type-field').getAttribute('aria-describedby')).toBe('type-error');
    expect(await emailInput.inputValue()).toBe('ana at example');
    expect(await page.locator('#name').inputValue()).toBe('Zofia Wiśniewska');
    expect(await page.isChecked('#region-uk')).toBe(true);
    expect(await page.locator('#region-field.has-error').count()).toBe(0);

    const widths = await page.evaluate<{ scroll: number; client: number }>(
      '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
    );
    expect(widths.scroll).toBeLessThanOrEqual(360);
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'mobile-360-errors');
    expect(problems).toEqual([]);
  });

  it('rectify request: two correction rows from the form are stored as corrections', async () => {
    const page = await openPage({ width: 1280, height: 800 });
    const email = 'Bo.Nilsson@Example.org';
    await page.goto('/');
    await page.getByLabel('Correct my data').check();
    await page.getByLabel('In the United Kingdom').check();
    await page.getByLabel('Your email address').fill(email);
    await page.getByLabel('What is wrong (row 1)').fill('Postal address');
    await page.getByLabel('What it should say (row 1)').fill('  12 High Street, Leeds LS1 4AP  ');
    await page.getByLabel('What is wrong (row 2)').fill('Surname');
    await page.getByLabel('What it should say (row 2)').fill('Nilsson-Berg');
    // Row 3 is left empty and must not become a correction.
    await screenshot(page, 'rectify-01-form-filled');

    const reference = await submitIntake(page, () =>
      page.getByRole('button', { name: 'Send request' }).click(),
    );
    await screenshot(page, 'rectify-02-check-email');

    const stored = await storedRequest(reference);
    expect(stored).toMatchObject({
      type: 'rectify',
      law: 'uk-gdpr',
      status: 'unverified',
      subjectEmail: email.toLowerCase(),
      subjectName: null,
    });
    expect(stored.corrections).toEqual([
      { field: 'Postal address', value: '12 High Street, Leeds LS1 4AP' },
      { field: 'Surname', value: 'Nilsson-Berg' },
    ]);
    expect(problems).toEqual([]);
  });
});
