import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, quietSweep, submitApi, submitForm } from '../helpers/intake.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const base = new Date('2026-01-09T18:00:00.000Z');
const minutes = (n: number) => new Date(base.getTime() + n * 60_000);

// Each test starts two hours after the previous one, so both fixed windows (15 min per IP, 1 h per
// email) start fresh.
describe('intake: rate limits per IP and per email', () => {
  let sink: SmtpSink;
  let rt: TestRuntime;
  let clock = base;

  beforeAll(async () => {
    sink = await startSmtpSink();
    rt = await createTestRuntime({
      env: { ...quietSweep, INTAKE_LIMIT_PER_IP: '5', INTAKE_LIMIT_PER_EMAIL: '2', SMTP_URL: sink.url },
      now: () => clock,
    });
  });
  afterAll(async () => {
    await rt.dispose();
    await sink.close();
  });

  const body = (email: string) => ({ type: 'access', law: 'gdpr', email });

  it('API: a 3rd request for one email within the hour → 429 RATE_LIMITED with Retry-After, nothing stored', async () => {
    clock = minutes(0);
    await submitApi(rt.app, body('limited@example.org')).expect(202);
    clock = minutes(10);
    await submitApi(rt.app, body('  Limited@Example.ORG ')).expect(202);
    const before = await countRows(rt.database.db);
    clock = minutes(20); // a new per-IP window, the same per-email hour
    const res = await submitApi(rt.app, body('limited@example.org'));
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBe(40 * 60);
    expect(await countRows(rt.database.db)).toEqual(before);
    // Another address from the same client is not held back; the first one is free again after the hour.
    await submitApi(rt.app, body('other@example.org')).expect(202);
    clock = minutes(61);
    await submitApi(rt.app, body('limited@example.org')).expect(202);
  });

  it('API: a 6th request from one IP within 15 minutes → 429 whatever the email or X-Forwarded-For; next window → 202', async () => {
    clock = minutes(120);
    for (let i = 0; i < 5; i++) await submitApi(rt.app, body(`ip-${i}@example.org`)).expect(202);
    const before = await countRows(rt.database.db);
    const res = await submitApi(rt.app, body('ip-5@example.org'));
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBe(15 * 60);
    const spoofed = await submitApi(rt.app, body('ip-6@example.org')).set('X-Forwarded-For', '203.0.113.9');
    expect(spoofed.status).toBe(429);
    const form = await submitForm(rt.app, { type: 'access', region: 'eu', email: 'ip-7@example.org' });
    expect(form.status).toBe(429);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(await countRows(rt.database.db)).toEqual(before);
    clock = minutes(136);
    await submitApi(rt.app, body('ip-5@example.org')).expect(202);
  });

  it('form: a 3rd request for one email within the hour → 429 page, nothing stored', async () => {
    clock = minutes(240);
    const fields = { type: 'erase', region: 'uk', email: 'form-limited@example.org' };
    expect((await submitForm(rt.app, fields)).status).toBe(303);
    expect((await submitForm(rt.app, fields)).status).toBe(303);
    const before = await countRows(rt.database.db);
    const res = await submitForm(rt.app, fields);
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Too many attempts');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await countRows(rt.database.db)).toEqual(before);
  });
});
