import { eq } from 'drizzle-orm';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { verificationTokens } from '../../src/db/schema.ts';
import {
  findByReference,
  generousLimits,
  linkIn,
  openPage,
  pageText,
  referenceFromRedirect,
  submitApi,
  submitForm,
  waitForMail,
} from '../helpers/intake.ts';
import { useIntakeHarness } from '../helpers/intake-harness.ts';
import { testConfig } from '../helpers/test-runtime.ts';

const publicUrl = 'http://privacy.example.test:8080';
const receivedAt = new Date('2026-01-09T18:00:00.000Z');

describe('intake: opt-out, the law per region and time zone, no enumeration', () => {
  const h = useIntakeHarness({
    prefix: 'laws',
    start: receivedAt,
    env: { PUBLIC_URL: publicUrl, ORG_DEFAULT_LAW: 'lgpd', ORG_NAME: 'Acme Test Org' },
  });

  it('opt-out by form → "You are opted out" page, processing without any verification token, confirmation email', async () => {
    const email = 'optout-form@example.org';
    const res = await submitForm(h.rt.app, { type: 'opt_out', region: 'california', email });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/&type=opt_out$/);
    const reference = referenceFromRedirect(res.headers.location);
    const row = await findByReference(h.rt.database.db, reference);
    expect(row).toMatchObject({ law: 'ccpa', dueBy: '2026-01-30' });
    // Carried out at once: processing, or already completed by the worker.
    expect(['processing', 'completed']).toContain(row.status);
    const tokens = await h.rt.database.db
      .select()
      .from(verificationTokens)
      .where(eq(verificationTokens.requestId, row.id));
    expect(tokens).toEqual([]);
    const page = await openPage(h.rt.app, res.headers.location!);
    expect(pageText(page.html)).toContain('You are opted out');
    const mail = await waitForMail(h.sink, email, /opted out/);
    expect(mail.subject).toBe(`You are opted out (${reference})`);
    expect(mail.text).toContain('We are doing it now');
    expect(mail.text).not.toContain('/verify/');
    expect(linkIn(mail, 'status').url.startsWith(`${publicUrl}/status/`)).toBe(true);
  });

  it('received late on 9 January UTC → each law counts from its own local date', async () => {
    h.clock = new Date('2026-01-09T23:30:00.000Z'); // 00:30 on the 10th in Warsaw, 15:30 on the 9th in LA
    const gdpr = await submitApi(h.rt.app, { type: 'access', law: 'gdpr', email: 'tz@example.org' }).expect(
      202,
    );
    const ccpa = await submitApi(h.rt.app, { type: 'access', law: 'ccpa', email: 'tz@example.org' }).expect(
      202,
    );
    expect(await findByReference(h.rt.database.db, gdpr.body.reference)).toMatchObject({
      receivedOn: '2026-01-10',
      dueBy: '2026-02-10',
    });
    expect(await findByReference(h.rt.database.db, ccpa.body.reference)).toMatchObject({
      receivedOn: '2026-01-09',
      dueBy: '2026-02-23',
    });
  });

  it('California with CCPA_APPLIES=false → the form files under CalOPPA', async () => {
    const config = testConfig({ ...generousLimits, CCPA_APPLIES: 'false', SMTP_URL: h.sink.url });
    const app = createApp({ ...h.rt.appDeps, config });
    const res = await submitForm(app, { type: 'access', region: 'california', email: 'cal@example.org' });
    expect(res.status).toBe(303);
    const row = await findByReference(h.rt.database.db, referenceFromRedirect(res.headers.location));
    expect(row).toMatchObject({ law: 'caloppa', dueBy: '2026-02-08', safeDueBy: '2026-02-06' });
  });

  it('a new email and a repeated one → identical answers (status, body keys, headers except ids)', async () => {
    const repeated = 'known-subject@example.org';
    for (let i = 0; i < 3; i++) {
      await submitApi(h.rt.app, { type: 'access', law: 'gdpr', email: repeated }).expect(202);
    }
    // Each answer in a fresh per-IP window (15 min) but inside the per-email hour: only the email differs.
    h.clock = new Date(receivedAt.getTime() + 16 * 60_000);
    const fresh = await submitApi(h.rt.app, { type: 'access', law: 'gdpr', email: 'never-seen@example.org' });
    h.clock = new Date(receivedAt.getTime() + 32 * 60_000);
    const known = await submitApi(h.rt.app, { type: 'access', law: 'gdpr', email: repeated });
    expect(fresh.status).toBe(202);
    expect(known.status).toBe(fresh.status);
    expect(Object.keys(known.body).sort()).toEqual(Object.keys(fresh.body).sort());
    expect(known.body.status).toBe(fresh.body.status);
    const comparable = (headers: Record<string, unknown>) => {
      const { date: _d, etag: _e, 'x-request-id': _r, ...rest } = headers;
      // pk= is the hashed partition key of a limiter: an id, different for every address.
      return Object.fromEntries(
        Object.entries(rest).map(([k, v]) => [
          k,
          String(v)
            .replace(/pk=:[^:]*:/g, 'pk=:…:')
            // The per-IP count moves with every call from this client, whatever the email.
            .replace(/("intake-ip"; r=)\d+/, '$1…'),
        ]),
      );
    };
    expect(comparable(known.headers)).toEqual(comparable(fresh.headers));
    // The per-email limiter never shows its count: it would tell who filed recently.
    expect(JSON.stringify(known.headers)).not.toContain('intake-email');
  });

  it('GET / → the form: every type and region, CSRF field and cookie, honeypot hidden, no script', async () => {
    const page = await openPage(h.rt.app, '/');
    expect(page.status).toBe(200);
    expect(page.cookie).toMatch(/^rd_csrf=[A-Za-z0-9_-]{43}$/);
    expect(page.csrf).not.toBe('');
    for (const type of ['access', 'rectify', 'erase', 'opt_out'])
      expect(page.html).toContain(`name="type" id="type-${type}" value="${type}"`);
    for (const region of ['eu', 'uk', 'california', 'other'])
      expect(page.html).toContain(`value="${region}"`);
    expect(page.html).toMatch(/<div class="hp" aria-hidden="true">[\s\S]*name="website" tabindex="-1"/);
    expect(page.html).not.toContain('<script');
    expect(page.html).toContain('Acme Test Org');
    const res = await request(h.rt.app).get('/').expect(200);
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
  });
});
