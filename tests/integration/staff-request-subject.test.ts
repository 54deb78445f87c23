import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestEvents } from '../../src/audit/audit-service.ts';
import { clockEvents, outbox } from '../../src/db/schema.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { verifyRequest } from '../../src/verification/verification-service.ts';
import { findByReference, openPage, pageText, postForm } from '../helpers/intake.ts';
import { bearerFor, createStaff, type StaffAccount } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const start = new Date('2026-03-02T10:00:00Z');
const days = (n: number) => new Date(start.getTime() + n * 86_400_000);
let clock = start;
let rt: TestRuntime;
let dpo: StaffAccount;
let n = 0;

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false, now: () => clock });
  dpo = await createStaff(rt, { role: 'dpo' });
});
afterAll(async () => {
  await rt.dispose();
});

async function fileVerified(law: string) {
  clock = start;
  const email = `subj-${++n}@example.org`;
  const deps = { ...rt.requests, now: () => clock };
  const input = { type: 'access', law, email, name: 'Ada Lovelace' } as Parameters<typeof submitRequest>[1];
  const { reference } = await submitRequest(deps, input, { channel: 'api', locale: 'en' });
  const row = await findByReference(rt.database.db, reference);
  await verifyRequest(deps, /\/verify\/([\w.-]+)/.exec((await mailsOf(row.id))[0]!.text)![1]!);
  return { reference, id: row.id };
}

const mailsOf = (id: string) => rt.database.db.select().from(outbox).where(eq(outbox.requestId, id));

// One sign-in per clock value: moving the clock by days ends earlier sessions.
const sessions = new Map<number, Promise<string>>();
const dpoBearer = () => {
  if (!sessions.has(clock.getTime())) sessions.set(clock.getTime(), bearerFor(rt, dpo));
  return sessions.get(clock.getTime())!;
};

/** Acts as the DPO at the current clock with the request's current version; resolves to the response. */
async function act(reference: string, action: string, body: object, status = 200) {
  const version = (await findByReference(rt.database.db, reference)).version;
  return request(rt.app)
    .post(`/api/v1/staff/requests/${reference}/${action}`)
    .set('Authorization', await dpoBearer())
    .set('Accept', 'application/json')
    .send({ version, ...body })
    .expect(status);
}

/** The status link of the latest email with this subject. */
async function statusPathIn(id: string, subject: RegExp) {
  const mail = (await mailsOf(id)).filter((m) => subject.test(m.subject)).at(-1)!;
  return { mail, path: /https?:\/\/[^\s/]+(\/status\/[\w.-]+)/.exec(mail.text)![1]! };
}

async function askAndReply(law: string) {
  const { reference, id } = await fileVerified(law);
  const before = (await findByReference(rt.database.db, reference)).dueBy;
  clock = days(3);
  await act(reference, 'request-info', { message: 'Which customer number do you use?' });
  const { mail, path } = await statusPathIn(id, /need more information/);
  clock = days(10);
  const page = await openPage(rt.app, path);
  const reply = await postForm(
    rt.app,
    `${path}/reply`,
    { version: /name="version" value="(\d+)"/.exec(page.html)![1], reply: 'It is C-1234.' },
    page,
  );
  return { reference, id, before, mail, path, page, reply };
}

