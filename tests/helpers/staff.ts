import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { StaffRole } from '../../src/staff/permissions.ts';
import { addStaff } from '../../src/staff/staff-service.ts';
import type { TestRuntime } from './test-runtime.ts';

/*
 * Staff sign-in for tests. Every helper that signs in goes through the real HTTP login, so it counts
 * towards the login rate limit: 20 sign-ins per 15 minutes per IP (all tests come from 127.0.0.1) on
 * the runtime's clock. Sign in once per role in beforeAll, or move the injected clock past 15 minutes.
 */

/** The password every helper-created account gets unless told otherwise (≥ 12 characters). */
export const staffPassword = 'correct-horse-battery-staple';

export type StaffAccount = { id: string; email: string; role: StaffRole; password: string };

let counter = 0;

/** A unique staff email for this process (lowercase, example.org). */
export function staffEmail(role: StaffRole | string = 'staff'): string {
  return `${role}-${++counter}-${randomBytes(3).toString('hex')}@example.org`;
}

/** Creates an account through addStaff (as the CLI would, audited with actor `test`). */
export async function createStaff(
  rt: TestRuntime,
  options: { role: StaffRole; email?: string; password?: string },
): Promise<StaffAccount> {
  const password = options.password ?? staffPassword;
  const row = await addStaff(
    { db: rt.database.db, secretKey: rt.config.secretKey, now: rt.now },
    { email: options.email ?? staffEmail(options.role), role: options.role, password, actor: 'test' },
  );
  return { id: row.id, email: row.email, role: row.role, password };
}

const accountFor = async (rt: TestRuntime, who: StaffRole | StaffAccount) =>
  typeof who === 'string' ? createStaff(rt, { role: who }) : who;

/** POST /api/v1/staff/login as JSON; the raw supertest response (status not checked). */
export function apiLogin(rt: TestRuntime, credentials: { email: string; password: string }) {
  const { email, password } = credentials;
  return request(rt.app)
    .post('/api/v1/staff/login')
    .set('Accept', 'application/json')
    .send({ email, password });
}

/**
 * `Authorization` header value (`Bearer …`) from POST /api/v1/staff/login. Given a role, a fresh
 * account of that role is created; given an account, it signs that account in (a new session).
 */
export async function bearerFor(rt: TestRuntime, who: StaffRole | StaffAccount): Promise<string> {
  const account = await accountFor(rt, who);
  const res = await apiLogin(rt, account);
  if (res.status !== 200 || typeof res.body?.token !== 'string') {
    throw new Error(`staff API login of ${account.email} failed: ${res.status} ${res.text}`);
  }
  return `Bearer ${res.body.token as string}`;
}

export type TestAgent = ReturnType<typeof request.agent>;

export type StaffBrowser = {
  /** A supertest agent holding the browser's cookies (rd_csrf and rd_staff); renewals are kept. */
  agent: TestAgent;
  /** The `_csrf` value for staff forms: bound to this browser's CSRF cookie and staff session. */
  csrf: string;
  account: StaffAccount;
};

/** The hidden `_csrf` field of a page, or undefined. */
export function csrfIn(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
}

/**
 * A browser signed in through the login form (GET /staff/login, POST /staff/login with its CSRF
 * token, then GET /staff for the session-bound token). Given a role, a fresh account is created.
 * Only for http PUBLIC_URLs: on https the cookies are Secure and the agent will not send them.
 */
export async function browserSessionFor(
  rt: TestRuntime,
  who: StaffRole | StaffAccount,
): Promise<StaffBrowser> {
  const account = await accountFor(rt, who);
  const agent = request.agent(rt.app);
  const form = await agent.get('/staff/login').set('Accept', 'text/html');
  const anonymous = csrfIn(form.text);
  if (form.status !== 200 || !anonymous) throw new Error(`staff login page: ${form.status} ${form.text}`);
  const login = await agent
    .post('/staff/login')
    .type('form')
    .set('Accept', 'text/html')
    .send({ _csrf: anonymous, email: account.email, password: account.password });
  if (login.status !== 303) {
    throw new Error(`staff form login of ${account.email} failed: ${login.status} ${login.text}`);
  }
  const home = await agent.get('/staff').set('Accept', 'text/html');
  const csrf = csrfIn(home.text);
  if (home.status !== 200 || !csrf) throw new Error(`GET /staff after login: ${home.status} ${home.text}`);
  return { agent, csrf, account };
}
