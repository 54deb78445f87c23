import { eq } from 'drizzle-orm';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, staffSessions } from '../../src/db/schema.ts';
import { signStaffJwt } from '../../src/staff/staff-service.ts';
import { browserSessionFor, createStaff, csrfIn, type StaffAccount } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let clock = new Date('2026-03-02T09:00:00Z');
const minutes = (n: number) => {
  clock = new Date(clock.getTime() + n * 60_000);
};

type Browser = { csrfCookie: string; token: string };

function setCookies(res: { headers: Record<string, unknown> }): string[] {
  return (res.headers['set-cookie'] as string[] | undefined) ?? [];
}
const cookieNamed = (res: { headers: Record<string, unknown> }, name: string) =>
  setCookies(res).find((c) => c.startsWith(`${name}=`));
const cookieValue = (setCookie: string | undefined) =>
  setCookie?.split(';')[0]?.split('=').slice(1).join('=');
const sidOf = (token: string | undefined) => (jwt.decode(token ?? '') as { sid?: string } | null)?.sid;

/** Opens the login page like a browser: the anonymous CSRF cookie and the form's token. */
async function openLogin(rt: TestRuntime, path = '/staff/login', cookie?: string): Promise<Browser> {
  const req = request(rt.app).get(path).set('Accept', 'text/html');
  if (cookie) req.set('Cookie', cookie);
  const res = await req.expect(200);
  const fresh = setCookies(res).find((c) => /^(__Host-)?rd_csrf=/.test(c));
  return { csrfCookie: fresh?.split(';')[0] ?? cookie ?? '', token: csrfIn(res.text) ?? '' };
}

function postLogin(rt: TestRuntime, fields: Record<string, string>, cookie: string) {
  const req = request(rt.app).post('/staff/login').type('form').set('Accept', 'text/html');
  if (cookie) req.set('Cookie', cookie);
  return req.send(fields);
}

