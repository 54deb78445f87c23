import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, suppressions } from '../../src/db/schema.ts';
import { emailHmac, isSuppressed } from '../../src/suppression/suppression-service.ts';
import {
  encodeForm,
  type FormFields,
  findByReference,
  generousLimits,
  openPage,
  referenceFromRedirect,
} from '../helpers/intake.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// Global Privacy Control (Sec-GPC: 1) with a CCPA request is an opt-out of sale/sharing (CCPA regs §7025).
describe('GPC signal at intake', () => {
  let rt: TestRuntime;
  let n = 0;
  const clock = new Date('2026-03-02T18:00:00.000Z');
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false, env: generousLimits, now: () => clock });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  const nextEmail = () => `gpc-${++n}@example.org`;
  const api = (body: Record<string, unknown>, gpc?: string) => {
    const req = request(rt.app).post('/api/v1/requests').set('Accept', 'application/json');
    if (gpc !== undefined) req.set('Sec-GPC', gpc);
    return req.send(body);
  };
  const form = async (fields: FormFields, gpc?: string) => {
    const page = await openPage(rt.app, '/');
    const req = request(rt.app)
      .post('/requests')
      .type('form')
      .set('Accept', 'text/html')
      .set('Cookie', page.cookie);
    if (gpc !== undefined) req.set('Sec-GPC', gpc);
    return req.send(encodeForm({ _csrf: page.csrf, ...fields }));
  };
  const rowsFor = (email: string) =>
    rt.database.db
      .select()
      .from(suppressions)
      .where(eq(suppressions.emailHmac, emailHmac(rt.config.secretKey, email)));
  const receivedEvent = async (requestId: string) => {
    const [event] = await rt.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, requestId), eq(auditEvents.kind, 'request.received')));
    return event!;
  };

  it('CCPA form submission with Sec-GPC: 1 → sale_sharing suppression (origin gpc, this request) and gpc on the audit event', async () => {
    const email = nextEmail();
    const res = await form({ type: 'access', region: 'california', email: ` ${email.toUpperCase()}` }, '1');
    expect(res.status).toBe(303);
    const row = await findByReference(rt.database.db, referenceFromRedirect(res.headers.location));
    expect(row.law).toBe('ccpa');
    expect(await rowsFor(email)).toEqual([
      {
        emailHmac: emailHmac(rt.config.secretKey, email),
        scope: 'sale_sharing',
        origin: 'gpc',
        requestId: row.id,
        createdAt: clock,
      },
    ]);
    expect((await receivedEvent(row.id)).data).toMatchObject({ law: 'ccpa', channel: 'web', gpc: true });
    // sale/sharing only: marketing mail is a separate choice (opt_out request or unsubscribe).
    expect(await isSuppressed(rt.database.db, rt.config.secretKey, email, 'marketing')).toBe(false);
  });

  it('CCPA API submission with Sec-GPC: 1 → sale_sharing suppression and gpc on the audit event', async () => {
    const email = nextEmail();
    const res = await api({ type: 'erase', law: 'ccpa', email }, '1').expect(202);
    const row = await findByReference(rt.database.db, res.body.reference);
    expect(await rowsFor(email)).toEqual([
      expect.objectContaining({ scope: 'sale_sharing', origin: 'gpc', requestId: row.id }),
    ]);
    expect((await receivedEvent(row.id)).data).toMatchObject({ channel: 'api', gpc: true });
  });

  it('CCPA opt_out request with Sec-GPC: 1 → recorded as well, answer unchanged', async () => {
    const email = nextEmail();
    const res = await api({ type: 'opt_out', law: 'ccpa', email }, '1').expect(202);
    expect(res.body.status).toBe('processing');
    expect(await rowsFor(email)).toEqual([expect.objectContaining({ scope: 'sale_sharing', origin: 'gpc' })]);
  });

  it('the same address with GPC twice → one suppression, kept from the first request; both requests filed', async () => {
    const email = nextEmail();
    const first = await api({ type: 'access', law: 'ccpa', email }, '1').expect(202);
    const second = await api({ type: 'access', law: 'ccpa', email }, '1').expect(202);
    const firstRow = await findByReference(rt.database.db, first.body.reference);
    const secondRow = await findByReference(rt.database.db, second.body.reference);
    expect(await rowsFor(email)).toEqual([expect.objectContaining({ requestId: firstRow.id })]);
    expect((await receivedEvent(secondRow.id)).data).toMatchObject({ gpc: true });
  });

  it.each(['cpa', 'ctdpa', 'tdpsa', 'ocpa', 'mcdpa'])(
    '%s API submission with Sec-GPC: 1 → sale_sharing suppression (a universal opt-out mechanism state)',
    async (law) => {
      const email = nextEmail();
      const res = await api({ type: 'access', law, email }, '1').expect(202);
      const row = await findByReference(rt.database.db, res.body.reference);
      expect(await rowsFor(email)).toEqual([
        expect.objectContaining({ scope: 'sale_sharing', origin: 'gpc', requestId: row.id }),
      ]);
      expect((await receivedEvent(row.id)).data).toMatchObject({ law, gpc: true });
    },
  );

  it.each(['vcdpa', 'ucpa'])(
    '%s API submission with Sec-GPC: 1 → nothing recorded (no such mechanism)',
    async (law) => {
      const email = nextEmail();
      const res = await api({ type: 'access', law, email }, '1').expect(202);
      const row = await findByReference(rt.database.db, res.body.reference);
      expect(await rowsFor(email)).toEqual([]);
      expect((await receivedEvent(row.id)).data).not.toHaveProperty('gpc');
    },
  );

  it('GDPR API and form submissions with Sec-GPC: 1 → nothing recorded, no gpc on the audit event', async () => {
    const email = nextEmail();
    const res = await api({ type: 'access', law: 'gdpr', email }, '1').expect(202);
    const row = await findByReference(rt.database.db, res.body.reference);
    expect(await rowsFor(email)).toEqual([]);
    expect((await receivedEvent(row.id)).data).not.toHaveProperty('gpc');
    const formEmail = nextEmail();
    expect((await form({ type: 'access', region: 'eu', email: formEmail }, '1')).status).toBe(303);
    expect(await rowsFor(formEmail)).toEqual([]);
  });

  it('CCPA submissions without the header, or with Sec-GPC: 0 → nothing recorded', async () => {
    const without = nextEmail();
    const res = await api({ type: 'access', law: 'ccpa', email: without }).expect(202);
    expect(await rowsFor(without)).toEqual([]);
    const row = await findByReference(rt.database.db, res.body.reference);
    expect((await receivedEvent(row.id)).data).not.toHaveProperty('gpc');
    const zero = nextEmail();
    await api({ type: 'access', law: 'ccpa', email: zero }, '0').expect(202);
    expect(await rowsFor(zero)).toEqual([]);
    const formEmail = nextEmail();
    expect((await form({ type: 'access', region: 'california', email: formEmail })).status).toBe(303);
    expect(await rowsFor(formEmail)).toEqual([]);
  });

  it('honeypot form submission with Sec-GPC: 1 → same answer, nothing recorded', async () => {
    const email = nextEmail();
    const before = await rt.database.db.select().from(suppressions);
    const res = await form(
      { type: 'access', region: 'california', email, website: 'http://spam.example' },
      '1',
    );
    expect(res.status).toBe(303);
    expect(await rowsFor(email)).toEqual([]);
    expect(await rt.database.db.select().from(suppressions)).toHaveLength(before.length);
  });

  it('an invalid CCPA API submission with Sec-GPC: 1 → 400 and nothing recorded', async () => {
    const before = await rt.database.db.select().from(suppressions);
    await api({ type: 'access', law: 'ccpa', email: 'not-an-address' }, '1').expect(400);
    expect(await rt.database.db.select().from(suppressions)).toHaveLength(before.length);
  });
});
