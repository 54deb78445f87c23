import { and, eq, gt } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, staffAccounts } from '../../src/db/schema.ts';
import { changeStaff } from '../../src/staff/staff-service.ts';
import {
  apiLogin,
  bearerFor,
  browserSessionFor,
  createStaff,
  type StaffAccount,
  staffPassword,
} from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let rt: TestRuntime;
let clock = new Date('2026-03-02T09:00:00Z');
const minutes = (n: number) => {
  clock = new Date(clock.getTime() + n * 60_000);
};
const deps = () => ({ db: rt.database.db, secretKey: rt.config.secretKey, now: rt.now });

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false, now: () => clock });
});
afterAll(async () => {
  await rt?.dispose();
});
// A new day per test: the login rate limit (20 per 15 minutes per IP) starts a fresh window.
beforeEach(() => minutes(24 * 60));

const logoutApi = (authorization: string) =>
  request(rt.app).post('/api/v1/staff/logout').set('Authorization', authorization);
const staffPage = (authorization: string) =>
  request(rt.app).get('/staff').set('Accept', 'text/html').set('Authorization', authorization);
const withoutRequestId = (body: Record<string, unknown>) => {
  const { requestId: _requestId, ...rest } = body;
  return rest;
};
const auditSince = async (since: Date, kind: string) =>
  rt.database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.kind, kind), gt(auditEvents.at, new Date(since.getTime() - 1))));
const accountRow = async (account: StaffAccount) => {
  const [row] = await rt.database.db.select().from(staffAccounts).where(eq(staffAccounts.id, account.id));
  return row!;
};

