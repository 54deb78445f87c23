import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signToken } from '../../src/verification/tokens.ts';
import { cookiesOf, type Got, type RawClient, rawClient } from '../helpers/fuzz/client.ts';
import { fileRequest, openBrowser } from '../helpers/fuzz/fixtures.ts';
import { createStaff, type StaffAccount } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// OWASP ASVS 4.0.3 level 2, V2 and V3: staff credentials, session cookies and tokens, on http and on
// an https PUBLIC_URL (served over plain http here: only the cookie attributes change).
const start = new Date('2026-03-02T09:00:00.000Z');
let clock = start;
const minutes = (n: number) => {
  clock = new Date(clock.getTime() + n * 60_000);
};

type Env = { rt: TestRuntime; client: RawClient };
const envs: Partial<Record<'http' | 'https', Env>> = {};

beforeAll(async () => {
  for (const scheme of ['http', 'https'] as const) {
    const rt = await createTestRuntime({
      worker: false,
      now: () => clock,
      env: scheme === 'https' ? { PUBLIC_URL: 'https://privacy.example.org' } : {},
    });
    envs[scheme] = { rt, client: await rawClient(rt.app) };
  }
}, 120_000);

afterAll(async () => {
  for (const env of Object.values(envs)) {
    await env.client.close();
    await env.rt.dispose();
  }
});

beforeEach(async () => {
  // A new quarter of an hour per test: the sign-in limit (20 per 15 minutes) never interferes.
  minutes(16);
});

const http = () => envs.http!;
const setCookie = (got: Got, name: string) =>
  (got.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
const attributes = (cookie: string | undefined) =>
  (cookie ?? '')
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
const sidOf = (token: string | undefined) => (jwt.decode(token ?? '') as { sid?: string } | null)?.sid;

/** The login form as a browser posts it: returns the answer and the session cookie it set. */
async function formLogin(env: Env, account: { email: string; password: string }, extraCookie?: string) {
  const secure = env === envs.https;
  const csrfName = secure ? '__Host-rd_csrf' : 'rd_csrf';
  const page = await env.client.send({
    method: 'GET',
    path: '/staff/login',
    headers: { accept: 'text/html' },
  });
  const csrfCookie = cookiesOf(page).find((c) => c.startsWith(`${csrfName}=`))!;
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const got = await env.client.send({
    method: 'POST',
    path: '/staff/login',
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [csrfCookie, extraCookie].filter(Boolean).join('; '),
    },
    body: new URLSearchParams({ _csrf: token, email: account.email, password: account.password }).toString(),
  });
  const staffName = secure ? '__Host-rd_staff' : 'rd_staff';
  const session = setCookie(got, staffName);
  const value = session?.split(';')[0]?.split('=').slice(1).join('=');
  return { got, page, session, value, cookie: `${csrfCookie}; ${staffName}=${value}`, csrfCookie };
}

const apiLogin = (env: Env, account: { email: string; password: string }) =>
  env.client.send({
    method: 'POST',
    path: '/api/v1/staff/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });

const getStaff = (env: Env, cookie: string) =>
  env.client.send({ method: 'GET', path: '/staff', headers: { accept: 'text/html', cookie } });
const getQueue = (env: Env, authorization: string) =>
  env.client.send({ method: 'GET', path: '/api/v1/staff/requests', headers: { authorization } });

describe('V3.4 cookie-based session management', () => {
  let account: StaffAccount;
  beforeAll(async () => {
    account = await createStaff(http().rt, { role: 'dpo' });
  });

  it('V3.4.2 V3.4.3 V3.4.5 staff session cookie (http) → HttpOnly, SameSite=Strict, Path=/, no Domain, lives 15 minutes', async () => {
    const { got, session } = await formLogin(http(), account);
    expect(got.status).toBe(303);
    const attrs = attributes(session);
    expect(attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/', 'max-age=900']));
    expect(attrs.some((a) => a.startsWith('domain'))).toBe(false);
  });

  it('V3.4.2 V3.4.3 V4.2.2 CSRF cookie (http) → HttpOnly, SameSite=Lax, Path=/', async () => {
    const { page } = await formLogin(http(), account);
    expect(attributes(setCookie(page, 'rd_csrf'))).toEqual(
      expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']),
    );
  });

  it('V3.4.1 V3.4.4 https PUBLIC_URL → __Host-rd_staff and __Host-rd_csrf, both Secure, HttpOnly, Path=/, no Domain; the session works', async () => {
    const env = envs.https!;
    const dpo = await createStaff(env.rt, { role: 'dpo' });
    const { got, page, session, cookie } = await formLogin(env, dpo);
    expect(got.status).toBe(303);
    for (const c of [session, setCookie(page, '__Host-rd_csrf')]) {
      const attrs = attributes(c);
      expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'path=/']));
      expect(attrs.some((a) => a.startsWith('domain'))).toBe(false);
    }
    expect((await getStaff(env, cookie)).status).toBe(200);
  });

  it('V3.4.1 https PUBLIC_URL → every cookie any page sets is Secure (language and CSRF cookies too)', async () => {
    const env = envs.https!;
    const pages = ['/', '/?lang=pl', '/staff/login'];
    for (const path of pages) {
      const got = await env.client.send({ method: 'GET', path, headers: { accept: 'text/html' } });
      for (const c of got.headers['set-cookie'] ?? [])
        expect(attributes(c), `${path}: ${c}`).toContain('secure');
    }
  });
});

