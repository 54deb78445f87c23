import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestEvents } from '../../src/audit/audit-service.ts';
import { outbox, requestNotes } from '../../src/db/schema.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { verifyRequest } from '../../src/verification/verification-service.ts';
import { findByReference, pageText } from '../helpers/intake.ts';
import { bearerFor, browserSessionFor, createStaff, type StaffBrowser } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const clock = new Date('2026-03-02T10:00:00Z');
let rt: TestRuntime;
let support: StaffBrowser;
let supportBearer: string;
let dpoBearer: string;
let n = 0;

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false, now: () => clock });
  support = await browserSessionFor(rt, await createStaff(rt, { role: 'support' }));
  supportBearer = await bearerFor(rt, support.account);
  dpoBearer = await bearerFor(rt, 'dpo');
});
afterAll(async () => {
  await rt.dispose();
});

const secrets = { name: 'Quentin Blackwood', details: 'Loyalty card 99887766', value: 'XY9 9ZZ' };

/** A verified rectify request with a name, details and corrections, plus a DPO note on it. */
async function fileWithPersonalData() {
  const deps = { ...rt.requests, now: () => clock };
  const email = `support.case-${++n}@example.org`;
  const input = {
    type: 'rectify',
    law: 'uk-gdpr',
    email,
    name: secrets.name,
    details: secrets.details,
    corrections: [{ field: 'postcode', value: secrets.value }],
  } as Parameters<typeof submitRequest>[1];
  const { reference } = await submitRequest(deps, input, { channel: 'api', locale: 'en' });
  const row = await findByReference(rt.database.db, reference);
  const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
  await verifyRequest(deps, /\/verify\/([\w.-]+)/.exec(mail!.text)![1]!);
  await request(rt.app)
    .post(`/api/v1/staff/requests/${reference}/note`)
    .set('Authorization', dpoBearer)
    .send({ version: 2, message: 'DPO only: spoke to Quentin Blackwood' })
    .expect(200);
  return { reference, email, id: row.id };
}

const expectNoPersonalData = (text: string, email: string) => {
  for (const secret of [email, email.toLowerCase(), secrets.name, secrets.details, secrets.value])
    expect(text).not.toContain(secret);
};

describe('support lookup', () => {
  it('by reference → status in plain words, dates, public timeline and the masked email; nothing personal', async () => {
    const { reference, email } = await fileWithPersonalData();
    const res = await support.agent
      .get(`/staff/support?q=${reference.toLowerCase()}`)
      .set('Accept', 'text/html')
      .expect(200);
    const text = pageText(res.text);
    expect(text).toContain(reference);
    expect(text).toContain('Confirmed; our privacy team is reviewing it');
    expect(text).toMatch(/Received 2 March 2026/);
    expect(text).toMatch(/Answer due by 2 April 2026 \(Europe\/London\)/);
    expect(text).toContain('Request received');
    expect(text).toContain('Email address confirmed');
    expect(text).toContain('s***@e***.org');
    expect(text).not.toContain('request.note');
    expectNoPersonalData(res.text, email);
  });

  it('by exact email, any case → the request; the page never echoes the address', async () => {
    const { reference, email } = await fileWithPersonalData();
    const res = await support.agent
      .get('/staff/support')
      .query({ q: email.toUpperCase() })
      .set('Accept', 'text/html')
      .expect(200);
    expect(pageText(res.text)).toContain(reference);
    expectNoPersonalData(res.text, email);
    expectNoPersonalData(res.text, email.toUpperCase());
  });

  it('JSON twin → the same masked items, nothing personal', async () => {
    const { reference, email } = await fileWithPersonalData();
    for (const q of [reference, email]) {
      const res = await request(rt.app)
        .get('/api/v1/staff/support')
        .query({ q })
        .set('Authorization', supportBearer)
        .expect(200);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0]).toMatchObject({
        reference,
        type: 'rectify',
        law: 'uk-gdpr',
        status: 'pending_review',
        dueBy: '2026-04-02',
        email: 's***@e***.org',
      });
      expect(res.body.items[0].timeline.map((e: { kind: string }) => e.kind)).toEqual([
        'received',
        'verified',
      ]);
      expectNoPersonalData(res.text, email);
    }
  });

  it('nothing matches → a plain "no request matches"; an empty query shows only the form', async () => {
    const res = await support.agent
      .get('/staff/support?q=RD-2222-2222')
      .set('Accept', 'text/html')
      .expect(200);
    expect(pageText(res.text)).toContain('No request matches “RD-2222-2222”');
    const json = await request(rt.app)
      .get('/api/v1/staff/support?q=nobody@example.org')
      .set('Authorization', supportBearer)
      .expect(200);
    expect(json.body.items).toEqual([]);
  });

  it('support adds a note from the view → 303 back with a notice; the text is stored, the audit names only its id', async () => {
    const { reference, id } = await fileWithPersonalData();
    const page = await support.agent
      .get(`/staff/support?q=${reference}`)
      .set('Accept', 'text/html')
      .expect(200);
    const version = /name="version" value="(\d+)"/.exec(page.text)![1]!;
    const res = await support.agent
      .post(`/staff/support/${reference}/note`)
      .type('form')
      .send({ _csrf: support.csrf, version, message: 'Caller asked for an update; told them 2 April.' })
      .expect(303);
    expect(res.headers.location).toBe(`/staff/support?q=${reference}&noted=1`);
    const after = await support.agent
      .get(res.headers.location as string)
      .set('Accept', 'text/html')
      .expect(200);
    expect(pageText(after.text)).toContain('Note added.');
    const notes = await rt.database.db.select().from(requestNotes).where(eq(requestNotes.requestId, id));
    expect(notes.map((n) => n.body)).toContain('Caller asked for an update; told them 2 April.');
    const events = await listRequestEvents(rt.database.db, id);
    expect(JSON.stringify(events)).not.toContain('Caller asked');
    expect(events.filter((e) => e.kind === 'request.note').at(-1)).toMatchObject({
      actor: support.account.id,
    });
    // Looking the request up is itself on the record.
    expect(events.at(-1)).toMatchObject({
      kind: 'request.looked_up',
      actor: support.account.id,
      data: { by: 'reference' },
    });
  });

  it('stale note form → 409 with the request as it is now; without a session → sign-in / 401', async () => {
    const { reference } = await fileWithPersonalData();
    const res = await support.agent
      .post(`/staff/support/${reference}/note`)
      .type('form')
      .send({ _csrf: support.csrf, version: '1', message: 'late' })
      .expect(409);
    expect(pageText(res.text)).toContain('Someone else changed this request');
    await request(rt.app).get('/staff/support').set('Accept', 'text/html').expect(303);
    await request(rt.app).get('/api/v1/staff/support?q=x').expect(401);
  });
});