describe('staff sign-in pages (http PUBLIC_URL)', () => {
  let rt: TestRuntime;
  const csrfOnly = async () => openLogin(rt);

  /** A form sign-in; returns the Cookie header a browser would then send and the staff JWT. */
  async function formLogin(account: StaffAccount, extra: Record<string, string> = {}, cookie?: string) {
    const page = await openLogin(rt, '/staff/login', cookie);
    const jar = [page.csrfCookie, cookie?.split('; ').find((c) => c.startsWith('rd_staff='))]
      .filter(Boolean)
      .join('; ');
    const res = await postLogin(
      rt,
      { _csrf: page.token, email: account.email, password: account.password, ...extra },
      jar,
    );
    const staffCookie = cookieNamed(res, 'rd_staff');
    const jwtValue = cookieValue(staffCookie);
    return { res, staffCookie, jwt: jwtValue, cookie: `${page.csrfCookie}; rd_staff=${jwtValue}` };
  }

  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false, now: () => clock });
  });
  afterAll(async () => {
    await rt?.dispose();
  });
  beforeEach(() => minutes(24 * 60));

  it('GET /staff without a session → 303 to /staff/login?next=%2Fstaff', async () => {
    const res = await request(rt.app).get('/staff').set('Accept', 'text/html');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/staff/login?next=%2Fstaff');
  });

  it('GET /staff without a session, asking for JSON → 401 problem, no redirect', async () => {
    const res = await request(rt.app).get('/staff').set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('GET /staff/login → a form with a CSRF token, email and password fields, next defaulting to /staff', async () => {
    const res = await request(rt.app).get('/staff/login').set('Accept', 'text/html').expect(200);
    expect(csrfIn(res.text)).toBeTruthy();
    expect(res.text).toContain('name="email"');
    expect(res.text).toContain('name="password"');
    expect(res.text).toContain('name="next" value="/staff"');
    expect(cookieNamed(res, 'rd_csrf')).toMatch(/HttpOnly/);
  });

  it('login form without a CSRF token → 403, no session cookie, nothing counted against the account', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const page = await csrfOnly();
    const missing = await postLogin(
      rt,
      { email: account.email, password: account.password },
      page.csrfCookie,
    );
    expect(missing.status).toBe(403);
    expect(cookieNamed(missing, 'rd_staff')).toBeUndefined();
    const noCookie = await postLogin(
      rt,
      { _csrf: page.token, email: account.email, password: account.password },
      '',
    );
    expect(noCookie.status).toBe(403);
    const otherBrowser = await csrfOnly();
    const crossed = await postLogin(
      rt,
      { _csrf: otherBrowser.token, email: account.email, password: account.password },
      page.csrfCookie,
    );
    expect(crossed.status).toBe(403);
    const logins = await rt.database.db
      .select()
      .from(staffSessions)
      .where(eq(staffSessions.staffId, account.id));
    expect(logins).toHaveLength(0);
  });

  it('login form success → 303 to /staff with rd_staff HttpOnly, SameSite=Strict, Path=/, Max-Age ≤ 900, not Secure', async () => {
    const account = await createStaff(rt, { role: 'support' });
    const { res, staffCookie, cookie } = await formLogin(account);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/staff');
    expect(staffCookie).toBeDefined();
    const attributes = staffCookie!.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    expect(attributes).not.toContain('secure');
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
    const maxAge = Number(attributes.find((a) => a.startsWith('max-age='))?.slice(8));
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(900);
    const home = await request(rt.app).get('/staff').set('Accept', 'text/html').set('Cookie', cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain(account.email);
  });

  it('login form with a wrong password → 401 page with the error and the email kept, no session cookie', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const { res } = await formLogin({ ...account, password: 'wrong-password-123' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('The email or password is wrong.');
    expect(res.text).toContain(`value="${account.email}"`);
    expect(res.text).not.toContain('wrong-password-123');
    expect(cookieNamed(res, 'rd_staff')).toBeUndefined();
    expect(csrfIn(res.text)).toBeTruthy();
  });

  it('login form while locked → 429 page saying when to try again', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    for (let i = 0; i < 5; i++) await formLogin({ ...account, password: 'wrong-password-123' });
    const { res } = await formLogin(account);
    expect(res.status).toBe(429);
    expect(res.text).toMatch(/Try again in 15 minutes/);
    expect(cookieNamed(res, 'rd_staff')).toBeUndefined();
  });

  it('the cookie JWT after 5 minutes → no new cookie; after 10 minutes (past half its life) → a renewed cookie for the same session', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const login = await formLogin(account);
    minutes(5);
    const early = await request(rt.app).get('/staff').set('Accept', 'text/html').set('Cookie', login.cookie);
    expect(early.status).toBe(200);
    expect(cookieNamed(early, 'rd_staff')).toBeUndefined();

    minutes(5);
    const later = await request(rt.app).get('/staff').set('Accept', 'text/html').set('Cookie', login.cookie);
    expect(later.status).toBe(200);
    const renewed = cookieNamed(later, 'rd_staff');
    expect(renewed).toMatch(/HttpOnly/);
    expect(renewed).toMatch(/SameSite=Strict/);
    const token = cookieValue(renewed);
    expect(token).not.toBe(login.jwt);
    expect(sidOf(token)).toBe(sidOf(login.jwt));
    const exp = (jwt.decode(token!) as { exp: number }).exp;
    expect(exp).toBe(Math.floor(clock.getTime() / 1000) + 900);

    // 20 minutes after sign-in the first JWT has expired; the renewed one still works.
    minutes(10);
    const old = await request(rt.app).get('/staff').set('Accept', 'text/html').set('Cookie', login.cookie);
    expect(old.status).toBe(303);
    const fresh = await request(rt.app)
      .get('/staff')
      .set('Accept', 'text/html')
      .set('Cookie', `rd_staff=${token}`);
    expect(fresh.status).toBe(200);
  });

  it('a browser kept active → works until the session’s 8 h, then → back to the login page', async () => {
    const browser = await browserSessionFor(rt, 'dpo');
    const start = clock;
    // Every 10 minutes for 8 hours less a minute: each visit renews the 15-minute cookie.
    while (clock.getTime() + 10 * 60_000 < start.getTime() + 8 * 3600_000) {
      minutes(10);
      const res = await browser.agent.get('/staff').set('Accept', 'text/html');
      expect(res.status, `at ${clock.toISOString()}`).toBe(200);
    }
    clock = new Date(start.getTime() + 8 * 3600_000 + 60_000);
    const expired = await browser.agent.get('/staff').set('Accept', 'text/html');
    expect(expired.status).toBe(303);
    expect(expired.headers.location).toBe('/staff/login?next=%2Fstaff');
  });

  it('a validly signed JWT for a session past its 8 h → rejected by the session row', async () => {
    const account = await createStaff(rt, { role: 'admin' });
    const login = await formLogin(account);
    const sid = sidOf(login.jwt)!;
    minutes(8 * 60 + 1);
    const forged = signStaffJwt(
      rt.config.secretKey,
      { id: sid, staffId: account.id },
      new Date(clock.getTime() + 3600_000),
      clock,
    );
    const res = await request(rt.app).post('/api/v1/staff/logout').set('Authorization', `Bearer ${forged}`);
    expect(res.status).toBe(401);
    expect(res.body.detail).toContain('session has ended');
    // The same JWT would be accepted while the session lived: the row, not the JWT, decided.
    clock = new Date(clock.getTime() - 2 * 60_000);
    const alive = await request(rt.app)
      .get('/staff')
      .set('Accept', 'text/html')
      .set('Cookie', `rd_staff=${forged}`);
    expect(alive.status).toBe(200);
  });

  it('each login → a new session id; a staff cookie held before login is replaced, not reused (no fixation)', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const first = await formLogin(account);
    const second = await formLogin(account, {}, first.cookie);
    expect(second.res.status).toBe(303);
    expect(second.jwt).toBeDefined();
    expect(sidOf(second.jwt)).toBeDefined();
    expect(sidOf(second.jwt)).not.toBe(sidOf(first.jwt));

    const planted = signStaffJwt(
      rt.config.secretKey,
      { id: '00000000-0000-4000-8000-000000000000', staffId: account.id },
      new Date(clock.getTime() + 600_000),
      clock,
    );
    const third = await formLogin(account, {}, `rd_staff=${planted}`);
    expect(third.jwt).not.toBe(planted);
    expect(sidOf(third.jwt)).not.toBe('00000000-0000-4000-8000-000000000000');
    const sessions = await rt.database.db
      .select()
      .from(staffSessions)
      .where(eq(staffSessions.staffId, account.id));
    expect(new Set(sessions.map((s) => s.id)).size).toBe(3);
    expect(sessions.every((s) => s.kind === 'cookie')).toBe(true);
  });

  it.each([
    ['//evil.example'],
    ['https://evil.example'],
    ['/staff/../x'],
    ['/staff/%2e%2e/x'],
    ['/staff/..'],
    ['/\\evil.example'],
    ['/staffevil'],
    ['javascript:alert(1)'],
  ])('next=%s → redirect to /staff, never elsewhere', async (next) => {
    const account = await createStaff(rt, { role: 'support' });
    const { res } = await formLogin(account, { next });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/staff');
    const page = await request(rt.app)
      .get(`/staff/login?next=${encodeURIComponent(next)}`)
      .set('Accept', 'text/html');
    expect(page.text).toContain('name="next" value="/staff"');
  });

  it('next=/staff/requests?status=open → kept through the login page and the redirect', async () => {
    const account = await createStaff(rt, { role: 'support' });
    const page = await request(rt.app)
      .get('/staff/login?next=%2Fstaff%2Frequests%3Fstatus%3Dopen')
      .set('Accept', 'text/html');
    expect(page.text).toContain('name="next" value="/staff/requests?status&#x3D;open"');
    const { res } = await formLogin(account, { next: '/staff/requests?status=open' });
    expect(res.headers.location).toBe('/staff/requests?status=open');
  });

  it('next=/staff?law=gdpr (a filtered queue) → kept through the redirect', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const { res } = await formLogin(account, { next: '/staff?law=gdpr&status=open,failed' });
    expect(res.headers.location).toBe('/staff?law=gdpr&status=open,failed');
  });

  it('logout form with this session’s token → 303 to the login page, cookie cleared, session revoked', async () => {
    const browser = await browserSessionFor(rt, 'dpo');
    const res = await browser.agent.post('/staff/logout').type('form').send({ _csrf: browser.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/staff/login');
    expect(cookieNamed(res, 'rd_staff')).toMatch(/Max-Age=0/);
    const [event] = await rt.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.kind, 'staff.logout'))
      .orderBy(auditEvents.id);
    expect(event).toBeDefined();
    const sessions = await rt.database.db
      .select()
      .from(staffSessions)
      .where(eq(staffSessions.staffId, browser.account.id));
    expect(sessions.every((s) => s.revokedAt !== null)).toBe(true);
  });

  it('logout form without a token, with the anonymous login-page token, or with a token of another session → 403, still signed in', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const browser = await browserSessionFor(rt, account);
    const oldToken = browser.csrf;
    // Same browser (same CSRF cookie), signed in again: a new session, so a new session-bound token.
    const form = await browser.agent.get('/staff/login').set('Accept', 'text/html');
    const anonymous = csrfIn(form.text)!;
    await browser.agent
      .post('/staff/login')
      .type('form')
      .send({ _csrf: anonymous, email: account.email, password: account.password })
      .expect(303);
    const home = await browser.agent.get('/staff').set('Accept', 'text/html').expect(200);
    const current = csrfIn(home.text)!;
    expect(current).not.toBe(oldToken);

    for (const token of [undefined, anonymous, oldToken, `${current.slice(0, -1)}x`]) {
      const res = await browser.agent
        .post('/staff/logout')
        .type('form')
        .send(token === undefined ? {} : { _csrf: token });
      expect(res.status, String(token)).toBe(403);
    }
    await browser.agent.get('/staff').set('Accept', 'text/html').expect(200);
    await browser.agent.post('/staff/logout').type('form').send({ _csrf: current }).expect(303);
    await browser.agent.get('/staff').set('Accept', 'text/html').expect(303);
  });

  it('logout form of another browser’s session → 403 (its token is useless with my cookies)', async () => {
    const mine = await browserSessionFor(rt, 'dpo');
    const theirs = await browserSessionFor(rt, 'dpo');
    const res = await mine.agent.post('/staff/logout').type('form').send({ _csrf: theirs.csrf });
    expect(res.status).toBe(403);
    await theirs.agent.get('/staff').set('Accept', 'text/html').expect(200);
  });
});

