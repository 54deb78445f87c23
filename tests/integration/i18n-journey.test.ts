import { asc, eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { loadCatalogs } from '../../src/i18n/i18n.ts';
import { unsubscribeToken } from '../../src/suppression/suppression-service.ts';
import { englishLeaks } from '../helpers/english-leaks.ts';
import { encodeForm, findByReference, generousLimits, pageText, quietSweep } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const catalogs = loadCatalogs();
const start = new Date('2026-03-02T09:00:00.000Z');

/** A browser that speaks `accept` and keeps its cookies (CSRF, language choice). */
function browser(rt: TestRuntime, accept: string) {
  let cookies: Record<string, string> = {};
  const keep = (res: request.Response) => {
    for (const c of (res.headers['set-cookie'] as unknown as string[] | undefined) ?? []) {
      const [pair = ''] = c.split(';');
      const [name = '', value = ''] = pair.split('=');
      cookies = { ...cookies, [name]: value };
    }
    return res;
  };
  const cookie = () =>
    Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  return {
    get: async (path: string) =>
      keep(
        await request(rt.app)
          .get(path)
          .set('Accept', 'text/html')
          .set('Accept-Language', accept)
          .set('Cookie', cookie()),
      ),
    post: async (path: string, fields: Record<string, string>, csrfFrom: string) =>
      keep(
        await request(rt.app)
          .post(path)
          .type('form')
          .set('Accept', 'text/html')
          .set('Accept-Language', accept)
          .set('Cookie', cookie())
          .send(encodeForm({ _csrf: /name="_csrf" value="([^"]+)"/.exec(csrfFrom)?.[1] ?? '', ...fields })),
      ),
  };
}

const mailsOf = (rt: TestRuntime, requestId: string) =>
  rt.database.db.select().from(outbox).where(eq(outbox.requestId, requestId)).orderBy(asc(outbox.createdAt));

describe('the subject journey in each language', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ env: { ...generousLimits, ...quietSweep }, now: () => start });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  const t = (locale: string, key: string) => catalogs[locale]?.[key] ?? '';
  const expectNoEnglish = (locale: string, what: string, html: string) =>
    expect({ what, leaks: englishLeaks(html, locale) }).toEqual({ what, leaks: [] });

  it.each(['pl', 'de', 'fr', 'es'])(
    '%s: form, errors, received page, emails, confirm and status pages all in that language, no English',
    async (locale) => {
      const subject = browser(rt, `${locale}-${locale.toUpperCase()},${locale};q=0.9,en;q=0.5`);
      const form = await subject.get('/');
      expect(form.status).toBe(200);
      expect(form.text).toContain(`<html lang="${locale}">`);
      expect(pageText(form.text)).toContain(t(locale, 'form.title'));
      expectNoEnglish(locale, 'form', form.text);

      const invalid = await subject.post('/requests', { region: 'eu', email: 'not an address' }, form.text);
      expect(invalid.status).toBe(400);
      expect(pageText(invalid.text)).toContain(t(locale, 'form.error.type'));
      expect(pageText(invalid.text)).toContain(t(locale, 'form.error.email'));
      expectNoEnglish(locale, 'form with errors', invalid.text);

      const email = `journey-${locale}@example.org`;
      const sent = await subject.post('/requests', { type: 'access', region: 'eu', email }, invalid.text);
      expect(sent.status).toBe(303);
      const received = await subject.get(sent.headers.location ?? '');
      expect(pageText(received.text)).toContain(t(locale, 'received.title'));
      expectNoEnglish(locale, 'received', received.text);

      const reference = new URL(sent.headers.location ?? '', 'http://x').searchParams.get('ref') ?? '';
      const row = await findByReference(rt.database.db, reference);
      expect(row.locale).toBe(locale);
      const [verifyMail] = await mailsOf(rt, row.id);
      expect(verifyMail?.html).toContain(`<html lang="${locale}">`);
      expectNoEnglish(locale, 'verification email', `${verifyMail?.subject}\n${verifyMail?.text}`);
      const verifyPath = /\/verify\/[\w.-]+/.exec(verifyMail?.text ?? '')?.[0] ?? '';

      // The link opens on another device whose browser prefers English: the request's language wins.
      const phone = browser(rt, 'en-US,en;q=0.9');
      const confirm = await phone.get(verifyPath);
      expect(confirm.text).toContain(`<html lang="${locale}">`);
      expectNoEnglish(locale, 'confirm page', confirm.text);
      const verified = await phone.post(verifyPath, {}, confirm.text);
      expect(verified.status).toBe(200);
      expect(pageText(verified.text)).toContain(t(locale, 'verified.title'));
      expectNoEnglish(locale, 'verified page', verified.text);

      const mails = await mailsOf(rt, row.id);
      expect(mails.length).toBeGreaterThanOrEqual(2);
      for (const mail of mails) expectNoEnglish(locale, mail.subject, `${mail.subject}\n${mail.text}`);
      // The due date in the reader's words, with the law's time zone named in them too.
      const due = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
        new Date(`${row.dueBy}T12:00:00Z`),
      );
      const ack = mails.find((m) => m.text.includes(due));
      expect(ack?.text).toContain(`${due} (`);

      const statusPath = /\/status\/[\w.-]+/.exec(ack?.text ?? '')?.[0] ?? '';
      const status = await phone.get(statusPath);
      expect(status.text).toContain(`<html lang="${locale}">`);
      expect(pageText(status.text)).toContain(due);
      expectNoEnglish(locale, 'status page', status.text);
      const cancel = await phone.get(`${statusPath}/cancel`);
      expectNoEnglish(locale, 'cancel page', cancel.text);

      // An explicit choice beats the request's language, and is remembered.
      const english = await phone.get(`${statusPath}?lang=en`);
      expect(english.text).toContain('<html lang="en">');
      expect((await phone.get(statusPath)).text).toContain('<html lang="en">');
    },
  );

  it.each(['pl', 'de', 'fr', 'es'])(
    '%s: error pages (not found, expired form, bad link) in that language',
    async (locale) => {
      const reader = browser(rt, locale);
      const missing = await reader.get('/no/such/page');
      expect(missing.status).toBe(404);
      expect(missing.text).toContain(`<html lang="${locale}">`);
      expect(pageText(missing.text)).toContain(t(locale, 'error.title.NOT_FOUND'));
      expectNoEnglish(locale, '404', missing.text);

      const forged = await reader.post('/requests', { type: 'access' }, '');
      expect(forged.status).toBe(403);
      expect(pageText(forged.text)).toContain(t(locale, 'error.detail.CSRF_FAILED'));
      expectNoEnglish(locale, 'csrf', forged.text);

      const badLink = await reader.get('/status/not-a-token');
      expect(badLink.status).toBe(400);
      expectNoEnglish(locale, 'bad status link', badLink.text);
      const badVerify = await reader.get('/verify/not-a-token');
      expectNoEnglish(locale, 'bad verify link', badVerify.text);
      const badDownload = await reader.get('/download/not-a-token');
      expectNoEnglish(locale, 'bad download link', badDownload.text);
      const badUnsubscribe = await reader.get('/unsubscribe/not-a-token');
      expectNoEnglish(locale, 'bad unsubscribe link', badUnsubscribe.text);
    },
  );

  it.each(['pl', 'de', 'fr', 'es'])(
    '%s: unsubscribe confirm and done pages in that language',
    async (locale) => {
      const reader = browser(rt, locale);
      const path = `/unsubscribe/${unsubscribeToken(rt.config.secretKey, `news-${locale}@example.org`)}`;
      const confirm = await reader.get(path);
      expect(confirm.status).toBe(200);
      expect(pageText(confirm.text)).toContain(t(locale, 'unsubscribe.title'));
      expectNoEnglish(locale, 'unsubscribe confirm', confirm.text);
      const done = await reader.post(path, { 'List-Unsubscribe': 'One-Click' }, '');
      expect(done.status).toBe(200);
      expect(pageText(done.text)).toContain(t(locale, 'unsubscribe.done.title'));
      expectNoEnglish(locale, 'unsubscribed', done.text);
    },
  );

  it.each(['pl', 'de', 'fr', 'es'])(
    '%s: the question, extension and refusal emails (with the GDPR remedy) in the request’s language',
    async (locale) => {
      const dpo = await createStaff(rt, { role: 'dpo' });
      const filed = await request(rt.app)
        .post('/api/v1/requests')
        .send({ type: 'erase', law: 'gdpr', email: `staff-mails-${locale}@example.org`, locale })
        .expect(202);
      const row = await findByReference(rt.database.db, filed.body.reference);
      const token = /\/verify\/([\w.-]+)/.exec((await mailsOf(rt, row.id))[0]?.text ?? '')?.[1];
      await request(rt.app).post('/api/v1/verifications').send({ token }).expect(200);
      let version = 2;
      // Staff write to the subject in the subject's language; the words around them are the catalog's.
      for (const [action, body] of [
        ['request-info', { message: 'ID?' }],
        ['resume', {}],
        ['extend', { reason: '2 × 1000 GB, 2026 · 2027' }],
        ['deny', { reason: 'unverifiable', message: '—' }],
      ] as const) {
        const res = await request(rt.app)
          .post(`/api/v1/staff/requests/${filed.body.reference}/${action}`)
          .set('Authorization', await bearerFor(rt, dpo))
          .send({ version, ...body });
        expect({ action, status: res.status }).toEqual({ action, status: 200 });
        version = res.body.version;
      }
      const mails = await mailsOf(rt, row.id);
      expect(mails.length).toBeGreaterThanOrEqual(5);
      for (const mail of mails) expectNoEnglish(locale, mail.subject, `${mail.subject}\n${mail.text}`);
      expect(mails.at(-1)?.text).toContain(t(locale, 'email.denied.reason.unverifiable'));
      expect(mails.at(-1)?.text).toContain(t(locale, 'email.denied.remedy.gdpr'));
    },
  );

  it('the leak check finds English left in a translated page', () => {
    expect(englishLeaks('<p>Twój wniosek</p><p>Check your email</p>', 'pl')).not.toEqual([]);
    expect(englishLeaks('<p>Sprawdź pocztę, please.</p>', 'pl')).not.toEqual([]);
  });

  it('API: a regional tag is stored as its language; an unknown language gets the organisation’s', async () => {
    const regional = await request(rt.app)
      .post('/api/v1/requests')
      .send({ type: 'access', law: 'gdpr', email: 'tag-de@example.org', locale: 'de-AT' })
      .expect(202);
    expect((await findByReference(rt.database.db, regional.body.reference)).locale).toBe('de');
    const unknown = await request(rt.app)
      .post('/api/v1/requests')
      .send({ type: 'access', law: 'gdpr', email: 'tag-xx@example.org', locale: 'ja' })
      .expect(202);
    expect((await findByReference(rt.database.db, unknown.body.reference)).locale).toBe('en');
    const bad = await request(rt.app)
      .post('/api/v1/requests')
      .send({ type: 'access', law: 'gdpr', email: 'tag-bad@example.org', locale: 'pl;DROP' })
      .expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'locale' })]);
  });
});
