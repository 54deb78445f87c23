import { eq } from 'drizzle-orm';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { auditEvents, suppressions } from '../../src/db/schema.ts';
import { emailHmac, unsubscribeToken } from '../../src/suppression/suppression-service.ts';
import { pageText } from '../helpers/intake.ts';
import { useStaffApi } from '../helpers/staff-api.ts';

const clock = new Date('2026-03-02T10:00:00.000Z');

/** One character swapped in the middle of the MAC part (not the last: its low bits are padding). */
function tamperMac(token: string): string {
  const [hmac, mac = ''] = token.split('.');
  const i = Math.floor(mac.length / 2);
  return `${hmac}.${mac.slice(0, i)}${mac[i] === 'A' ? 'B' : 'A'}${mac.slice(i + 1)}`;
}

describe('one-click unsubscribe (RFC 8058)', () => {
  const h = useStaffApi(clock);
  const recipients = (emails: string[]) =>
    request(h.rt.app)
      .post('/api/v1/marketing/recipients')
      .set('Authorization', h.bearers.dpo)
      .set('Accept', 'application/json')
      .send({ emails })
      .expect(200);
  /** The path of the List-Unsubscribe URL the send check gives a mailer for this address. */
  const unsubscribePath = async (email: string) => {
    const res = await recipients([email]);
    const header = res.body.allowed[0].listUnsubscribe as string;
    return new URL(header.slice(1, -1)).pathname;
  };
  /** What a mail provider sends: a cookie-less POST with the RFC 8058 body. */
  const oneClick = (path: string) =>
    request(h.rt.app).post(path).type('form').send('List-Unsubscribe=One-Click');
  const rowsFor = (email: string) =>
    h.rt.database.db
      .select()
      .from(suppressions)
      .where(eq(suppressions.emailHmac, emailHmac(h.rt.config.secretKey, email)));
  const unsubscribeEvents = async () =>
    (
      await h.rt.database.db.select().from(auditEvents).where(eq(auditEvents.kind, 'suppression.added'))
    ).filter((e) => (e.data as { origin?: string }).origin === 'unsubscribe');

  it('GET the link → a page with a one-click form, and nothing changes', async () => {
    const path = await unsubscribePath('prefetch@example.org');
    const res = await request(h.rt.app).get(path).set('Accept', 'text/html').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(pageText(res.text)).toContain('Unsubscribe from marketing emails');
    expect(res.text).toContain(`<form method="post" action="${path}">`);
    expect(res.text).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(res.text).not.toContain('_csrf');
    await request(h.rt.app).get(path).expect(200);
    await request(h.rt.app).head(path).expect(200);
    expect(await rowsFor('prefetch@example.org')).toEqual([]);
    expect((await recipients(['prefetch@example.org'])).body.suppressed).toEqual([]);
  });

  it('POST one-click from a mail provider (no cookie, no CSRF) → 200, suppressed for marketing, then listed as suppressed', async () => {
    const path = await unsubscribePath('Clicker@Example.org');
    const res = await oneClick(path).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(pageText(res.text)).toContain('You are unsubscribed');
    expect(await rowsFor('clicker@example.org')).toEqual([
      expect.objectContaining({
        scope: 'marketing',
        origin: 'unsubscribe',
        requestId: null,
        createdAt: clock,
      }),
    ]);
    const check = await recipients(['clicker@example.org', 'CLICKER@example.org', 'neighbour@example.org']);
    expect(check.body.suppressed).toEqual(['clicker@example.org', 'CLICKER@example.org']);
    expect(check.body.allowed.map((a: { email: string }) => a.email)).toEqual(['neighbour@example.org']);
  });

  it('POST twice → still one row and one audit event, both answers 200', async () => {
    const path = await unsubscribePath('twice@example.org');
    const before = (await unsubscribeEvents()).length;
    await oneClick(path).expect(200);
    const again = await oneClick(path).expect(200);
    expect(pageText(again.text)).toContain('You are unsubscribed');
    expect(await rowsFor('twice@example.org')).toHaveLength(1);
    const events = await unsubscribeEvents();
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({
      actor: 'subject',
      requestId: null,
      data: { scope: 'marketing', origin: 'unsubscribe', requestId: null },
    });
    expect(JSON.stringify(events)).not.toContain('twice');
  });

  it('the page form pressed in a browser → unsubscribed; the link then says so and offers no button', async () => {
    const path = `/unsubscribe/${unsubscribeToken(h.rt.config.secretKey, 'browser@example.org')}`;
    const page = await request(h.rt.app).get(path).set('Accept', 'text/html').expect(200);
    const field = /name="(List-Unsubscribe)" value="(One-Click)"/.exec(page.text);
    expect(field).not.toBeNull();
    await request(h.rt.app)
      .post(path)
      .type('form')
      .set('Accept', 'text/html')
      .send({ [field![1]!]: field![2]! })
      .expect(200);
    const after = await request(h.rt.app).get(path).set('Accept', 'text/html').expect(200);
    expect(pageText(after.text)).toContain('You are already unsubscribed');
    expect(after.text).not.toContain('<form');
  });

  it('POST as multipart/form-data (RFC 8058 allows it) → unsubscribed', async () => {
    const path = await unsubscribePath('multipart@example.org');
    await request(h.rt.app).post(path).field('List-Unsubscribe', 'One-Click').expect(200);
    expect(await rowsFor('multipart@example.org')).toHaveLength(1);
  });

  const genuine = () => unsubscribeToken(h.rt.config.secretKey, 'victim@example.org');
  const badTokens: [string, () => string][] = [
    ['garbage', () => 'not-a-token'],
    ['the MAC changed', () => tamperMac(genuine())],
    [
      'another address’s HMAC with this MAC',
      () => `${emailHmac(h.rt.config.secretKey, 'other@example.org')}.${genuine().split('.')[1]}`,
    ],
    [
      'signed with another key',
      () => unsubscribeToken('some-other-secret-key-that-is-long-enough-000', 'victim@example.org'),
    ],
    ['far too long', () => 'A'.repeat(5000)],
  ];
  for (const [name, token] of badTokens) {
    it(`bad token (${name}) → 400 readable page on GET and POST, nothing suppressed`, async () => {
      const path = `/unsubscribe/${token()}`;
      for (const res of [
        await request(h.rt.app).get(path).set('Accept', 'text/html'),
        await oneClick(path),
        await request(h.rt.app).post(path).set('Accept', 'application/json').send({}),
      ]) {
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/text\/html/);
        expect(pageText(res.text)).toContain('This link is not valid');
      }
      expect(await rowsFor('victim@example.org')).toEqual([]);
    });
  }

  // Last in the file: it spends this IP's allowance for the window.
  it('POSTs from one IP → limited to 300 per 15 minutes (then 429 with Retry-After); GET is not limited', async () => {
    const path = `/unsubscribe/${tamperMac(genuine())}`;
    const first = await oneClick(path).expect(400);
    expect(first.headers['ratelimit-policy']).toMatch(/"unsubscribe-ip"; q=300; w=900/);
    let status = 400;
    let sent = 1;
    while (status !== 429 && sent < 400) {
      status = (await oneClick(path)).status;
      sent++;
    }
    expect(status).toBe(429);
    expect(sent).toBeLessThanOrEqual(301);
    const limited = await oneClick(path).expect(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    const page = await request(h.rt.app).get(`/unsubscribe/${genuine()}`).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.headers['ratelimit-policy']).toBeUndefined();
  });
});
