import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Got, Sent } from '../helpers/fuzz/client.ts';
import { deliveredExport, fileRequest, openBrowser, staffBrowser } from '../helpers/fuzz/fixtures.ts';
import { createFuzzRuntime, type FuzzRuntime } from '../helpers/fuzz/fuzz-runtime.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime } from '../helpers/test-runtime.ts';

// OWASP ASVS 4.0.3 level 2, the HTTP response headers: on pages, on the JSON API and on errors.
let f: FuzzRuntime;
let samples: Record<string, Sent>;
const answers: Record<string, Got> = {};

beforeAll(async () => {
  f = await createFuzzRuntime();
  const { rt } = f;
  const dpo = await createStaff(rt, { role: 'dpo' });
  const bearer = await bearerFor(rt, dpo);
  const filed = await fileRequest(rt);
  const delivered = await deliveredExport(rt, bearer);
  const staff = await staffBrowser(f.client, dpo);
  const page = (path: string, cookie?: string): Sent => ({
    method: 'GET',
    path,
    headers: { accept: 'text/html', cookie },
  });
  const api = (path: string): Sent => ({ method: 'GET', path, headers: { authorization: bearer } });
  samples = {
    'request form': page('/'),
    'verify page': page(`/verify/${filed.verifyToken}`),
    'status page': page(`/status/${filed.statusToken}`),
    'download page': page(`/download/${delivered.downloadToken}`),
    'staff sign-in page': page('/staff/login'),
    'staff queue page': page('/staff', staff.cookie),
    'staff request page': page(`/staff/requests/${delivered.reference}`, staff.cookie),
    'support page': page(`/staff/support?q=${delivered.reference}`, staff.cookie),
    'reports page': page('/staff/reports', staff.cookie),
    'dashboard page': page('/staff/dashboard', staff.cookie),
    'staff API request': api(`/api/v1/staff/requests/${delivered.reference}`),
    'staff API queue': api('/api/v1/staff/requests'),
    'OpenAPI document': { method: 'GET', path: '/api/openapi.json' },
    'page error (404)': page('/no-such-page'),
    'page error (bad link, 400)': page('/status/not-a-token'),
    'page error (CSRF, 403)': {
      method: 'POST',
      path: '/requests',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40example.org',
    },
    'API error (404)': { method: 'GET', path: '/api/v1/nothing' },
    'API error (401)': { method: 'GET', path: '/api/v1/staff/requests' },
    'API error (400)': {
      method: 'POST',
      path: '/api/v1/requests',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"nope"}',
    },
  };
  for (const [name, sent] of Object.entries(samples)) answers[name] = await f.client.send(sent);
}, 120_000);

afterAll(async () => {
  await f?.dispose();
});

const names = () => Object.keys(samples);
const personal = [
  'verify page',
  'status page',
  'download page',
  'staff queue page',
  'staff request page',
  'support page',
  'reports page',
  'dashboard page',
  'staff API request',
  'staff API queue',
];

