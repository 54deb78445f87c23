import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { ConfigError } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { submitApi } from '../helpers/intake.ts';
import { createTestRuntime, type TestRuntime, testConfig } from '../helpers/test-runtime.ts';
import { thrown } from '../helpers/thrown.ts';
import { fetchHttps, selfSigned } from '../helpers/tls.ts';

const configError = (env: Record<string, string>) => thrown(ConfigError, () => testConfig(env));

let rt: TestRuntime;
let certs: string;
/** The runtime's app made again from another environment (same database, same clock). */
const appWith = (env: Record<string, string>): Express =>
  createApp({ ...rt.appDeps, config: testConfig(env) });

beforeAll(async () => {
  certs = mkdtempSync(path.join(tmpdir(), 'rd-tls-'));
  rt = await createTestRuntime({ worker: false });
});
afterAll(async () => {
  await rt?.dispose();
  rmSync(certs, { recursive: true, force: true });
});

describe('HTTPS served directly (TLS_CERT_FILE + TLS_KEY_FILE)', () => {
  let server: RunningServer;
  let ca: Buffer;
  beforeAll(async () => {
    const { cert, key } = selfSigned(certs, 'server');
    ca = readFileSync(cert);
    const config = testConfig({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    const app = createApp({ ...rt.appDeps, config });
    // The shared runtime outlives this server: stopping it closes nothing else.
    server = await startServer({ ...rt, config, app, close: async () => {} }, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a client trusting the test CA → 200 over https, with HSTS (PUBLIC_URL defaults to https)', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetchHttps(`${server.url}/healthz`, ca);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('a client without the CA → refuses the self-signed certificate (it really is TLS)', async () => {
    await expect(fetchHttps(`${server.url}/healthz`)).rejects.toThrow(/self-signed certificate/);
  });

  it('bad TLS settings → a config error naming the variable', () => {
    const { cert, key } = selfSigned(certs, 'other');
    const { key: strangerKey } = selfSigned(certs, 'stranger');
    expect(configError({ TLS_CERT_FILE: cert }).variable).toBe('TLS_KEY_FILE');
    expect(configError({ TLS_KEY_FILE: key }).variable).toBe('TLS_CERT_FILE');
    const missing = configError({ TLS_CERT_FILE: path.join(certs, 'nope.crt'), TLS_KEY_FILE: key });
    expect(missing.message).toMatch(/^TLS_CERT_FILE: cannot be read/);
    const mismatch = configError({ TLS_CERT_FILE: cert, TLS_KEY_FILE: strangerKey });
    expect(mismatch.variable).toBe('TLS_KEY_FILE');
    expect(configError({ TLS_CERT_FILE: key, TLS_KEY_FILE: key }).variable).toBe('TLS_CERT_FILE');
  });
});

describe('TRUST_PROXY: the client IP behind a proxy, only when the proxy is trusted', () => {
  const base = {
    INTAKE_LIMIT_PER_IP: '2',
    INTAKE_LIMIT_PER_EMAIL: '100',
    STAFF_ALLOWED_IPS: '203.0.113.0/24',
  };
  let untrusted: Express;
  let trusted: Express;
  beforeAll(() => {
    untrusted = appWith(base);
    trusted = appWith({ ...base, TRUST_PROXY: '127.0.0.1/8' });
  });
  let n = 0;
  const file = (app: Express, forwardedFor?: string) => {
    const req = submitApi(app, { type: 'access', law: 'gdpr', email: `proxy-${++n}@example.org` });
    return forwardedFor ? req.set('X-Forwarded-For', forwardedFor) : req;
  };
  const staffLogin = (app: Express, forwardedFor?: string) => {
    const req = request(app).get('/staff/login').set('Accept', 'text/html');
    return forwardedFor ? req.set('X-Forwarded-For', forwardedFor) : req;
  };

  it('unset: X-Forwarded-For 203.0.113.9 from loopback is ignored → the staff allowlist sees 127.0.0.1 (404)', async () => {
    await staffLogin(untrusted, '203.0.113.9').expect(404);
  });

  it('unset: intake limit 2 per IP → different forwarded addresses all count as 127.0.0.1; the 3rd is 429', async () => {
    await file(untrusted, '203.0.113.9').expect(202);
    await file(untrusted, '198.51.100.7').expect(202);
    const third = await file(untrusted, '192.0.2.1');
    expect(third.status).toBe(429);
  });

  it('127.0.0.1/8: the staff allowlist lets 203.0.113.9 in and keeps 198.51.100.7 and the proxy itself out', async () => {
    const page = await staffLogin(trusted, '203.0.113.9');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/password/i);
    await staffLogin(trusted, '198.51.100.7').expect(404);
    await staffLogin(trusted).expect(404);
  });

  it('127.0.0.1/8: a client prepending a fake address to X-Forwarded-For → the address the proxy saw counts', async () => {
    await staffLogin(trusted, '203.0.113.9, 198.51.100.7').expect(404);
    await staffLogin(trusted, '198.51.100.7, 203.0.113.9').expect(200);
  });

  it('127.0.0.1/8: intake limit 2 per IP counts each forwarded client → 203.0.113.20 is limited, 203.0.113.21 is not', async () => {
    await file(trusted, '203.0.113.20').expect(202);
    await file(trusted, '203.0.113.20').expect(202);
    const limited = await file(trusted, '203.0.113.20');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    await file(trusted, '203.0.113.21').expect(202);
  });

  it('a hop count (1) trusts the one proxy in front → the forwarded client is seen', async () => {
    await staffLogin(appWith({ ...base, TRUST_PROXY: '1' }), '203.0.113.9').expect(200);
  });

  it.each([
    ['true', /any client choose its IP/],
    ['10.0.0.0/33', /"10\.0\.0\.0\/33" is not an IP address/],
    ['10.0.0.1, proxy.internal', /"proxy\.internal" is not/],
    ['11', /is not an IP address/],
  ])('TRUST_PROXY=%s → config error naming TRUST_PROXY', (value, message) => {
    const error = configError({ TRUST_PROXY: value });
    expect(error.variable).toBe('TRUST_PROXY');
    expect(error.message).toMatch(message);
  });

  it.each([['false'], ['0']])('TRUST_PROXY=%s → trusts nothing', (value) => {
    expect(testConfig({ TRUST_PROXY: value }).trustProxy).toBe(false);
  });
});

describe('HSTS and secure cookies follow the public URL', () => {
  it('PUBLIC_URL https → Strict-Transport-Security for a year with subdomains; cookies Secure', async () => {
    const res = await request(appWith({ PUBLIC_URL: 'https://privacy.example.org' }))
      .get('/')
      .set('Accept', 'text/html');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const cookies = (res.headers['set-cookie'] as unknown as string[]) ?? [];
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/; Secure/);
  });

  it('PUBLIC_URL http → no Strict-Transport-Security; cookies not Secure', async () => {
    const res = await request(appWith({ PUBLIC_URL: 'http://localhost:3000' }))
      .get('/')
      .set('Accept', 'text/html');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    const cookies = (res.headers['set-cookie'] as unknown as string[]) ?? [];
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).not.toMatch(/Secure/);
  });
});

