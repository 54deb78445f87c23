import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CODES_PER_HOUR } from '../../src/exports/download-service.ts';
import { resendsPerDay } from '../../src/verification/verification-service.ts';
import { type Got, type RawClient, rawClient } from '../helpers/fuzz/client.ts';
import { deliveredExport, fileRequest, openBrowser, unsubscribeTokenFor } from '../helpers/fuzz/fixtures.ts';
import { changedTables, snapshotter } from '../helpers/fuzz/snapshot.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// OWASP ASVS 4.0.3 V2.2.1 (anti-automation on sign-in) and V11.1.4 (anti-automation on business
// actions): every limit answers 429 with Retry-After once used up. Small limits where the environment
// sets them; the fixed ones are sent their full allowance.
let rt: TestRuntime;
let client: RawClient;
let clock = new Date('2026-03-02T09:00:00.000Z');
let n = 0;

beforeAll(async () => {
  rt = await createTestRuntime({
    worker: false,
    now: () => clock,
    env: { INTAKE_LIMIT_PER_IP: '3', INTAKE_LIMIT_PER_EMAIL: '2', LINK_LIMIT_PER_IP: '4' },
  });
  client = await rawClient(rt.app);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await rt?.dispose();
});

beforeEach(() => {
  // A fresh 15-minute window for the per-IP limits (per-email and per-day ones use fresh addresses).
  clock = new Date(clock.getTime() + 16 * 60_000);
});

