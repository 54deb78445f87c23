import { sql } from 'drizzle-orm';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/audit-service.ts';
import { auditEvents } from '../../src/db/schema.ts';
import {
  englishDate,
  findByReference,
  linkIn,
  openPage,
  pageText,
  postForm,
  referenceFromRedirect,
  submitApi,
  submitForm,
  tamperSignature,
  waitForMail,
} from '../helpers/intake.ts';
import { useIntakeHarness } from '../helpers/intake-harness.ts';
import { eventually } from '../helpers/test-runtime.ts';

const start = new Date('2026-01-09T18:00:00.000Z');
const hours = (n: number) => new Date(start.getTime() + n * 3600_000);

describe('intake: the subject status page and cancelling', () => {
  const h = useIntakeHarness({ prefix: 'status', start });

  it('status link from the first email → reference, type, status in plain words, received and due dates, timeline', async () => {
    const { reference, status } = await h.fileRequest();
    const page = await openPage(h.rt.app, status.path);
    expect(page.status).toBe(200);
    const text = pageText(page.html);
    expect(text).toContain(`Request ${reference}`);
    expect(text).toContain('See my data');
    expect(text).toContain('Waiting for you to confirm your email address');
    expect(text).toMatch(new RegExp(`Received ${englishDate('2026-01-09')}`));
    expect(text).toMatch(new RegExp(`${englishDate('2026-02-23')}, end of the day \\(Pacific Time\\)`));
    expect(page.html).toMatch(/<time datetime="2026-01-09T18:00:00.000Z">[^<]+<\/time> · Request received/);
    expect(page.html).toContain(`href="/status/${status.token}/cancel"`);
    // The subject's address and internal ids stay off the page.
    expect(page.html).not.toContain('@example.org');
    expect((await findByReference(h.rt.database.db, reference)).version).toBe(1);
  });

  it('after verification → "Confirmed; our privacy team is reviewing it" and the confirmation on the timeline', async () => {
    const { reference, status, verify } = await h.fileRequest({ type: 'erase', law: 'gdpr' });
    h.clock = hours(2);
    await request(h.rt.app).post('/api/v1/verifications').send({ token: verify!.token }).expect(200);
    const page = await openPage(h.rt.app, status.path);
    const text = pageText(page.html);
    expect(text).toContain('Delete my data');
    expect(text).toContain('Confirmed; our privacy team is reviewing it');
    expect(text).toMatch(
      new RegExp(`${englishDate('2026-02-09')}, end of the day \\(Central European Time\\)`),
    );
    expect(page.html).toMatch(
      /<time datetime="2026-01-09T20:00:00.000Z">[^<]+<\/time> · Email address confirmed/,
    );
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('pending_review');
  });

  it('cancel: GET asks and changes nothing; POST with CSRF and version → cancelled, page and email say so', async () => {
    const { email, reference, status, verify } = await h.fileRequest();
    const ask = await openPage(h.rt.app, `${status.path}/cancel`);
    expect(ask.status).toBe(200);
    expect(pageText(ask.html)).toContain(`Cancel request ${reference}?`);
    expect(ask.html).toContain('name="version" value="1"');
    expect(ask.html).toContain(`<form method="post" action="/status/${status.token}/cancel">`);
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('unverified');

    h.clock = hours(5);
    const done = await postForm(h.rt.app, `${status.path}/cancel`, { version: '1' }, ask);
    expect(done.status).toBe(200);
    const text = pageText(done.text);
    expect(text).toContain('Your request is cancelled.');
    expect(text).toContain('Where it stands Cancelled');
    expect(text).not.toContain('We will answer by');
    expect(done.text).not.toContain('/cancel"');
    expect(await findByReference(h.rt.database.db, reference)).toMatchObject({
      status: 'cancelled',
      version: 2,
      closedAt: hours(5),
    });
    const mail = await waitForMail(h.sink, email, /is cancelled$/);
    expect(mail.subject).toBe(`Your privacy request ${reference} is cancelled`);
    expect(linkIn(mail, 'status').path).toMatch(/^\/status\//);

    // The verify link of a cancelled request leads to the closed page.
    const closed = await openPage(h.rt.app, verify!.path);
    expect(closed.status).toBe(410);
    expect(pageText(closed.html)).toContain('This request is closed');
    expect(closed.html).not.toContain('action="/verify/resend"');
    // Cancelling again: the GET shows the status, the POST is a 409.
    const again = await openPage(h.rt.app, `${status.path}/cancel`);
    expect(again.html).not.toContain('name="version"');
    expect((await postForm(h.rt.app, `${status.path}/cancel`, { version: '2' }, ask)).status).toBe(409);
  });

  it('cancel with a stale version (verified meanwhile) → 409 page showing the current state, nothing cancelled', async () => {
    const { reference, status, verify } = await h.fileRequest();
    const ask = await openPage(h.rt.app, `${status.path}/cancel`);
    await request(h.rt.app).post('/api/v1/verifications').send({ token: verify!.token }).expect(200);
    const res = await postForm(h.rt.app, `${status.path}/cancel`, { version: '1' }, ask);
    expect(res.status).toBe(409);
    const text = pageText(res.text);
    expect(text).toContain('Your request changed while you were looking at it');
    expect(text).toContain('Confirmed; our privacy team is reviewing it');
    expect(await findByReference(h.rt.database.db, reference)).toMatchObject({
      status: 'pending_review',
      version: 2,
    });
  });

  it('cancel without the CSRF token, or with a bad version → refused, still open', async () => {
    const { reference, status } = await h.fileRequest();
    const ask = await openPage(h.rt.app, `${status.path}/cancel`);
    expect(
      (await postForm(h.rt.app, `${status.path}/cancel`, { version: '1' }, { cookie: ask.cookie, csrf: '' }))
        .status,
    ).toBe(403);
    expect((await postForm(h.rt.app, `${status.path}/cancel`, { version: 'abc' }, ask)).status).toBe(400);
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('unverified');
  });

  it('opt-out status page → carrying it out (with the due date) until the worker is done, then Done', async () => {
    const { status, reference } = await h.fileRequest({ type: 'opt_out', law: 'ccpa' });
    const text = pageText((await openPage(h.rt.app, status.path)).html);
    expect(text).toContain('Stop marketing to me');
    // The worker carries an opt-out out within moments: the page says whichever is true at the time.
    expect(text).toMatch(/We are carrying it out|Where it stands Done/);
    await eventually(async () => (await findByReference(h.rt.database.db, reference)).status === 'completed');
    const done = pageText((await openPage(h.rt.app, status.path)).html);
    expect(done).toMatch(/Where it stands Done/);
    expect(done).toMatch(/Completed/);
    // While it is still being carried out, the page gives the opt-out period's due date.
    if (/We are carrying it out/.test(text)) expect(text).toMatch(new RegExp(englishDate('2026-01-30')));
  });

  it('tampered or garbage status link → 400, for the page and for cancel', async () => {
    const { status } = await h.fileRequest();
    for (const token of [tamperSignature(status.token), 'garbage']) {
      expect((await openPage(h.rt.app, `/status/${token}`)).status).toBe(400);
      expect((await openPage(h.rt.app, `/status/${token}/cancel`)).status).toBe(400);
      const ask = await openPage(h.rt.app, '/');
      expect((await postForm(h.rt.app, `/status/${token}/cancel`, { version: '1' }, ask)).status).toBe(400);
    }
  });

  it('full journey (form, GET, confirm, status, cancel; an opt-out) → the audit chain verifies', async () => {
    const email = 'journey@example.org';
    const posted = await submitForm(h.rt.app, {
      type: 'rectify',
      region: 'eu',
      email,
      correctionField: 'Name',
      correctionValue: 'Ana',
    });
    expect(posted.status).toBe(303);
    const reference = referenceFromRedirect(posted.headers.location);
    const mail = await waitForMail(h.sink, email, /^Confirm/);
    const verify = linkIn(mail, 'verify');
    const confirmPage = await openPage(h.rt.app, verify.path);
    expect((await postForm(h.rt.app, verify.path, {}, confirmPage)).status).toBe(200);
    const status = linkIn(await waitForMail(h.sink, email, /^We have your privacy request/), 'status');
    const ask = await openPage(h.rt.app, `${status.path}/cancel`);
    expect((await postForm(h.rt.app, `${status.path}/cancel`, { version: '2' }, ask)).status).toBe(200);
    const optOut = await submitApi(h.rt.app, {
      type: 'opt_out',
      law: 'gdpr',
      email: 'journey-2@example.org',
    });
    expect(optOut.status).toBe(202);
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('cancelled');
    // Count once the opt-out has been carried out, so its fulfilment events are in the chain too.
    await eventually(
      async () => (await findByReference(h.rt.database.db, optOut.body.reference)).status === 'completed',
    );

    const [total] = await h.rt.database.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
    const result = await eventually(async () => {
      const r = await verifyAuditChain(h.rt.database.db);
      const unsealed = 'unsealed' in r ? Number(r.unsealed) : 0;
      return !r.ok || unsealed === 0 ? r : undefined;
    });
    expect(result).toMatchObject({ ok: true, events: Number(total?.n) });
    expect(Number(total?.n)).toBeGreaterThanOrEqual(4);
  });
});
