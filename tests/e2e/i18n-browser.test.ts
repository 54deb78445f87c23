import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/i18n/i18n.ts';
import type { RunningServer } from '../../src/server.ts';
import { startServer } from '../../src/server.ts';
import { browserAvailable, freePort, launchBrowser, screenshot } from '../helpers/browser.ts';
import { englishLeaks } from '../helpers/english-leaks.ts';
import { linkIn, waitForMail } from '../helpers/intake.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const catalogs = loadCatalogs();
const t = (locale: string, key: string) => catalogs[locale]?.[key] ?? key;

describe.skipIf(!browserAvailable)('languages in Chromium', () => {
  let browser: Browser;
  let sink: SmtpSink;
  let rt: TestRuntime;
  let server: RunningServer;
  let baseUrl: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    sink = await startSmtpSink();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    rt = await createTestRuntime({
      env: { SMTP_URL: sink.url, PUBLIC_URL: baseUrl, INTAKE_LIMIT_PER_IP: '1000' },
    });
    server = await startServer(rt, port, '127.0.0.1');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rt?.dispose();
    await sink?.close();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  async function open(locale: string, width = 1280) {
    const context = await browser.newContext({ locale, viewport: { width, height: 800 }, baseURL: baseUrl });
    contexts.push(context);
    return context.newPage();
  }

  it('a German browser gets the German form; the switcher changes to Polish and remembers it', async () => {
    const page = await open('de-DE');
    await page.goto('/');
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.locator('h1').textContent()).toBe(t('de', 'form.title'));

    const switcher = page.getByRole('navigation', { name: t('de', 'site.languages') });
    expect(await switcher.getByRole('link').allTextContents()).toEqual([
      'English',
      'Polski',
      'Deutsch',
      'Français',
      'Español',
    ]);
    expect(await switcher.getByRole('link', { name: 'Deutsch' }).getAttribute('aria-current')).toBe('true');
    await switcher.getByRole('link', { name: 'Polski' }).click();
    await page.waitForURL(/\?lang=pl$/);
    expect(await page.getAttribute('html', 'lang')).toBe('pl');
    await page.goto('/');
    expect(await page.locator('h1').textContent()).toBe(t('pl', 'form.title'));
    expect(englishLeaks(await page.content(), 'pl')).toEqual([]);
    await screenshot(page, 'i18n-01-form-pl-1280');
  });

  it('Polish on a phone: errors, then a request whose link opens in Polish on an English computer', async () => {
    const page = await open('pl-PL', 360);
    await page.goto('/');
    await page.getByRole('button', { name: t('pl', 'form.submit') }).click();
    await page.waitForLoadState();
    expect(await page.locator('.error-summary h2').textContent()).toBe(t('pl', 'form.errors.title'));
    expect(englishLeaks(await page.content(), 'pl')).toEqual([]);
    await screenshot(page, 'i18n-02-form-errors-pl-360');

    const email = 'telefon@example.org';
    await page.getByLabel(t('pl', 'type.erase').replace(/^./, (c) => c.toUpperCase())).check();
    await page.getByLabel(t('pl', 'form.region.eu')).check();
    await page.getByLabel(t('pl', 'form.email.label')).fill(email);
    await page.getByRole('button', { name: t('pl', 'form.submit') }).click();
    await page.waitForURL(/\/requests\/received/);
    expect(await page.locator('h1').textContent()).toBe(t('pl', 'received.title'));
    await screenshot(page, 'i18n-03-received-pl-360');

    const mail = await waitForMail(sink, email, /./);
    expect(englishLeaks(`${mail.subject}\n${mail.text}`, 'pl')).toEqual([]);
    const computer = await open('en-GB');
    await computer.goto(linkIn(mail, 'verify').url);
    expect(await computer.getAttribute('html', 'lang')).toBe('pl');
    await computer.getByRole('button', { name: t('pl', 'verify.button') }).click();
    await computer.waitForLoadState();
    expect(await computer.locator('h1').textContent()).toBe(t('pl', 'verified.title'));
    await computer.getByRole('link', { name: t('pl', 'verified.status') }).click();
    await computer.waitForURL(/\/status\//);
    expect(englishLeaks(await computer.content(), 'pl')).toEqual([]);
    await screenshot(computer, 'i18n-04-status-pl-1280');
  });
});