const json = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  client.send({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const form = (path: string, browser: { cookie: string; csrf: string }, fields: Record<string, string>) =>
  client.send({
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: browser.cookie,
      accept: 'text/html',
    },
    body: new URLSearchParams({ _csrf: browser.csrf, ...fields }).toString(),
  });
const email = () => `limits-${++n}@example.org`;

function expectLimited(got: Got) {
  expect(got.status, got.text.slice(0, 200)).toBe(429);
  expect(Number(got.headers['retry-after'])).toBeGreaterThan(0);
}

/** Sends `allowed` requests (none limited), then one more, which must be 429; returns that answer. */
async function exhaust(allowed: number, send: (i: number) => Promise<Got>): Promise<Got> {
  for (let i = 0; i < allowed; i++) {
    const got = await send(i);
    expect(got.status, `request ${i + 1} of ${allowed}: ${got.text.slice(0, 200)}`).not.toBe(429);
  }
  const over = await send(allowed);
  expectLimited(over);
  return over;
}

describe('rate limits', () => {
  it('V2.2.1 staff sign-in → the 21st attempt from one address in 15 minutes is 429, whatever the account', async () => {
    await exhaust(20, (i) =>
      json('/api/v1/staff/login', { email: `nobody-${i}@example.org`, password: 'wrong-password' }),
    );
    clock = new Date(clock.getTime() + 16 * 60_000);
    expect(
      (await json('/api/v1/staff/login', { email: 'x@example.org', password: 'wrong-password' })).status,
    ).toBe(401);
  });

  it('V2.2.1 five wrong passwords → the account locks: even the right password gets 429 until the lock ends', async () => {
    const account = await createStaff(rt, { role: 'dpo' });
    for (let i = 0; i < 5; i++) {
      expect(
        (await json('/api/v1/staff/login', { email: account.email, password: `wrong-${i}-password` })).status,
      ).toBe(401);
    }
    const credentials = { email: account.email, password: account.password };
    const locked = await json('/api/v1/staff/login', credentials);
    expect(locked.status).toBe(429);
    expect(JSON.parse(locked.text)).toMatchObject({
      code: 'RATE_LIMITED',
      detail: expect.stringMatching(/15 minutes/),
    });
    clock = new Date(clock.getTime() + 16 * 60_000);
    expect((await json('/api/v1/staff/login', credentials)).status).toBe(200);
  });

  it('V11.1.4 intake API → the 4th request from one address (INTAKE_LIMIT_PER_IP=3) is 429 and stores nothing', async () => {
    const snapshot = await snapshotter(rt.database);
    const over = await exhaust(3, () =>
      json('/api/v1/requests', { type: 'access', law: 'gdpr', email: email() }),
    );
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
    const before = await snapshot();
    expectLimited(await json('/api/v1/requests', { type: 'access', law: 'gdpr', email: email() }));
    expect(changedTables(before, await snapshot())).toEqual([]);
  });

  it('V11.1.4 intake form → the 3rd request for one email in an hour (INTAKE_LIMIT_PER_EMAIL=2) is a 429 page', async () => {
    const browser = await openBrowser(client);
    const address = email();
    const over = await exhaust(2, () =>
      form('/requests', browser, { type: 'access', region: 'eu', email: address }),
    );
    expect(over.headers['content-type']).toMatch(/^text\/html/);
  });

  it('V11.1.4 verification resend → the 6th new link for one request in a day is 429 (RESEND_LIMIT)', async () => {
    const filed = await fileRequest(rt);
    let token = filed.verifyToken!;
    expect(resendsPerDay).toBe(5);
    for (let i = 0; i < resendsPerDay; i++) {
      clock = new Date(clock.getTime() + 16 * 60_000);
      const got = await json('/api/v1/verifications/resend', { token });
      expect(got.status, got.text).toBe(202);
      // The old link stops working: the next resend goes through the newest one.
      const { rows } = await rt.database.executeSql(
        'select text from outbox where request_id = $1 order by created_at desc limit 1',
        [filed.id],
      );
      token = /\/verify\/([\w.-]+)/.exec(String(rows[0]?.text))![1]!;
    }
    const over = await json('/api/v1/verifications/resend', { token });
    expect(over.status).toBe(429);
    expect(JSON.parse(over.text).code).toBe('RESEND_LIMIT');
  });

  it('V11.1.4 the emailed links (verify, status, download) → the 5th POST from one address in 15 minutes (LINK_LIMIT_PER_IP=4) is 429', async () => {
    await exhaust(4, (i) => json('/api/v1/verifications', { token: `not-a-token-${i}` }));
    const browser = await openBrowser(client);
    expectLimited(await form('/verify/not-a-token', browser, {}));
    expectLimited(await form('/status/not-a-token/resend', browser, {}));
  });

  it(`V11.1.4 download codes → the ${CODES_PER_HOUR + 1}th code for one bundle in an hour is a 429 page, and no code is made`, async () => {
    const delivered = await deliveredExport(rt, await bearerFor(rt, 'dpo'));
    const page = await openBrowser(client, `/download/${delivered.downloadToken}`);
    for (let i = 0; i < CODES_PER_HOUR; i++) {
      clock = new Date(clock.getTime() + 4 * 60_000); // under the link limit, within the hour
      expect((await form(`/download/${delivered.downloadToken}/code`, page, {})).status).toBe(200);
    }
    const { rows } = await rt.database.executeSql('select count(*)::int as n from download_codes');
    const over = await form(`/download/${delivered.downloadToken}/code`, page, {});
    expect(over.status).toBe(429);
    const after = await rt.database.executeSql('select count(*)::int as n from download_codes');
    expect(after.rows[0]?.n).toBe(rows[0]?.n);
  });

  it('V11.1.4 callbacks → the 301st POST from one address in a minute is 429, before any body is read', async () => {
    await exhaust(300, () => client.send({ method: 'POST', path: '/api/v1/callbacks/nobody', body: '{}' }));
  });

  it('V11.1.4 one-click unsubscribe → the 301st POST from one address in 15 minutes is a 429 page', async () => {
    const token = unsubscribeTokenFor(rt, 'limits-unsubscribe@example.org');
    const over = await exhaust(300, () =>
      client.send({
        method: 'POST',
        path: `/unsubscribe/${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: 'List-Unsubscribe=One-Click',
      }),
    );
    expect(over.headers['content-type']).toMatch(/^text\/html/);
  });
});