describe('security headers (ASVS V14.4, V14.3, V8.2)', () => {
  it('the samples → answered as expected (pages 200, errors their status), so the header checks mean something', () => {
    const statuses = Object.fromEntries(names().map((n) => [n, answers[n]!.status]));
    for (const n of personal) expect(statuses[n], n).toBe(200);
    expect(statuses).toMatchObject({
      'page error (404)': 404,
      'page error (bad link, 400)': 400,
      'page error (CSRF, 403)': 403,
      'API error (404)': 404,
      'API error (401)': 401,
      'API error (400)': 400,
    });
  });

  it('V14.4.3 every page, API answer and error → a CSP whose scripts and styles are self only (no unsafe-inline or unsafe-eval), objects none, base and form targets self', () => {
    for (const n of names()) {
      const csp = String(answers[n]!.headers['content-security-policy'] ?? '');
      const directives = Object.fromEntries(
        csp.split(';').map((d) => {
          const [key = '', ...values] = d.trim().split(/\s+/);
          return [key, values.join(' ')];
        }),
      );
      expect(directives['script-src'], n).toBe("'self'");
      expect(directives['style-src'], n).toBe("'self'");
      expect(directives['script-src-attr'], n).toBe("'none'");
      expect(directives['object-src'], n).toBe("'none'");
      expect(directives['base-uri'], n).toBe("'self'");
      expect(directives['form-action'], n).toBe("'self'");
      expect(csp, n).not.toMatch(/unsafe-eval/);
    }
  });

  it('V14.4.7 every answer → cannot be framed by another site (frame-ancestors self and X-Frame-Options SAMEORIGIN)', () => {
    for (const n of names()) {
      expect(String(answers[n]!.headers['content-security-policy']), n).toMatch(/frame-ancestors 'self'/);
      expect(answers[n]!.headers['x-frame-options'], n).toBe('SAMEORIGIN');
    }
  });

  it('V14.4.4 every answer → X-Content-Type-Options: nosniff', () => {
    for (const n of names()) expect(answers[n]!.headers['x-content-type-options'], n).toBe('nosniff');
  });

  it('V14.4.6 every answer → Referrer-Policy: no-referrer (tokens in URLs never leak to other sites)', () => {
    for (const n of names()) expect(answers[n]!.headers['referrer-policy'], n).toBe('no-referrer');
  });

  it('V14.3.3 no answer → names the server software (no X-Powered-By, no Server header)', () => {
    for (const n of names()) {
      expect(answers[n]!.headers['x-powered-by'], n).toBeUndefined();
      expect(answers[n]!.headers.server, n).toBeUndefined();
    }
  });

  it('V14.4.1 every answer with a body → a Content-Type with charset=utf-8', () => {
    for (const n of names())
      expect(String(answers[n]!.headers['content-type']), n).toMatch(/;\s*charset=utf-8$/i);
  });

  it('V8.2.1 V8.1.1 pages and API answers with personal data, and errors → Cache-Control: no-store', () => {
    for (const n of [...personal, 'page error (404)', 'page error (CSRF, 403)', 'API error (401)']) {
      expect(answers[n]!.headers['cache-control'], n).toBe('no-store');
    }
  });

  it('V8.2.1 static assets → still cached (the no-store default stops where nothing personal is served)', async () => {
    const css = await f.client.send({ method: 'GET', path: '/assets/site.css' });
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('V14.5.3 a cross-origin request or preflight → no Access-Control-Allow-Origin (no CORS at all)', async () => {
    const origin = 'https://evil.example';
    const simple = await f.client.send({ method: 'GET', path: '/api/openapi.json', headers: { origin } });
    const preflight = await f.client.send({
      method: 'OPTIONS',
      path: '/api/v1/requests',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    for (const got of [simple, preflight]) {
      expect(got.headers['access-control-allow-origin']).toBeUndefined();
      expect(got.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('V14.4.5 V9.1.1 PUBLIC_URL https → Strict-Transport-Security for a year with subdomains; http → none', async () => {
    expect(answers['request form']!.headers['strict-transport-security']).toBeUndefined();
    const https = await createTestRuntime({
      worker: false,
      env: { PUBLIC_URL: 'https://privacy.example.org' },
    });
    try {
      const res = await request(https.app).get('/');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await https.dispose();
    }
  });

  it('V14.4.3 pages → load no inline script and no script from elsewhere (the CSP needs no exception)', async () => {
    for (const n of names().filter((x) => answers[x]!.headers['content-type']?.startsWith('text/html'))) {
      const html = answers[n]!.text;
      expect(html, n).not.toMatch(/<script(?![^>]*\bsrc="\/)[^>]*>/i);
      expect(html, n).not.toMatch(/\son[a-z]+="/i);
    }
  });

  it('V14.5.1 methods the app does not use (TRACE, PUT, DELETE, PATCH on pages and the intake API) → 404, never run', async () => {
    for (const method of ['TRACE', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/', '/requests', '/api/v1/requests', '/staff/login']) {
        const got = await f.client.send({ method, path, headers: { accept: 'application/json' } });
        expect(got.status, `${method} ${path}`).toBe(404);
      }
    }
  });

  it('V5.3.3 markup typed into the form (name, details) → shown back escaped on the refused form, never as markup', async () => {
    const browser = await openBrowser(f.client);
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const got = await f.client.send({
      method: 'POST',
      path: '/requests',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: browser.cookie,
        accept: 'text/html',
      },
      body: new URLSearchParams({
        _csrf: browser.csrf,
        type: 'access',
        region: 'eu',
        email: 'not-an-email',
        name: hostile,
        details: hostile,
      }).toString(),
    });
    expect(got.status).toBe(400);
    expect(got.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(got.text).not.toContain('<script>alert(1)');
    expect(got.text).not.toContain('<img src=x');
  });
});
