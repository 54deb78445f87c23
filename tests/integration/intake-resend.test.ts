import { eq } from 'drizzle-orm';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { verificationTokens } from '../../src/db/schema.ts';
import {
  findByReference,
  linkIn,
  mailsTo,
  openPage,
  pageText,
  postForm,
  waitForMail,
} from '../helpers/intake.ts';
import { useIntakeHarness } from '../helpers/intake-harness.ts';

const start = new Date('2026-01-09T18:00:00.000Z');
const hours = (n: number) => new Date(start.getTime() + n * 3600_000);
const verifySubject = /^Confirm your privacy request/;

describe('intake: resending the verification link', () => {
  const h = useIntakeHarness({ prefix: 'resend', start });

  it('resend voids the old link: old → 410, new → works', async () => {
    const { email, reference, verify } = await h.fileRequest();
    h.clock = hours(1);
    const res = await request(h.rt.app).post('/api/v1/verifications/resend').send({ token: verify.token });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ reference });
    const fresh = linkIn(await waitForMail(h.sink, email, verifySubject, 2), 'verify');
    expect(fresh.token).not.toBe(verify.token);
    const old = await openPage(h.rt.app, verify.path);
    expect(old.status).toBe(410);
    expect((await h.apiVerify(verify.token)).status).toBe(410);
    await h.apiVerify(fresh.token).expect(200);
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('pending_review');
  });

  it('six links in 24 h (first + 5 resends) → the 7th is refused with 429 RESEND_LIMIT; a day later it works', async () => {
    const { email, reference, verify } = await h.fileRequest();
    let latest = verify.token;
    for (let i = 1; i <= 5; i++) {
      h.clock = hours(i);
      await request(h.rt.app).post('/api/v1/verifications/resend').send({ token: latest }).expect(202);
      latest = linkIn(await waitForMail(h.sink, email, verifySubject, i + 1), 'verify').token;
    }
    h.clock = hours(6);
    const api = await request(h.rt.app).post('/api/v1/verifications/resend').send({ token: latest });
    expect(api.status).toBe(429);
    expect(api.body.code).toBe('RESEND_LIMIT');
    const page = await openPage(h.rt.app, `/verify/${latest}`);
    const form = await postForm(h.rt.app, '/verify/resend', { token: latest }, page);
    expect(form.status).toBe(429);
    expect(pageText(form.text)).toContain('Too many new links today');
    const row = await findByReference(h.rt.database.db, reference);
    const tokens = await h.rt.database.db
      .select()
      .from(verificationTokens)
      .where(eq(verificationTokens.requestId, row.id));
    expect(tokens).toHaveLength(6);
    // Once the first links are more than 24 h old, a new one may be sent again.
    h.clock = hours(24.5);
    await request(h.rt.app).post('/api/v1/verifications/resend').send({ token: latest }).expect(202);
    const seventh = linkIn(await waitForMail(h.sink, email, verifySubject, 7), 'verify');
    await h.apiVerify(seventh.token).expect(200);
  });

  it('resend for a verified request → 409, no new link', async () => {
    const { email, verify } = await h.fileRequest();
    await h.apiVerify(verify.token).expect(200);
    const res = await request(h.rt.app).post('/api/v1/verifications/resend').send({ token: verify.token });
    expect(res.status).toBe(409);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsTo(h.sink, email, verifySubject)).toHaveLength(1);
  });
});