describe('/.well-known/security.txt (RFC 9116)', () => {
  const settings = {
    PUBLIC_URL: 'https://privacy.example.org',
    SECURITY_CONTACT: 'mailto:security@example.org, https://example.org/report',
    SECURITY_POLICY_URL: 'https://example.org/disclosure-policy',
    SECURITY_TXT_EXPIRES: '2099-12-31T23:00:00+01:00',
  };

  it('configured → text/plain; charset=utf-8 with exactly the RFC fields', async () => {
    const res = await request(appWith(settings)).get('/.well-known/security.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe(
      [
        'Contact: mailto:security@example.org',
        'Contact: https://example.org/report',
        'Expires: 2099-12-31T22:00:00Z',
        'Policy: https://example.org/disclosure-policy',
        'Preferred-Languages: en, pl, de, fr, es',
        'Canonical: https://privacy.example.org/.well-known/security.txt',
        '',
      ].join('\n'),
    );
  });

  it('no SECURITY_TXT_EXPIRES → expires 364 days after start (under a year, as RFC 9116 recommends)', async () => {
    const before = Date.now();
    const app = appWith({ SECURITY_CONTACT: 'mailto:security@example.org' });
    const res = await request(app).get('/.well-known/security.txt').expect(200);
    const expires = Date.parse(/^Expires: (.+)$/m.exec(res.text)?.[1] ?? '');
    const day = 24 * 3600 * 1000;
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 364 * day);
    expect(expires).toBeLessThan(before + 365 * day);
    expect(res.text).not.toMatch(/^Policy:/m);
    expect(res.text).toMatch(/^Canonical: http:\/\/localhost:3000\/\.well-known\/security\.txt$/m);
  });

  it('no SECURITY_CONTACT → 404', async () => {
    await request(appWith({})).get('/.well-known/security.txt').expect(404);
  });

  it.each([
    [{ SECURITY_CONTACT: 'security@example.org' }, 'SECURITY_CONTACT', /mailto:address or an https: URL/],
    [{ SECURITY_CONTACT: 'http://example.org/security' }, 'SECURITY_CONTACT', /mailto:address or an https/],
    [{ SECURITY_CONTACT: 'mailto:nobody' }, 'SECURITY_CONTACT', /mailto:address/],
    // URL parsing would drop the newline and the rest would become a line of its own in the file.
    [
      { SECURITY_CONTACT: 'https://example.org/a\nPolicy: https://evil.example' },
      'SECURITY_CONTACT',
      /mailto:address/,
    ],
    [{ SECURITY_POLICY_URL: 'https://example.org/policy' }, 'SECURITY_CONTACT', /is required/],
    [
      { SECURITY_CONTACT: 'mailto:s@example.org', SECURITY_TXT_EXPIRES: '2020-01-01T00:00:00Z' },
      'SECURITY_TXT_EXPIRES',
      /in the future/,
    ],
    [
      { SECURITY_CONTACT: 'mailto:s@example.org', SECURITY_TXT_EXPIRES: 'next year' },
      'SECURITY_TXT_EXPIRES',
      /ISO date-time/,
    ],
  ])('%o → config error naming %s', (env, variable, message) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
  });
});