describe('request-info and the subject’s answer on the status page', () => {
  it('request-info → email with the question and the status link; the page shows the question and a reply form', async () => {
    const { reference, id } = await fileVerified('ccpa');
    await act(reference, 'request-info', { message: 'Which customer number do you use?' });
    const { mail, path } = await statusPathIn(id, /need more information/);
    expect(mail.text).toContain('Which customer number do you use?');
    expect(mail.text).toContain('Answer us on your request');
    const page = await openPage(rt.app, path);
    expect(pageText(page.html)).toContain('Our question to you Which customer number do you use?');
    expect(page.html).toContain(`action="${path}/reply"`);
    const kinds = (await rt.database.db.select().from(clockEvents).where(eq(clockEvents.requestId, id))).map(
      (e) => e.kind,
    );
    expect(kinds.at(-1)).toBe('paused');
  });

  it('UK GDPR: ask on day 3, answer on day 10 → pending_review, reply stored, 7 paused days move dueBy', async () => {
    const { reference, id, before, reply } = await askAndReply('uk-gdpr');
    expect(before).toBe('2026-04-02');
    expect(reply.status).toBe(200);
    expect(pageText(reply.text)).toContain('we have your answer');
    const row = await findByReference(rt.database.db, reference);
    expect(row).toMatchObject({
      status: 'pending_review',
      subjectReply: 'It is C-1234.',
      dueBy: '2026-04-09',
    });
    const events = await listRequestEvents(rt.database.db, id);
    expect(events.at(-1)).toMatchObject({ kind: 'request.resume', actor: 'subject' });
    expect(JSON.stringify(events)).not.toContain('C-1234');
    const kinds = (await rt.database.db.select().from(clockEvents).where(eq(clockEvents.requestId, id))).map(
      (e) => e.kind,
    );
    expect(kinds.slice(-2)).toEqual(['paused', 'resumed']);
  });

  it('CCPA: the same pause → back to pending_review, dueBy unchanged (the clock never stops)', async () => {
    const { reference, before, reply } = await askAndReply('ccpa');
    expect(reply.status).toBe(200);
    const row = await findByReference(rt.database.db, reference);
    expect(row.status).toBe('pending_review');
    expect(row.dueBy).toBe(before);
    const detail = await request(rt.app)
      .get(`/api/v1/staff/requests/${reference}`)
      .set('Authorization', await dpoBearer())
      .expect(200);
    expect(detail.body.subject.reply).toBe('It is C-1234.');
    expect(detail.body.clock.explain.join('\n')).toContain('the clock does not stop');
  });

  it('answer after the DPO resumed it → 409 page saying it changed; an empty answer → 400 with the error', async () => {
    const { reference, id } = await fileVerified('gdpr');
    await act(reference, 'request-info', { message: 'Which account?' });
    const { path } = await statusPathIn(id, /need more information/);
    const page = await openPage(rt.app, path);
    const version = /name="version" value="(\d+)"/.exec(page.html)![1];
    const empty = await postForm(rt.app, `${path}/reply`, { version, reply: '  ' }, page);
    expect(empty.status).toBe(400);
    expect(pageText(empty.text)).toContain('Write your answer, in 5000 characters or fewer.');
    const tooLong = await postForm(rt.app, `${path}/reply`, { version, reply: 'x'.repeat(5001) }, page);
    expect(tooLong.status).toBe(400);
    const noCsrf = await postForm(rt.app, `${path}/reply`, { version, reply: 'hi' }, null);
    expect(noCsrf.status).toBe(403);
    await act(reference, 'resume', {});
    const late = await postForm(rt.app, `${path}/reply`, { version, reply: 'Here it is.' }, page);
    expect(late.status).toBe(409);
    expect(pageText(late.text)).toContain('Your request changed while you were looking at it');
  });
});

describe('emails of staff decisions', () => {
  it.each([
    ['gdpr', /supervisory authority.*judicial remedy.*GDPR Art\. 12\(4\)/s],
    ['uk-gdpr', /Information Commissioner's Office.*judicial remedy.*UK GDPR Art\. 12\(4\)/s],
  ])(
    '%s deny → email with the reason, the explanation and the Art. 12(4) complaint sentence',
    async (law, remedy) => {
      const { reference, id } = await fileVerified(law);
      await act(reference, 'deny', {
        reason: 'unverifiable',
        message: 'The ID you sent did not match.',
      });
      const mail = (await mailsOf(id)).find((m) => /was declined/.test(m.subject))!;
      expect(mail.text).toContain('We could not confirm that you are the person the data is about');
      expect(mail.text).toContain('The ID you sent did not match.');
      expect(mail.text).toMatch(remedy);
      const event = (await listRequestEvents(rt.database.db, id)).at(-1)!;
      expect(event.data).toMatchObject({ reason: 'unverifiable', to: 'denied' });
      expect(JSON.stringify(event.data)).not.toContain('did not match');
    },
  );

  it('CCPA deny → the reason, without a supervisory-authority sentence', async () => {
    const { reference, id } = await fileVerified('ccpa');
    await act(reference, 'deny', {
      reason: 'not_a_consumer',
      message: 'You told us you live in Oregon.',
    });
    const mail = (await mailsOf(id)).find((m) => /was declined/.test(m.subject))!;
    expect(mail.text).toContain('does not cover you');
    expect(mail.text).not.toContain('supervisory authority');
  });

  it('staff cancel → cancellation email with the note; the closed clock stays on the request', async () => {
    const { reference, id } = await fileVerified('gdpr');
    await act(reference, 'cancel', { message: 'You asked us by phone to stop.' });
    const mail = (await mailsOf(id)).find((m) => /is cancelled/.test(m.subject))!;
    expect(mail.text).toContain('We have cancelled request');
    expect(mail.text).toContain('You asked us by phone to stop.');
    const kinds = (await rt.database.db.select().from(clockEvents).where(eq(clockEvents.requestId, id))).map(
      (e) => e.kind,
    );
    expect(kinds.at(-1)).toBe('closed');
  });
});
