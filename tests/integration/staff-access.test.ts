import { like } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, staffSessions } from '../../src/db/schema.ts';
import { apiLogin, bearerFor, createStaff, csrfIn } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let clock = new Date('2026-03-02T09:00:00Z');
const minutes = (n: number) => {
  clock = new Date(clock.getTime() + n * 60_000);
};

describe('STAFF_ALLOWED_IPS=10.0.0.0/8, requests from 127.0.0.1', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({
      worker: false,
      now: () => clock,
      env: { STAFF_ALLOWED_IPS: '10.0.0.0/8' },
    });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it.each([
    ['GET', '/staff', 'text/html'],
    ['GET', '/staff/login', 'text/html'],
    ['GET', '/staff/anything/below', 'text/html'],
    ['POST', '/staff/login', 'text/html'],
    ['POST', '/staff/logout', 'text/html'],
    ['GET', '/api/v1/staff/requests', 'application/json'],
    ['POST', '/api/v1/staff/logout', 'application/json'],
  ])('%s %s → 404, as if nothing were there', async (method, path, accept) => {
    const req = method === 'GET' ? request(rt.app).get(path) : request(rt.app).post(path).send({});
    const res = await req.set('Accept', accept);
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/sign in|csrf/i);
  });

  it('POST /api/v1/staff/login with the right password → 404, and no session or audit event is made', async () => {
    const account = await createStaff(rt, { role: 'admin' });
    const res = await apiLogin(rt, account);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
    expect(res.body.token).toBeUndefined();
    const sessions = await rt.database.db.select().from(staffSessions);
    expect(sessions).toHaveLength(0);
    const logins = await rt.database.db
      .select()
      .from(auditEvents)
      .where(like(auditEvents.kind, 'staff.login%'));
    expect(logins).toHaveLength(0);
  });

  it('public routes → still answer (/, /healthz, /api/openapi.json)', async () => {
    await request(rt.app).get('/').set('Accept', 'text/html').expect(200);
    await request(rt.app).get('/healthz').expect(200);
    await request(rt.app).get('/api/openapi.json').expect(200);
  });
});

describe('STAFF_ALLOWED_IPS=10.0.0.0/8, 127.0.0.0/8 (a list including loopback)', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({
      worker: false,
      now: () => clock,
      env: { STAFF_ALLOWED_IPS: '10.0.0.0/8, 127.0.0.0/8' },
    });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('staff routes from 127.0.0.1 → served: login page, API login, Bearer on /staff', async () => {
    const page = await request(rt.app).get('/staff/login').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(csrfIn(page.text)).toBeTruthy();
    const authorization = await bearerFor(rt, 'support');
    await request(rt.app)
      .get('/staff')
      .set('Accept', 'text/html')
      .set('Authorization', authorization)
      .expect(200);
    await request(rt.app).get('/staff').set('Accept', 'text/html').expect(303);
  });

  it('the login rate limit: 20 sign-ins per 15 minutes per IP → the 21st is 429 with Retry-After, API and form alike; a new window allows again', async () => {
    minutes(24 * 60);
    const account = await createStaff(rt, { role: 'dpo' });
    // Unknown emails: failures that never lock an account, so only the IP limit can answer 429.
    for (let i = 1; i <= 20; i++) {
      const res = await apiLogin(rt, { email: `nobody-${i}@example.org`, password: 'wrong-password-123' });
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const limited = await apiLogin(rt, account);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.body.detail).toMatch(/Try again in 15 minutes/);
    expect(Number(limited.headers['retry-after'])).toBe(15 * 60);
    const form = await request(rt.app)
      .post('/staff/login')
      .type('form')
      .set('Accept', 'text/html')
      .send({ email: account.email, password: account.password });
    expect(form.status).toBe(429);

    minutes(10);
    const stillLimited = await apiLogin(rt, account);
    expect(stillLimited.status).toBe(429);
    expect(Number(stillLimited.headers['retry-after'])).toBe(5 * 60);

    minutes(5);
    expect((await apiLogin(rt, account)).status).toBe(200);
  });

  it('rate-limited attempts → do not count as failed logins of the account', async () => {
    minutes(24 * 60);
    const account = await createStaff(rt, { role: 'dpo' });
    for (let i = 1; i <= 20; i++) await apiLogin(rt, { email: `nobody-${i}@example.org`, password: 'x' });
    for (let i = 0; i < 6; i++) {
      const res = await apiLogin(rt, { email: account.email, password: 'wrong-password-123' });
      expect(res.status).toBe(429);
      expect(res.body.detail).not.toContain('failed sign-ins');
    }
    minutes(16);
    expect((await apiLogin(rt, account)).status).toBe(200);
  });
});
