import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generousLimits, submitApi } from '../helpers/intake.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

/** The value of one series in a Prometheus text scrape, e.g. `rightsdesk_requests{status="unverified"}`. */
function sample(body: string, series: string): number | undefined {
  for (const line of body.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

const scrape = (app: Express) => request(app).get('/metrics');

async function scrapeText(app: Express): Promise<string> {
  const res = await scrape(app);
  expect(res.status).toBe(200);
  return res.text;
}

let n = 0;
const file = (app: Express, type: string, law = 'gdpr') =>
  submitApi(app, { type, law, email: `metrics-${++n}@example.org` }).expect(202);

describe('GET /metrics: request, job and outbox gauges computed at scrape time', () => {
  let rt: TestRuntime;
  let clock = new Date('2026-01-05T10:00:00Z');
  beforeAll(async () => {
    // No worker: nothing moves the requests, jobs or emails on while the test counts them.
    rt = await createTestRuntime({ worker: false, now: () => clock, env: generousLimits });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('3 access requests and 1 opt-out on 5 Jan → unverified 3, processing 1, other statuses 0, overdue 0', async () => {
    for (let i = 0; i < 3; i++) await file(rt.app, 'access');
    await file(rt.app, 'opt_out');
    const res = await scrape(rt.app);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.text;
    expect(sample(body, 'rightsdesk_requests{status="unverified"}')).toBe(3);
    expect(sample(body, 'rightsdesk_requests{status="processing"}')).toBe(1);
    for (const status of [
      'pending_review',
      'awaiting_subject',
      'approved',
      'failed',
      'completed',
      'denied',
    ]) {
      expect(sample(body, `rightsdesk_requests{status="${status}"}`), status).toBe(0);
    }
    expect(sample(body, 'rightsdesk_requests_overdue')).toBe(0);
    // Default process metrics are in the same (private) registry.
    expect(sample(body, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('3 verification emails and 1 opt-out notice waiting → outbox pending 4, failing 0; mail.send has 4 created jobs; 1 fulfilment task waits', async () => {
    const body = await scrapeText(rt.app);
    expect(sample(body, 'rightsdesk_outbox_pending')).toBe(4);
    expect(sample(body, 'rightsdesk_outbox_failing')).toBe(0);
    expect(sample(body, 'rightsdesk_jobs{queue="mail.send",state="created"}')).toBe(4);
    expect(sample(body, 'rightsdesk_jobs{queue="mail.send",state="failed"}')).toBe(0);
    // The opt-out's one source (Rightsdesk's own records) is one task.
    expect(sample(body, 'rightsdesk_jobs{queue="fulfilment.task",state="created"}')).toBe(1);
    expect(sample(body, 'rightsdesk_jobs{queue="exports.build",state="retry"}')).toBe(0);
    expect(body).not.toMatch(/queue="__pgboss/);
  });

  it('the clock moves to 1 Mar (GDPR month over) and one more request arrives → overdue 4 of 5 open', async () => {
    clock = new Date('2026-03-01T10:00:00Z');
    await file(rt.app, 'erase');
    const body = await scrapeText(rt.app);
    expect(sample(body, 'rightsdesk_requests{status="unverified"}')).toBe(4);
    expect(sample(body, 'rightsdesk_requests_overdue')).toBe(4);
  });

  it('token URLs and unknown paths → the histogram labels carry the route pattern, never the token or path', async () => {
    const token = `tok${randomBytes(12).toString('hex')}`;
    await request(rt.app).get(`/verify/${token}`).set('Accept', 'text/html');
    await request(rt.app).get(`/status/${token}`).set('Accept', 'text/html');
    await request(rt.app).get(`/download/${token}`).set('Accept', 'text/html');
    await request(rt.app).get(`/no-such-page-${token}`).set('Accept', 'text/html').expect(404);
    const body = await scrapeText(rt.app);
    expect(body).not.toContain(token);
    const routes = [...body.matchAll(/^rightsdesk_http_request_duration_seconds_count\{([^}]*)\}/gm)].map(
      (m) => m[1],
    );
    expect(routes.some((l) => l?.includes('route="/verify/:token"') && l.includes('method="GET"'))).toBe(
      true,
    );
    expect(routes.some((l) => l?.includes('route="/status/:token"'))).toBe(true);
    expect(routes.some((l) => l?.includes('route="/download/:token"'))).toBe(true);
    expect(
      sample(
        body,
        'rightsdesk_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}',
      ),
    ).toBe(1);
    expect(
      sample(
        body,
        'rightsdesk_http_request_duration_seconds_count{method="POST",route="/api/v1/requests",status="202"}',
      ),
    ).toBe(5);
  });
});

describe('GET /metrics: email send failures', () => {
  let rt: TestRuntime;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    sink.refusing = true;
    rt = await createTestRuntime({ env: { ...generousLimits, SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await rt?.dispose();
    await sink?.close();
  });

  it('SMTP refuses → the failure counter rises and the outbox shows the email failing; SMTP back → sent, failing 0', async () => {
    await file(rt.app, 'access');
    const failing = await eventually(async () => {
      const body = await scrapeText(rt.app);
      return (sample(body, 'rightsdesk_email_send_failures_total') ?? 0) >= 1 &&
        sample(body, 'rightsdesk_outbox_failing') === 1
        ? body
        : undefined;
    });
    expect(sample(failing, 'rightsdesk_outbox_pending')).toBe(1);
    sink.refusing = false;
    await sink.waitFor(1);
    const sent = await eventually(async () => {
      const body = await scrapeText(rt.app);
      return sample(body, 'rightsdesk_outbox_pending') === 0 ? body : undefined;
    });
    expect(sample(sent, 'rightsdesk_outbox_failing')).toBe(0);
    expect(sample(sent, 'rightsdesk_email_send_failures_total')).toBe(sink.refusedCount);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let rt: TestRuntime;
  const token = 'metrics-token-0123456789abcdef';
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false, env: { METRICS_TOKEN: token } });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('no Authorization from loopback → 401 with WWW-Authenticate: Bearer (the token replaces the address check)', async () => {
    const res = await scrape(rt.app).set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.text).not.toContain('rightsdesk_requests');
  });

  it('a wrong or truncated token → 401; the right one → 200 with the metrics', async () => {
    await scrape(rt.app).set('Authorization', `Bearer ${token}x`).expect(401);
    await scrape(rt.app)
      .set('Authorization', `Bearer ${token.slice(0, -1)}`)
      .expect(401);
    await scrape(rt.app).set('Authorization', token).expect(401);
    const res = await scrape(rt.app).set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.text).toContain('rightsdesk_requests_overdue');
  });
});

describe('GET /metrics without a token: loopback and STAFF_ALLOWED_IPS only', () => {
  const networks = { TRUST_PROXY: 'loopback', STAFF_ALLOWED_IPS: '203.0.113.0/24' };
  let rt: TestRuntime;
  let production: TestRuntime;
  let untrusting: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false, env: networks });
    production = await createTestRuntime({
      worker: false,
      env: {
        ...networks,
        NODE_ENV: 'production',
        SMTP_URL: 'smtp://127.0.0.1:1',
        PUBLIC_URL: 'https://privacy.example.org',
      },
    });
    untrusting = await createTestRuntime({ worker: false });
  });
  afterAll(async () => {
    await rt?.dispose();
    await production?.dispose();
    await untrusting?.dispose();
  });

  it('loopback → 200; forwarded by the trusted proxy for 198.51.100.7 → 404; for 203.0.113.9 (staff network) → 200', async () => {
    await scrape(rt.app).expect(200);
    const outside = await scrape(rt.app)
      .set('X-Forwarded-For', '198.51.100.7')
      .set('Accept', 'application/json');
    expect(outside.status).toBe(404);
    expect(outside.text).not.toContain('rightsdesk_');
    await scrape(rt.app).set('X-Forwarded-For', '203.0.113.9').expect(200);
  });

  it('NODE_ENV=production → the staff network is refused too (loopback only)', async () => {
    await scrape(production.app).set('X-Forwarded-For', '203.0.113.9').expect(404);
    await scrape(production.app).expect(200);
  });

  it('TRUST_PROXY unset and the request says it was forwarded → 404, even though it comes from loopback', async () => {
    await scrape(untrusting.app).expect(200);
    await scrape(untrusting.app).set('X-Forwarded-For', '127.0.0.1').expect(404);
    await scrape(untrusting.app).set('Forwarded', 'for=127.0.0.1').expect(404);
    // nginx's usual headers without X-Forwarded-For still say "a proxy sent this".
    await scrape(untrusting.app).set('X-Real-IP', '198.51.100.7').expect(404);
    await scrape(untrusting.app).set('X-Forwarded-Proto', 'https').expect(404);
    await scrape(untrusting.app).set('Via', '1.1 proxy').expect(404);
  });
});
