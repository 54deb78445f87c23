import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents, clockEvents, fulfilmentTasks } from '../../src/db/schema.ts';
import {
  countRows,
  findByReference,
  linkIn,
  openPage,
  pageText,
  referenceFromRedirect,
  referenceShape,
  submitApi,
  submitForm,
  waitForMail,
} from '../helpers/intake.ts';
import { useIntakeHarness } from '../helpers/intake-harness.ts';

const publicUrl = 'http://privacy.example.test:8080';
const receivedAt = new Date('2026-01-09T18:00:00.000Z');

describe('intake: submitting a request by form and by API', () => {
  const h = useIntakeHarness({
    prefix: 'submit',
    start: receivedAt,
    env: { PUBLIC_URL: publicUrl, ORG_DEFAULT_LAW: 'lgpd', ORG_NAME: 'Acme Test Org' },
  });

  const formCases = [
    {
      type: 'access',
      region: 'california',
      law: 'ccpa',
      dueBy: '2026-02-23',
      safeDueBy: '2026-02-23',
      ack: '2026-01-23',
    },
    { type: 'erase', region: 'eu', law: 'gdpr', dueBy: '2026-02-09', safeDueBy: '2026-02-09', ack: null },
    {
      type: 'rectify',
      region: 'uk',
      law: 'uk-gdpr',
      dueBy: '2026-02-09',
      safeDueBy: '2026-02-09',
      ack: null,
    },
    { type: 'access', region: 'other', law: 'lgpd', dueBy: '2026-01-24', safeDueBy: '2026-01-23', ack: null },
  ] as const;

  for (const c of formCases) {
    it(`form: ${c.type} from region ${c.region} → 303 to the received page, stored as ${c.law} unverified, due ${c.dueBy}`, async () => {
      const email = `form-${c.type}-${c.region}@example.org`;
      const res = await submitForm(h.rt.app, {
        type: c.type,
        region: c.region,
        email: `  ${email.toUpperCase()} `,
        name: 'Ana Nowak',
        details: 'Customer number 42\nsecond line',
        correctionField: c.type === 'rectify' ? ['Surname', 'City'] : ['', ''],
        correctionValue: c.type === 'rectify' ? ['Kowalska', 'Kraków'] : ['', ''],
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/requests\/received\?ref=RD-[A-Z0-9-]+&type=other$/);
      const reference = referenceFromRedirect(res.headers.location);
      expect(reference).toMatch(referenceShape);

      const row = await findByReference(h.rt.database.db, reference);
      expect(row).toMatchObject({
        type: c.type,
        law: c.law,
        status: 'unverified',
        subjectEmail: email,
        subjectName: 'Ana Nowak',
        details: 'Customer number 42\nsecond line',
        receivedAt,
        receivedOn: '2026-01-09',
        dueBy: c.dueBy,
        safeDueBy: c.safeDueBy,
        acknowledgeBy: c.ack,
        version: 1,
      });
      expect(row.corrections).toEqual(
        c.type === 'rectify'
          ? [
              { field: 'Surname', value: 'Kowalska' },
              { field: 'City', value: 'Kraków' },
            ]
          : null,
      );

      const received = await openPage(h.rt.app, res.headers.location!);
      expect(received.status).toBe(200);
      expect(pageText(received.html)).toContain('Check your email');
      expect(received.html).toContain(`Your reference is ${reference}.`);

      const mail = await waitForMail(h.sink, email, /^Confirm your privacy request RD-/);
      expect(mail.subject).toBe(`Confirm your privacy request ${reference}`);
      expect(linkIn(mail, 'verify').url.startsWith(`${publicUrl}/verify/`)).toBe(true);
      expect(linkIn(mail, 'status').url.startsWith(`${publicUrl}/status/`)).toBe(true);
      expect(mail.text).toContain('Hello Ana Nowak,');
    });
  }

  const apiCases = [
    {
      body: { type: 'access', law: 'ccpa' },
      status: 'unverified',
      dueBy: '2026-02-23',
      ack: '2026-01-23',
      ext: '2026-04-09',
    },
    {
      body: { type: 'rectify', law: 'gdpr', corrections: [{ field: 'email', value: 'new@example.org' }] },
      status: 'unverified',
      dueBy: '2026-02-09',
      ack: null,
      ext: '2026-04-09',
    },
    {
      body: { type: 'erase', law: 'uk-gdpr' },
      status: 'unverified',
      dueBy: '2026-02-09',
      ack: null,
      ext: '2026-04-09',
    },
    {
      body: { type: 'opt_out', law: 'ccpa' },
      status: 'processing',
      dueBy: '2026-01-30',
      ack: null,
      ext: null,
    },
  ] as const;

  for (const c of apiCases) {
    it(`API: ${c.body.type} under ${c.body.law} → 202 {reference, status: ${c.status}}, row and clock from the injected now`, async () => {
      const email = `api-${c.body.type}@example.org`;
      const before = await countRows(h.rt.database.db);
      const res = await submitApi(h.rt.app, { ...c.body, email, name: 'Bo', locale: 'en' }).expect(202);
      expect(Object.keys(res.body).sort()).toEqual(['reference', 'status']);
      expect(res.body.reference).toMatch(referenceShape);
      expect(res.body.status).toBe(c.status);

      const row = await findByReference(h.rt.database.db, res.body.reference);
      // An opt-out is carried out at once: the worker may already have completed it.
      expect(c.status === 'processing' ? ['processing', 'completed'] : [c.status]).toContain(row.status);
      expect(row).toMatchObject({
        type: c.body.type,
        law: c.body.law,
        subjectEmail: email,
        receivedAt,
        timeZone:
          c.body.law === 'ccpa'
            ? 'America/Los_Angeles'
            : c.body.law === 'gdpr'
              ? 'Europe/Warsaw'
              : 'Europe/London',
        dueBy: c.dueBy,
        acknowledgeBy: c.ack,
        extendedDueBy: c.ext,
      });
      // One transaction: the request, its clock event, its audit event, its email (and its token).
      const after = await countRows(h.rt.database.db);
      expect(after.requests - before.requests).toBe(1);
      if (c.status === 'processing') {
        // Its tasks start with it (one per source); their completion then adds events and an email.
        const tasks = await h.rt.database.db
          .select()
          .from(fulfilmentTasks)
          .where(eq(fulfilmentTasks.requestId, row.id));
        expect(tasks.map((t) => t.source).sort()).toEqual(h.rt.requests.sourcesFor('opt_out').sort());
        expect(after.outbox - before.outbox).toBeGreaterThanOrEqual(1);
      } else {
        expect(after.outbox - before.outbox).toBe(1);
        expect(after.audit - before.audit).toBe(1);
      }
      expect(after.tokens - before.tokens).toBe(c.status === 'unverified' ? 1 : 0);
      const clocks = await h.rt.database.db
        .select()
        .from(clockEvents)
        .where(eq(clockEvents.requestId, row.id))
        .orderBy(asc(clockEvents.id));
      const [first, ...later] = clocks.map((e) => [e.kind, e.at.toISOString()]);
      expect(first).toEqual(['received', receivedAt.toISOString()]);
      // An opt-out's tasks may already have run on the worker and closed its clock; nothing else adds events.
      const closedByWorker = c.status === 'processing' && later.length > 0;
      expect(later.map(([kind]) => kind)).toEqual(closedByWorker ? ['closed'] : []);
      const [audit] = await h.rt.database.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.requestId, row.id))
        .orderBy(asc(auditEvents.id));
      expect(audit).toMatchObject({ kind: 'request.received', actor: 'subject', at: receivedAt });
      expect(audit?.data).toMatchObject({
        type: c.body.type,
        law: c.body.law,
        channel: 'api',
        status: c.status,
      });
      expect(JSON.stringify(audit?.data)).not.toContain(email);
    });
  }
});