describe('V3.2 session binding, V3.3 logout and timeouts', () => {
  it('V3.2.1 a session cookie held before sign-in (planted or old) → replaced by a new session id at sign-in', async () => {
    const account = await createStaff(http().rt, { role: 'dpo' });
    const first = await formLogin(http(), account);
    const second = await formLogin(http(), account, `rd_staff=${first.value}`);
    expect(second.got.status).toBe(303);
    expect(sidOf(second.value)).toBeDefined();
    expect(sidOf(second.value)).not.toBe(sidOf(first.value));
    const planted = await formLogin(http(), account, 'rd_staff=attacker-chosen-value');
    expect(planted.value).not.toBe('attacker-chosen-value');
    expect(sidOf(planted.value)).toBeDefined();
  });

  it('V3.2.1 V4.2.2 the anonymous sign-in page token → refused on staff forms after sign-in (tokens are bound to the session)', async () => {
    const account = await createStaff(http().rt, { role: 'dpo' });
    const login = await formLogin(http(), account);
    const anonymous = /name="_csrf" value="([^"]+)"/.exec(login.page.text)![1]!;
    const logout = await http().client.send({
      method: 'POST',
      path: '/staff/logout',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: login.cookie,
        accept: 'text/html',
      },
      body: `_csrf=${encodeURIComponent(anonymous)}`,
    });
    expect(logout.status).toBe(403);
    expect((await getStaff(http(), login.cookie)).status).toBe(200);
  });

  it('V3.3.1 logout form → the old cookie is refused afterwards (the session ended on the server, not only in the browser)', async () => {
    const account = await createStaff(http().rt, { role: 'dpo' });
    const login = await formLogin(http(), account);
    const page = await openBrowser(http().client, '/staff', login.cookie);
    const out = await http().client.send({
      method: 'POST',
      path: '/staff/logout',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: login.cookie,
        accept: 'text/html',
      },
      body: `_csrf=${encodeURIComponent(page.csrf)}`,
    });
    expect(out.status).toBe(303);
    const again = await getStaff(http(), login.cookie);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/staff/login?next=%2Fstaff');
  });

  it('V3.3.1 API logout → the old Bearer token is refused afterwards (401)', async () => {
    const account = await createStaff(http().rt, { role: 'dpo' });
    const bearer = `Bearer ${JSON.parse((await apiLogin(http(), account)).text).token}`;
    expect((await getQueue(http(), bearer)).status).toBe(200);
    const out = await http().client.send({
      method: 'POST',
      path: '/api/v1/staff/logout',
      headers: { authorization: bearer },
    });
    expect(out.status).toBe(204);
    expect((await getQueue(http(), bearer)).status).toBe(401);
  });

  it('V3.3.2 a browser idle for 16 minutes → signed out (the cookie token lives 15 minutes, renewed only by use)', async () => {
    const account = await createStaff(http().rt, { role: 'dpo' });
    const login = await formLogin(http(), account);
    minutes(14);
    expect((await getStaff(http(), login.cookie)).status).toBe(200);
    minutes(16);
    expect((await getStaff(http(), login.cookie)).status).toBe(303);
  });

  it('V3.3.2 a Bearer token → refused after its 12 hours, however much it is used', async () => {
    const account = await createStaff(http().rt, { role: 'dpo' });
    const bearer = `Bearer ${JSON.parse((await apiLogin(http(), account)).text).token}`;
    minutes(11 * 60 + 59);
    expect((await getQueue(http(), bearer)).status).toBe(200);
    minutes(2);
    expect((await getQueue(http(), bearer)).status).toBe(401);
  });
});

