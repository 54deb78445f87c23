import { and, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { auditEvents, requests } from '../../src/db/schema.ts';
import type { RequestDeps } from '../../src/requests/request-deps.ts';
import { sweepUnverified } from '../../src/requests/unverified-sweep.ts';
import {
  findByReference,
  generousLimits,
  linkIn,
  mailsTo,
  openAndPost,
  openPage,
  pageText,
  postForm,
  submitApi,
  waitForMail,
} from '../helpers/intake.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const start = new Date('2026-01-09T18:00:00.000Z');
const hours = (n: number) => new Date(start.getTime() + n * 3600_000);
const days = (n: number) => hours(n * 24);
const reminderSubject = /^Reminder: confirm your privacy request/;
const expiredSubject = /was closed$/;
const settle = () => new Promise((r) => setTimeout(r, 1500));

describe('intake: reminding and expiring unverified requests (requests.sweep)', () => {
  let sink: SmtpSink;
  let rt: TestRuntime;
  let clock = start;
  let deps: RequestDeps;
  let n = 0;

  beforeAll(async () => {
    sink = await startSmtpSink();
    rt = await createTestRuntime({ env: { ...generousLimits, SMTP_URL: sink.url }, now: () => clock });
    deps = { ...rt.requests, now: () => clock };
  });
  afterAll(async () => {
    await rt.dispose();
    await sink.close();
  });
  beforeEach(() => {
    clock = start;
  });

  async function fileRequest(body: Record<string, unknown> = { type: 'access', law: 'gdpr' }) {
    const email = `sweep-${++n}@example.org`;
    const res = await submitApi(rt.app, { ...body, email }).expect(202);
    const mail = await waitForMail(sink, email, /privacy request|opted out/);
    return { email, reference: res.body.reference as string, verify: linkIn(mail, 'verify') };
  }

  it('23 h unverified → no reminder; 24 h → one reminder with a new link (old one voided); later sweeps → no second', async () => {
    const { email, reference, verify } = await fileRequest();
    clock = hours(23);
    expect(await sweepUnverified(deps)).toMatchObject({ reminded: 0, expired: 0 });
    clock = hours(24);
    expect(await sweepUnverified(deps)).toMatchObject({ reminded: 1, expired: 0 });
    const reminder = await waitForMail(sink, email, reminderSubject);
    expect(reminder.subject).toBe(`Reminder: confirm your privacy request ${reference}`);
    expect(reminder.text).toContain('is waiting for you to confirm your email address');
    const fresh = linkIn(reminder, 'verify');
    expect(fresh.token).not.toBe(verify.token);
    expect(linkIn(reminder, 'status').path).toMatch(/^\/status\//);
    const row = await findByReference(rt.database.db, reference);
    expect(row).toMatchObject({ status: 'unverified', remindedAt: hours(24) });
    const [event] = await rt.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, row.id), eq(auditEvents.kind, 'verification.reminded')));
    expect(event).toMatchObject({ actor: 'system', at: hours(24) });

    clock = hours(30);
    expect((await sweepUnverified(deps)).reminded).toBe(0);
    clock = days(3);
    await sweepUnverified(deps);
    await settle();
    expect(mailsTo(sink, email, reminderSubject)).toHaveLength(1);
    expect((await findByReference(rt.database.db, reference)).remindedAt).toEqual(hours(24));

    // The old link stopped working when the reminder was sent; the reminder's link works.
    clock = hours(25);
    expect((await openPage(rt.app, verify.path)).status).toBe(410);
    const page = await openPage(rt.app, fresh.path);
    expect(page.status).toBe(200);
    expect((await postForm(rt.app, fresh.path, {}, page)).status).toBe(200);
    expect((await findByReference(rt.database.db, reference)).status).toBe('pending_review');
  });

  it('14 days unverified → expired, closed date, audit event, one expiry email; its links → closed page 410', async () => {
    const { email, reference, verify } = await fileRequest();
    clock = new Date(days(14).getTime() - 60_000);
    await sweepUnverified(deps);
    expect((await findByReference(rt.database.db, reference)).status).toBe('unverified');
    const reminder = linkIn(await waitForMail(sink, email, reminderSubject), 'verify');

    clock = days(14);
    const result = await sweepUnverified(deps);
    expect(result.expired).toBeGreaterThanOrEqual(1);
    const row = await findByReference(rt.database.db, reference);
    expect(row).toMatchObject({ status: 'expired', closedAt: days(14) });
    const [expire] = await rt.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, row.id), eq(auditEvents.kind, 'request.expire')));
    expect(expire).toMatchObject({ actor: 'system', at: days(14) });
    expect(expire?.data).toMatchObject({ from: 'unverified', to: 'expired' });

    const mail = await waitForMail(sink, email, expiredSubject);
    expect(mail.subject).toBe(`Your privacy request ${reference} was closed`);
    expect(mail.text).toContain('because the email address was not confirmed in time');
    const status = linkIn(mail, 'status');
    const statusPage = pageText((await openPage(rt.app, status.path)).html);
    expect(statusPage).toContain('Closed because the email address was not confirmed in time');
    expect(statusPage).toContain('Closed: email not confirmed in time');

    for (const link of [verify, reminder]) {
      const page = await openPage(rt.app, link.path);
      expect(page.status).toBe(410);
      expect(pageText(page.html)).toContain('This request is closed');
      expect(page.html).not.toContain('action="/verify/resend"');
      const confirmed = await openAndPost(rt.app, link.path);
      expect(confirmed.status).toBe(410);
      expect(pageText(confirmed.text)).toContain('This request is closed');
      const api = await request(rt.app).post('/api/v1/verifications').send({ token: link.token });
      expect(api.status).toBe(410);
      const resend = await request(rt.app).post('/api/v1/verifications/resend').send({ token: link.token });
      expect(resend.status).toBe(410);
    }
    expect((await findByReference(rt.database.db, reference)).status).toBe('expired');

    clock = days(20);
    await sweepUnverified(deps);
    await settle();
    expect(mailsTo(sink, email, expiredSubject)).toHaveLength(1);
    expect((await findByReference(rt.database.db, reference)).version).toBe(row.version);
  });

  it('verified, cancelled and opt-out requests → never reminded, never expired', async () => {
    const verified = await fileRequest();
    await request(rt.app).post('/api/v1/verifications').send({ token: verified.verify.token }).expect(200);
    const optOut = `sweep-optout-${++n}@example.org`;
    const opt = await submitApi(rt.app, { type: 'opt_out', law: 'gdpr', email: optOut }).expect(202);
    const cancelled = await fileRequest();
    const cancelledRow = await findByReference(rt.database.db, cancelled.reference);
    const statusLink = linkIn(mailsTo(sink, cancelled.email)[0]!, 'status');
    const ask = await openPage(rt.app, `${statusLink.path}/cancel`);
    expect(
      (await postForm(rt.app, `${statusLink.path}/cancel`, { version: String(cancelledRow.version) }, ask))
        .status,
    ).toBe(200);

    for (const at of [days(1), days(15), days(30)]) {
      clock = at;
      await sweepUnverified(deps);
    }
    await settle();
    expect((await findByReference(rt.database.db, verified.reference)).status).toBe('pending_review');
    expect(['processing', 'completed']).toContain(
      (await findByReference(rt.database.db, opt.body.reference)).status,
    );
    expect((await findByReference(rt.database.db, cancelled.reference)).status).toBe('cancelled');
    for (const email of [verified.email, optOut, cancelled.email]) {
      expect(mailsTo(sink, email, reminderSubject)).toHaveLength(0);
      expect(mailsTo(sink, email, expiredSubject)).toHaveLength(0);
    }
  });

  it('a request cancelled while the sweep runs → the sweep carries on: the others are still expired and reminded', async () => {
    const victim = await fileRequest();
    const other = await fileRequest();
    clock = days(13);
    const late = await fileRequest();
    const victimRow = await findByReference(rt.database.db, victim.reference);
    // Between the sweep's select and its first per-request transaction, the subject cancels `victim`.
    let raced = false;
    const racingDb = new Proxy(rt.database.db, {
      get(target, prop, receiver) {
        if (prop !== 'transaction') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<Db['transaction']>) => {
          if (!raced) {
            raced = true;
            await target
              .update(requests)
              .set({ status: 'cancelled', version: sql`${requests.version} + 1` })
              .where(eq(requests.id, victimRow.id));
          }
          return target.transaction(...args);
        };
      },
    });
    clock = days(15);
    const result = await sweepUnverified({ ...deps, db: racingDb });
    expect(raced).toBe(true);
    expect(result.expired).toBeGreaterThanOrEqual(1);
    expect((await findByReference(rt.database.db, victim.reference)).status).toBe('cancelled');
    expect((await findByReference(rt.database.db, other.reference)).status).toBe('expired');
    expect((await findByReference(rt.database.db, late.reference)).remindedAt).toEqual(days(15));
  });
});