describe('staff sign-in pages (https PUBLIC_URL)', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({
      worker: false,
      now: () => clock,
      env: { PUBLIC_URL: 'https://privacy.example.org' },
    });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('login form success → __Host-rd_staff with Secure, HttpOnly, SameSite=Strict, Path=/, no Domain; it signs in', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    const page = await request(rt.app).get('/staff/login').set('Accept', 'text/html').expect(200);
    const csrfCookie = cookieNamed(page, '__Host-rd_csrf')?.split(';')[0];
    expect(csrfCookie).toBeDefined();
    const res = await postLogin(
      rt,
      { _csrf: csrfIn(page.text)!, email: account.email, password: account.password },
      csrfCookie!,
    );
    expect(res.status).toBe(303);
    expect(cookieNamed(res, 'rd_staff')).toBeUndefined();
    const staffCookie = cookieNamed(res, '__Host-rd_staff');
    expect(staffCookie).toBeDefined();
    const attributes = staffCookie!.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict', 'path=/']));
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
    const home = await request(rt.app)
      .get('/staff')
      .set('Accept', 'text/html')
      .set('Cookie', staffCookie!.split(';')[0]!);
    expect(home.status).toBe(200);
    // The plain name is not the session cookie on https.
    const plain = await request(rt.app)
      .get('/staff')
      .set('Accept', 'text/html')
      .set('Cookie', `rd_staff=${cookieValue(staffCookie)}`);
    expect(plain.status).toBe(303);
  });
});

describe('the staff cookie on the JSON API', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false });
  });
  afterAll(async () => {
    await rt.dispose();
  });

  it('a signed-in browser posting to the API with only its cookie → 401, and its session lives on', async () => {
    const { agent } = await browserSessionFor(rt, 'dpo');
    await agent.post('/api/v1/staff/logout').set('Accept', 'application/json').expect(401);
    await agent.get('/staff').expect(200);
  });
});