describe('V3.5 token-based sessions', () => {
  it('V3.5.3 tampered, unsigned, foreign-key and wrong-purpose tokens → 401 on the staff API', async () => {
    const { rt } = http();
    const account = await createStaff(rt, { role: 'dpo' });
    const token = JSON.parse((await apiLogin(http(), account)).text).token as string;
    const [h, p, s = ''] = token.split('.');
    const claims = jwt.decode(token) as Record<string, unknown>;
    const filed = await fileRequest(rt);
    const forged = [
      `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`,
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`,
      jwt.sign(claims, 'another-secret-key-that-is-long-enough-000', { algorithm: 'HS256' }),
      jwt.sign(claims, rt.config.secretKey, { algorithm: 'HS512' }),
      filed.statusToken,
      signToken(rt.config.secretKey, { purpose: 'status', requestId: filed.id, ttlSeconds: 3600, now: clock })
        .token,
    ];
    for (const t of forged) expect((await getQueue(http(), `Bearer ${t}`)).status, t).toBe(401);
    expect((await getQueue(http(), `Bearer ${token}`)).status).toBe(200);
  });
});

describe('V2 authentication', () => {
  it('V2.4.1 staff passwords → stored as argon2id hashes, never as given', async () => {
    const { rt } = http();
    const account = await createStaff(rt, { role: 'support', password: 'a-password-nobody-guesses' });
    const { rows } = await rt.database.executeSql('select password_hash from staff_accounts where id = $1', [
      account.id,
    ]);
    const hash = String(rows[0]?.password_hash);
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain('a-password-nobody-guesses');
  });

  it('V2.1.1 V2.1.2 a password under 12 characters or over 128 → refused; one of 100 characters with spaces and emoji → accepted and signs in', async () => {
    const { rt } = http();
    await expect(createStaff(rt, { role: 'support', password: 'elevenchars' })).rejects.toThrow(
      /at least 12/,
    );
    await expect(
      createStaff(rt, { role: 'support', password: 'violet tractor sings '.repeat(7) }),
    ).rejects.toThrow(/at most 128/);
    const long = `${'correct horse battery staple 🐎 '.repeat(3)}1234567`;
    expect([...long].length).toBeGreaterThanOrEqual(100);
    const account = await createStaff(rt, { role: 'support', password: long });
    expect((await apiLogin(http(), account)).status).toBe(200);
  });

  it('V2.1.7 a common or leaked password, or one built from the email → refused however long; nothing stored', async () => {
    const { rt } = http();
    for (const password of ['password123456', 'Qwerty123456!', 'weakling@example.org2026'])
      await expect(
        createStaff(rt, { role: 'support', email: 'weakling@example.org', password }),
      ).rejects.toThrow(/too easy to guess/);
    const { rows } = await rt.database.executeSql('select 1 from staff_accounts where email = $1', [
      'weakling@example.org',
    ]);
    expect(rows).toEqual([]);
  });

  it('no account enumeration (OWASP Authentication Cheat Sheet; ASVS 4.0.3 has no own item): unknown email and wrong password → the same 401 answer, API and form', async () => {
    const account = await createStaff(http().rt, { role: 'dpo' });
    const unknown = { email: 'nobody-at-all@example.org', password: 'wrong-password-123' };
    const wrong = { email: account.email, password: 'wrong-password-123' };
    const strip = (got: Got) => {
      const body = JSON.parse(got.text);
      return { status: got.status, ...body, requestId: undefined };
    };
    expect(strip(await apiLogin(http(), unknown))).toEqual(strip(await apiLogin(http(), wrong)));
    const pageOf = async (who: { email: string; password: string }) => {
      const { got } = await formLogin(http(), who);
      // The page keeps the email typed in (so the person can fix a typo) and its own form token.
      const page = got.text.replaceAll(who.email, '{email}').replace(/name="_csrf" value="[^"]+"/, '');
      return {
        status: got.status,
        page,
        said: /class="error-summary"[\s\S]*?<p>([^<]+)<\/p>/.exec(got.text)?.[1],
      };
    };
    const [a, b] = [await pageOf(unknown), await pageOf(wrong)];
    expect(a.status).toBe(401);
    expect(a.said).toBe('The email or password is wrong.');
    expect(a).toEqual(b);
  });
});
