import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { auditEvents, clockEvents, verificationTokens } from '../../src/db/schema.ts';
import { signToken } from '../../src/verification/tokens.ts';
import {
  englishDate,
  findByReference,
  linkIn,
  openAndPost,
  openPage,
  pageText,
  postForm,
  tamperSignature,
  waitForMail,
} from '../helpers/intake.ts';
import { useIntakeHarness } from '../helpers/intake-harness.ts';

const start = new Date('2026-01-09T18:00:00.000Z');
const hours = (n: number) => new Date(start.getTime() + n * 3600_000);
const verifySubject = /^Confirm your privacy request/;

describe('intake: verifying the email address', () => {
  const h = useIntakeHarness({ prefix: 'subject', start });

  /** Opens the confirm page and presses the button, as a browser would. */
  const confirm = (path: string) => openAndPost(h.rt.app, path);

  it('link from the email, GET only (twice) → confirm page, nothing changes', async () => {
    const { reference, verify } = await h.fileRequest();
    for (let i = 0; i < 2; i++) {
      const page = await openPage(h.rt.app, verify.path);
      expect(page.status).toBe(200);
      expect(page.html).toContain(`<form method="post" action="/verify/${verify.token}">`);
      expect(page.html).toContain(reference);
      expect(page.csrf).not.toBe('');
    }
    const row = await findByReference(h.rt.database.db, reference);
    expect(row).toMatchObject({ status: 'unverified', version: 1, verifiedAt: null });
    const tokens = await h.rt.database.db
      .select()
      .from(verificationTokens)
      .where(eq(verificationTokens.requestId, row.id));
    expect(tokens.map((t) => t.usedAt)).toEqual([null]);
  });

  it('confirm pressed → pending_review, clock events, audit event, acknowledgement with reference, law and due date', async () => {
    const { email, reference, verify } = await h.fileRequest({ type: 'access', law: 'ccpa' });
    h.clock = hours(3);
    const res = await confirm(verify.path);
    expect(res.status).toBe(200);
    expect(pageText(res.text)).toContain('Thank you, your request is confirmed');
    expect(res.text).toMatch(/<a href="http:\/\/localhost:3000\/status\/[A-Za-z0-9_.-]+">/);

    const row = await findByReference(h.rt.database.db, reference);
    expect(row).toMatchObject({
      status: 'pending_review',
      version: 2,
      verifiedAt: hours(3),
      dueBy: '2026-02-23',
    });
    const clocks = await h.rt.database.db.select().from(clockEvents).where(eq(clockEvents.requestId, row.id));
    expect(clocks.map((c) => c.kind)).toEqual(['received', 'verified', 'acknowledged']);
    const [verified] = await h.rt.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, row.id), eq(auditEvents.kind, 'request.verify')));
    expect(verified).toMatchObject({ actor: 'subject', at: hours(3) });
    expect(verified?.data).toMatchObject({ from: 'unverified', to: 'pending_review' });

    const ack = await waitForMail(h.sink, email, /^We have your privacy request/);
    expect(ack.subject).toBe(`We have your privacy request ${reference}`);
    expect(ack.text).toContain(reference);
    expect(ack.text).toContain('California Consumer Privacy Act (CCPA/CPRA)');
    expect(ack.text).toMatch(new RegExp(`We will answer by ${englishDate('2026-02-23')}`));
    expect(linkIn(ack, 'status').path).toMatch(/^\/status\//);
  });

  it('confirm posted without the CSRF token → 403, still unverified', async () => {
    const { reference, verify } = await h.fileRequest();
    const page = await openPage(h.rt.app, verify.path);
    const res = await postForm(h.rt.app, verify.path, {}, { cookie: page.cookie, csrf: '' });
    expect(res.status).toBe(403);
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('unverified');
  });

  it('replay of a used link → 409 page linking to the status (GET and POST), 409 from the API', async () => {
    const { reference, verify } = await h.fileRequest();
    expect((await confirm(verify.path)).status).toBe(200);
    const again = await confirm(verify.path);
    expect(again.status).toBe(409);
    expect(pageText(again.text)).toContain('This link has already been used');
    expect(again.text).toMatch(
      /<a href="http:\/\/localhost:3000\/status\/[^"]+">See where your request stands/,
    );
    const get = await openPage(h.rt.app, verify.path);
    expect(get.status).toBe(409);
    const api = await h.apiVerify(verify.token);
    expect(api.status).toBe(409);
    expect(api.body.code).toBe('TOKEN_USED');
    expect((await findByReference(h.rt.database.db, reference)).version).toBe(2);
  });

  it('two confirmations at once → exactly one succeeds, the other is 409', async () => {
    const { reference, verify } = await h.fileRequest();
    const results = await Promise.all([h.apiVerify(verify.token), h.apiVerify(verify.token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const row = await findByReference(h.rt.database.db, reference);
    expect(row).toMatchObject({ status: 'pending_review', version: 2 });
  });

  it('API: POST /api/v1/verifications {token} → 200 {reference, status}; unknown fields → 400', async () => {
    const { reference, verify } = await h.fileRequest({ type: 'erase', law: 'gdpr' });
    const bad = await request(h.rt.app).post('/api/v1/verifications').send({ token: verify.token, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const res = await h.apiVerify(verify.token).expect(200);
    expect(res.body).toEqual({ reference, status: 'pending_review' });
  });

  it('link older than VERIFICATION_TOKEN_HOURS → 410 page with a resend button that sends a working new link', async () => {
    const { email, reference, verify } = await h.fileRequest();
    h.clock = hours(25);
    const page = await openPage(h.rt.app, verify.path);
    expect(page.status).toBe(410);
    expect(pageText(page.html)).toContain('This link has expired');
    expect(page.html).toContain('<form method="post" action="/verify/resend">');
    expect(page.html).toContain(`name="token" value="${verify.token}"`);
    expect((await confirm(verify.path)).status).toBe(410);
    const api = await h.apiVerify(verify.token);
    expect(api.status).toBe(410);
    expect(api.body.code).toBe('TOKEN_EXPIRED');
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('unverified');

    const resent = await postForm(h.rt.app, '/verify/resend', { token: verify.token }, page);
    expect(resent.status).toBe(200);
    expect(pageText(resent.text)).toContain('We have sent you a new link');
    const second = linkIn(await waitForMail(h.sink, email, verifySubject, 2), 'verify');
    expect(second.token).not.toBe(verify.token);
    expect((await confirm(second.path)).status).toBe(200);
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('pending_review');
  });

  it('tampered links (one signature character, swapped or forged payload, alg none, garbage) → 400 pages', async () => {
    const a = await h.fileRequest();
    const b = await h.fileRequest();
    const [ha, pa, sa] = a.verify.token.split('.');
    const [, pb] = b.verify.token.split('.');
    const claims = JSON.parse(Buffer.from(pa!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(
      JSON.stringify({ ...claims, exp: (claims.exp as number) + 3600 * 24 * 365 }),
    ).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const bad = [
      tamperSignature(a.verify.token),
      `${ha}.${pb}.${sa}`,
      `${ha}.${forged}.${sa}`,
      `${none}.${pa}.`,
      'garbage',
      `${a.verify.token}x`,
    ];
    for (const token of bad) {
      const page = await openPage(h.rt.app, `/verify/${encodeURIComponent(token)}`);
      expect(page.status, token).toBe(400);
      expect(pageText(page.html)).toContain('This link is not valid');
      expect((await confirm(`/verify/${encodeURIComponent(token)}`)).status, token).toBe(400);
      const api = await h.apiVerify(token);
      expect(api.status, token).toBe(400);
      expect(api.body.code).toBe('TOKEN_INVALID');
    }
    expect((await findByReference(h.rt.database.db, a.reference)).status).toBe('unverified');
    expect((await findByReference(h.rt.database.db, b.reference)).status).toBe('unverified');
    // The untouched links still work.
    await h.apiVerify(a.verify.token).expect(200);
  });

  it('a token of purpose "status" on /verify → 400; a verify token on /status → 400', async () => {
    const { status, reference, verify } = await h.fileRequest();
    const row = await findByReference(h.rt.database.db, reference);
    // Also one minted with every claim a verify token has, but purpose status.
    const minted = signToken(h.rt.config.secretKey, {
      purpose: 'status',
      requestId: row.id,
      ttlSeconds: 3600,
      now: h.clock,
      withJti: true,
    }).token;
    for (const token of [status.token, minted]) {
      expect((await openPage(h.rt.app, `/verify/${token}`)).status).toBe(400);
      expect((await confirm(`/verify/${token}`)).status).toBe(400);
      expect((await h.apiVerify(token)).status).toBe(400);
    }
    expect((await openPage(h.rt.app, `/status/${verify.token}`)).status).toBe(400);
    expect((await findByReference(h.rt.database.db, reference)).status).toBe('unverified');
  });
});
