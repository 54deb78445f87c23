import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, suppressions } from '../../src/db/schema.ts';
import {
  addSuppression,
  emailHmac,
  isSuppressed,
  unsubscribeUrl,
} from '../../src/suppression/suppression-service.ts';
import { useStaffApi } from '../helpers/staff-api.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const clock = new Date('2026-03-02T10:00:00.000Z');

describe('suppression list and the marketing send check', () => {
  const h = useStaffApi(clock);
  const recipients = (emails: unknown, role: 'admin' | 'dpo' | 'support' = 'dpo') =>
    request(h.rt.app)
      .post('/api/v1/marketing/recipients')
      .set('Authorization', h.bearers[role])
      .set('Accept', 'application/json')
      .send({ emails });
  const add = (email: string, scope: 'marketing' | 'sale_sharing', requestId: string | null = null) =>
    h.rt.database.db.transaction((tx) =>
      addSuppression(tx, {
        secretKey: h.rt.config.secretKey,
        email,
        scope,
        origin: 'opt_out_request',
        requestId,
        now: clock,
      }),
    );
  const events = () =>
    h.rt.database.db.select().from(auditEvents).where(eq(auditEvents.kind, 'suppression.added'));

  it('addSuppression twice → added once (true, then false), one row, one audit event', async () => {
    const { id } = await h.fileVerified();
    const before = (await events()).length;
    expect(await add('Twice@Example.org', 'marketing', id)).toBe(true);
    expect(await add(' twice@example.ORG ', 'marketing', id)).toBe(false);
    const rows = await h.rt.database.db
      .select()
      .from(suppressions)
      .where(eq(suppressions.emailHmac, emailHmac(h.rt.config.secretKey, 'twice@example.org')));
    expect(rows).toEqual([
      expect.objectContaining({
        scope: 'marketing',
        origin: 'opt_out_request',
        requestId: id,
        createdAt: clock,
      }),
    ]);
    const added = await events();
    expect(added).toHaveLength(before + 1);
    expect(added.at(-1)).toMatchObject({
      requestId: id,
      actor: 'system',
      data: { scope: 'marketing', origin: 'opt_out_request', requestId: id },
    });
  });

  it('audit event of a suppression → names neither the address nor its HMAC', async () => {
    await add('audit-check@example.org', 'sale_sharing');
    const text = JSON.stringify(await events());
    expect(text).not.toMatch(/audit-check/i);
    expect(text).not.toContain(emailHmac(h.rt.config.secretKey, 'audit-check@example.org'));
  });

  it('isSuppressed → per scope, whatever the case and whitespace of the address', async () => {
    await add('scoped@example.org', 'sale_sharing');
    const { secretKey } = h.rt.config;
    const db = h.rt.database.db;
    expect(await isSuppressed(db, secretKey, '  SCOPED@example.org', 'sale_sharing')).toBe(true);
    expect(await isSuppressed(db, secretKey, 'scoped@example.org', 'marketing')).toBe(false);
    expect(await isSuppressed(db, secretKey, 'other@example.org', 'sale_sharing')).toBe(false);
  });

  it('the stored list → no plaintext address anywhere, only 43-character HMACs', async () => {
    await add('plaintext-probe@example.org', 'marketing');
    const rows = await h.rt.database.db.select().from(suppressions);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.emailHmac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain('@');
    expect(dump).not.toMatch(/plaintext-probe|example/i);
    const raw = await h.rt.database.executeSql('select * from suppressions');
    expect(JSON.stringify(raw.rows)).not.toContain('@');
  });

  it('recipients API → suppressed addresses listed as suppressed, the others allowed with RFC 8058 headers', async () => {
    await add('gone@example.org', 'marketing');
    await add('sale-only@example.org', 'sale_sharing');
    const emails = ['keep@example.org', 'GONE@example.org ', 'sale-only@example.org', 'keep@example.org'];
    const res = await recipients(emails).expect(200);
    expect(res.body.suppressed).toEqual(['GONE@example.org ']);
    expect(res.body.allowed.map((a: { email: string }) => a.email)).toEqual([
      'keep@example.org',
      'sale-only@example.org',
      'keep@example.org',
    ]);
    const [keep] = res.body.allowed;
    expect(keep).toEqual({
      email: 'keep@example.org',
      listUnsubscribe: `<${unsubscribeUrl(h.rt.config, 'keep@example.org')}>`,
      listUnsubscribePost: 'List-Unsubscribe=One-Click',
    });
    expect(keep.listUnsubscribe).toMatch(
      new RegExp(`^<${h.rt.config.publicUrl}/unsubscribe/[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}>$`),
    );
    expect(keep.listUnsubscribe).not.toContain('keep');
  });

  it('recipients API as admin → 200; as support → 403; without a Bearer → 401', async () => {
    await recipients(['a@example.org'], 'admin').expect(200);
    const forbidden = await recipients(['a@example.org'], 'support').expect(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    expect(forbidden.headers['content-type']).toMatch(/application\/problem\+json/);
    await request(h.rt.app)
      .post('/api/v1/marketing/recipients')
      .set('Accept', 'application/json')
      .send({ emails: ['a@example.org'] })
      .expect(401);
  });

  it.each([
    ['no emails', []],
    ['not a list', 'a@example.org'],
    ['an invalid address', ['a@example.org', 'not-an-address']],
    ['1001 addresses', Array.from({ length: 1001 }, (_, i) => `n${i}@example.org`)],
  ])('recipients API with %s → 400 naming the field', async (_name, emails) => {
    const res = await recipients(emails).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors[0].path).toMatch(/^emails/);
  });

  it('recipients API with 1000 long addresses (over the 64 kB default body limit) → 200', async () => {
    const local = 'x'.repeat(60);
    const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(50)}.org`;
    const emails = Array.from({ length: 1000 }, (_, i) => `${local}${i}@${domain}`);
    expect(JSON.stringify({ emails }).length).toBeGreaterThan(64 * 1024);
    const res = await recipients(emails).expect(200);
    expect(res.body.allowed).toHaveLength(1000);
    expect(res.body.suppressed).toEqual([]);
  });

  it('OpenAPI document → documents the send check (Bearer, live body schema) and the unsubscribe link', async () => {
    const res = await request(h.rt.app).get('/api/openapi.json').expect(200);
    const check = res.body.paths['/api/v1/marketing/recipients'].post;
    expect(check.security).toEqual([{ bearer: [] }]);
    const schema = check.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(['emails']);
    expect(schema.properties.emails).toMatchObject({ type: 'array', minItems: 1, maxItems: 1000 });
    expect(Object.keys(res.body.paths['/unsubscribe/{token}'])).toEqual(['get', 'post']);
  });
});

describe('marketing send check behind STAFF_ALLOWED_IPS', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false, env: { STAFF_ALLOWED_IPS: '10.0.0.0/8' } });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('a caller outside the allowlist → 404 as on /api/v1/staff (not 401: nothing to see)', async () => {
    const res = await request(rt.app)
      .post('/api/v1/marketing/recipients')
      .set('Accept', 'application/json')
      .send({ emails: ['a@example.org'] });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});
