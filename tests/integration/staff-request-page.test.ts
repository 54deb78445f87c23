import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { verifyRequest } from '../../src/verification/verification-service.ts';
import { findByReference, pageText } from '../helpers/intake.ts';
import { browserSessionFor, csrfIn, type StaffBrowser } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const clock = new Date('2026-03-02T10:00:00Z');
let rt: TestRuntime;
let dpo: StaffBrowser;
let support: StaffBrowser;
let n = 0;

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false, now: () => clock });
  dpo = await browserSessionFor(rt, 'dpo');
  support = await browserSessionFor(rt, 'support');
});
afterAll(async () => {
  await rt.dispose();
});

async function fileVerified(law = 'gdpr') {
  const deps = { ...rt.requests, now: () => clock };
  const email = `page-${++n}@example.org`;
  const input = { type: 'erase', law, email, name: 'Grace Hopper', details: 'Account 77-A' } as Parameters<
    typeof submitRequest
  >[1];
  const { reference } = await submitRequest(deps, input, { channel: 'web', locale: 'en' });
  const row = await findByReference(rt.database.db, reference);
  const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
  await verifyRequest(deps, /\/verify\/([\w.-]+)/.exec(mail!.text)![1]!);
  return { reference, email };
}

const open = (browser: StaffBrowser, reference: string) =>
  browser.agent.get(`/staff/requests/${reference}`).set('Accept', 'text/html');

/** Posts an action form as the browser would: the page's CSRF token and the version it was rendered with. */
const post = (browser: StaffBrowser, reference: string, action: string, fields: Record<string, string>) =>
  browser.agent
    .post(`/staff/requests/${reference}/${action}`)
    .type('form')
    .set('Accept', 'text/html')
    .send({ _csrf: browser.csrf, ...fields });

const formActions = (html: string) =>
  [...html.matchAll(/<form method="post" action="\/staff\/requests\/[^/]+\/([\w-]+)"/g)].map((m) => m[1]);

describe('the DPO’s request page', () => {
  it('pending GDPR request → subject data, clock dates with explain lines, timeline, emails and only the allowed actions', async () => {
    const { reference, email } = await fileVerified();
    const res = await open(dpo, reference).expect(200);
    const text = pageText(res.text);
    expect(text).toContain(email);
    expect(text).toContain('Grace Hopper');
    expect(text).toContain('Account 77-A');
    expect(text).toContain('received 2026-03-02 (Europe/Warsaw)');
    expect(text).toMatch(/Due by 2 April 2026/);
    expect(text).toContain('request.verify');
    expect(text).toContain('Confirm your privacy request');
    expect(formActions(res.text)).toEqual([
      'approve',
      'request-info',
      'extend',
      'deny',
      'cancel',
      'assign',
      'note',
    ]);
    expect(res.text).toContain('name="version" value="2"');
  });

  it('approve through the form → 303 back to the page with a notice; approve is no longer offered', async () => {
    const { reference } = await fileVerified();
    const res = await post(dpo, reference, 'approve', { version: '2' }).expect(303);
    expect(res.headers.location).toBe(`/staff/requests/${reference}?done=approve`);
    const page = await dpo.agent
      .get(res.headers.location as string)
      .set('Accept', 'text/html')
      .expect(200);
    expect(pageText(page.text)).toContain('Approved.');
    expect(formActions(page.text)).toEqual(['extend', 'cancel', 'assign', 'note']);
    // Approval starts fulfilment at once (no worker here, so it stays processing).
    expect((await findByReference(rt.database.db, reference)).status).toBe('processing');
  });

  it('stale form (someone changed the request meanwhile) → 409 page saying so, showing the new state', async () => {
    const { reference } = await fileVerified();
    await post(dpo, reference, 'note', { version: '2', message: 'Looked at it.' }).expect(303);
    const res = await post(dpo, reference, 'approve', { version: '2' }).expect(409);
    const text = pageText(res.text);
    expect(text).toContain('Someone else changed this request');
    expect(text).toContain('Looked at it.');
    expect(res.text).toContain('name="version" value="3"');
    expect((await findByReference(rt.database.db, reference)).status).toBe('pending_review');
  });

  it('deny without an explanation → 400, the error next to the field, the chosen reason kept', async () => {
    const { reference } = await fileVerified();
    const res = await post(dpo, reference, 'deny', {
      version: '2',
      reason: 'exemption_applies',
      message: '',
    }).expect(400);
    expect(res.text).toMatch(/id="deny-message-error">.*required: the subject is told why/);
    expect(res.text).toContain('<option value="exemption_applies" selected>');
    expect((await findByReference(rt.database.db, reference)).status).toBe('pending_review');
  });

  it('action no longer possible (request cancelled) → 409 page with the reason; no CSRF token → 403', async () => {
    const { reference } = await fileVerified();
    await post(dpo, reference, 'cancel', { version: '2' }).expect(303);
    const res = await post(dpo, reference, 'approve', { version: '3' }).expect(409);
    expect(pageText(res.text)).toContain('A request that is cancelled cannot be moved by');
    expect(formActions(res.text)).toEqual(['note']);
    await dpo.agent
      .post(`/staff/requests/${reference}/note`)
      .type('form')
      .set('Accept', 'text/html')
      .send({ version: '3', message: 'x' })
      .expect(403);
  });

  it('support → 403 on the page and on every action form', async () => {
    const { reference } = await fileVerified();
    await open(support, reference).expect(403);
    for (const action of ['approve', 'deny', 'request-info', 'cancel', 'assign', 'extend'])
      await post(support, reference, action, { version: '2' }).expect(403);
  });

  it('the page’s CSRF token is bound to the session: another staff member’s token → 403', async () => {
    const { reference } = await fileVerified();
    const page = await open(dpo, reference).expect(200);
    expect(csrfIn(page.text)).toBe(dpo.csrf);
    await dpo.agent
      .post(`/staff/requests/${reference}/approve`)
      .type('form')
      .send({ _csrf: support.csrf, version: '2' })
      .expect(403);
  });
});