describe('tests/helpers/staff.ts', () => {
  it('createStaff → an argon2id account of that role, lower-cased email, audited staff.added', async () => {
    const account = await createStaff(rt, { role: 'support', email: 'Helper.Case@Example.org' });
    expect(account).toMatchObject({
      email: 'helper.case@example.org',
      role: 'support',
      password: staffPassword,
    });
    const row = await accountRow(account);
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    const [added] = await auditSince(clock, 'staff.added');
    expect(added?.data).toEqual({ staffId: account.id, role: 'support' });
  });

  it('bearerFor(role) → a Bearer header value that opens /staff as that role', async () => {
    const authorization = await bearerFor(rt, 'dpo');
    expect(authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const page = await staffPage(authorization).expect(200);
    expect(page.text).toContain('(dpo)');
  });

  it('browserSessionFor(role) → an agent signed in by cookie, with a token the logout form accepts', async () => {
    const browser = await browserSessionFor(rt, 'admin');
    const page = await browser.agent.get('/staff').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain(browser.account.email);
    await browser.agent
      .post('/staff/logout')
      .type('form')
      .send({ _csrf: browser.csrf })
      .expect(303)
      .expect('Location', '/staff/login');
    await browser.agent.get('/staff').set('Accept', 'text/html').expect(303);
  });
});

describe('POST /api/v1/staff/login', () => {
  it('right email and password → 200 {token, expiresAt in 12 h}; token works as Bearer until logout (204), then 401', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const res = await apiLogin(rt, { email: account.email.toUpperCase(), password: account.password });
    expect(res.status).toBe(200);
    expect(res.body.expiresAt).toBe(new Date(clock.getTime() + 12 * 3600_000).toISOString());
    const authorization = `Bearer ${res.body.token}`;
    const page = await staffPage(authorization).expect(200);
    expect(page.text).toContain(account.email);

    await logoutApi(authorization).expect(204);
    const again = await logoutApi(authorization);
    expect(again.status).toBe(401);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.body.code).toBe('UNAUTHENTICATED');
    const json = await request(rt.app)
      .get('/staff')
      .set('Accept', 'application/json')
      .set('Authorization', authorization);
    expect(json.status).toBe(401);
    const [logout] = await auditSince(clock, 'staff.logout');
    expect(logout?.actor).toBe(account.id);
  });

  it('no token, a garbage token or a tampered token → 401 on the logout API', async () => {
    await logoutApi('').expect(401);
    await logoutApi('Bearer not.a.jwt').expect(401);
    const authorization = await bearerFor(rt, 'support');
    const [h, p, s = ''] = authorization.slice(7).split('.');
    const mid = Math.floor(s.length / 2);
    const flipped = `Bearer ${h}.${p}.${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`;
    await logoutApi(flipped).expect(401);
    await logoutApi(authorization).expect(204);
  });

  it('the bearer token after its 12 h → 401', async () => {
    const authorization = await bearerFor(rt, 'dpo');
    minutes(12 * 60 - 1);
    await staffPage(authorization).expect(200);
    minutes(2);
    await logoutApi(authorization).expect(401);
  });

  it('a body with a missing or extra field → 400 naming it, not 500', async () => {
    const missing = await apiLogin(rt, { email: 'x@example.org' } as never);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.errors)).toContain('password');
    const extra = await request(rt.app)
      .post('/api/v1/staff/login')
      .send({ email: 'x@example.org', password: 'whatever-password', role: 'admin' });
    expect(extra.status).toBe(400);
  });

  it('wrong password and unknown email → identical 401 problem bodies, both audited as staff.login_failed without the email', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const since = clock;
    const wrong = await apiLogin(rt, { email: account.email, password: 'wrong-password-123' });
    const unknown = await apiLogin(rt, { email: 'nobody-here@example.org', password: 'wrong-password-123' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(withoutRequestId(wrong.body)).toEqual(withoutRequestId(unknown.body));
    expect(wrong.body.detail).toBe('The email or password is wrong.');

    const failed = await auditSince(since, 'staff.login_failed');
    expect(failed).toHaveLength(2);
    expect(failed.map((e) => e.data.reason).sort()).toEqual(['unknown_account', 'wrong_password']);
    for (const event of failed) {
      const text = JSON.stringify(event);
      expect(text).not.toContain(account.email);
      expect(text).not.toContain('nobody-here');
      expect(text).not.toContain('wrong-password-123');
    }
    expect(failed.find((e) => e.data.reason === 'wrong_password')?.actor).toBe(account.id);
  });

  it('5 wrong passwords → locked: the right password gets 429 "15 minutes", until the clock passes lockedUntil', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    for (let i = 1; i <= 5; i++) {
      const res = await apiLogin(rt, { email: account.email, password: `wrong-password-${i}` });
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const row = await accountRow(account);
    expect(row.failedLogins).toBe(5);
    expect(row.lockedUntil?.toISOString()).toBe(new Date(clock.getTime() + 15 * 60_000).toISOString());

    const locked = await apiLogin(rt, account);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('RATE_LIMITED');
    expect(locked.body.detail).toContain('15 minutes');

    minutes(14);
    const stillLocked = await apiLogin(rt, account);
    expect(stillLocked.status).toBe(429);
    expect(stillLocked.body.detail).toMatch(/\b1 minute\b/);

    minutes(1);
    const open = await apiLogin(rt, account);
    expect(open.status).toBe(200);
    const reset = await accountRow(account);
    expect(reset.failedLogins).toBe(0);
    expect(reset.lockedUntil).toBeNull();
  });

  it('attempts while locked → do not count; the sixth failure after the lock → 30 minutes (backoff doubles)', async () => {
    const account = await createStaff(rt, { role: 'support' });
    for (let i = 1; i <= 5; i++) await apiLogin(rt, { email: account.email, password: 'wrong-password-x' });
    const whileLocked = await apiLogin(rt, { email: account.email, password: 'wrong-password-x' });
    expect(whileLocked.status).toBe(429);
    expect((await accountRow(account)).failedLogins).toBe(5);

    minutes(16);
    const sixth = await apiLogin(rt, { email: account.email, password: 'wrong-password-x' });
    expect(sixth.status).toBe(401);
    const locked = await apiLogin(rt, account);
    expect(locked.status).toBe(429);
    expect(locked.body.detail).toContain('30 minutes');

    minutes(31);
    const seventh = await apiLogin(rt, { email: account.email, password: 'wrong-password-x' });
    expect(seventh.status).toBe(401);
    expect((await apiLogin(rt, account)).body.detail).toContain('60 minutes');
    const failed = await auditSince(clock, 'staff.login_failed');
    expect(failed.at(-1)?.data).toMatchObject({ reason: 'wrong_password', failures: 7, locked: true });
  });

  it('4 wrong passwords, then the right one → 200 and the count starts over (4 more do not lock)', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    for (let i = 0; i < 4; i++) await apiLogin(rt, { email: account.email, password: 'wrong-password-y' });
    expect((await apiLogin(rt, account)).status).toBe(200);
    for (let i = 0; i < 4; i++) await apiLogin(rt, { email: account.email, password: 'wrong-password-y' });
    expect((await apiLogin(rt, account)).status).toBe(200);
  });

  it('a disabled account → 401 like a wrong password (audited "disabled"); its open sessions stop working at once', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const bearer = await bearerFor(rt, account);
    const browser = await browserSessionFor(rt, account);
    await staffPage(bearer).expect(200);

    await changeStaff(deps(), { email: account.email, action: 'disable', actor: 'test' });
    await staffPage(bearer).expect(303);
    await logoutApi(bearer).expect(401);
    const page = await browser.agent.get('/staff').set('Accept', 'text/html');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/staff/login?next=%2Fstaff');

    const since = clock;
    const res = await apiLogin(rt, account);
    const wrong = await apiLogin(rt, { email: account.email, password: 'wrong-password-z' });
    expect(res.status).toBe(401);
    expect(withoutRequestId(res.body)).toEqual(withoutRequestId(wrong.body));
    const failed = await auditSince(since, 'staff.login_failed');
    expect(failed[0]?.data).toMatchObject({ reason: 'disabled' });
  });

  it('enabling a disabled account → login works again (old sessions stay ended)', async () => {
    const account = await createStaff(rt, { role: 'support' });
    const before = await bearerFor(rt, account);
    await changeStaff(deps(), { email: account.email, action: 'disable', actor: 'test' });
    expect((await apiLogin(rt, account)).status).toBe(401);
    await changeStaff(deps(), { email: account.email, action: 'enable', actor: 'test' });
    const after = await bearerFor(rt, account);
    await staffPage(after).expect(200);
    await logoutApi(before).expect(401);
    const kinds = (await auditSince(clock, 'staff.enable')).map((e) => e.data.staffId);
    expect(kinds).toContain(account.id);
  });

  it('enabling a locked account → clears the lock', async () => {
    const account = await createStaff(rt, { role: 'support' });
    for (let i = 0; i < 5; i++) await apiLogin(rt, { email: account.email, password: 'wrong-password-q' });
    expect((await apiLogin(rt, account)).status).toBe(429);
    await changeStaff(deps(), { email: account.email, action: 'enable', actor: 'test' });
    expect((await apiLogin(rt, account)).status).toBe(200);
  });

  it('a password change → every session of the account ends; the old password fails, the new one works', async () => {
    const account = await createStaff(rt, { role: 'admin' });
    const other = await createStaff(rt, { role: 'admin' });
    const bearer = await bearerFor(rt, account);
    const otherBearer = await bearerFor(rt, other);
    const browser = await browserSessionFor(rt, account);

    await changeStaff(deps(), {
      email: account.email,
      action: 'password',
      password: 'a-brand-new-password',
      actor: 'test',
    });
    await logoutApi(bearer).expect(401);
    expect((await browser.agent.get('/staff').set('Accept', 'text/html')).status).toBe(303);
    await staffPage(otherBearer).expect(200);
    expect((await apiLogin(rt, account)).status).toBe(401);
    expect((await apiLogin(rt, { email: account.email, password: 'a-brand-new-password' })).status).toBe(200);
  });

  it('a too-short new password → VALIDATION_FAILED naming password; the old password still works', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    await expect(
      changeStaff(deps(), { email: account.email, action: 'password', password: 'short', actor: 'test' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('password') });
    expect((await apiLogin(rt, account)).status).toBe(200);
  });

  it('logging out one session → the account’s other sessions keep working', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const first = await bearerFor(rt, account);
    const second = await bearerFor(rt, account);
    expect(first).not.toBe(second);
    await logoutApi(first).expect(204);
    await staffPage(second).expect(200);
  });
});
