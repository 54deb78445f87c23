import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlesOf } from '../helpers/exports.ts';
import {
  csrfFormRoutes,
  publicApiRoutes,
  registeredRoutes,
  staffApiRoutes,
} from '../helpers/fuzz/catalogue.ts';
import type { Got } from '../helpers/fuzz/client.ts';
import {
  deliveredExport,
  fileRequest,
  fileVerified,
  openBrowser,
  staffAct,
  staffBrowser,
} from '../helpers/fuzz/fixtures.ts';
import { createFuzzRuntime, type FuzzRuntime } from '../helpers/fuzz/fuzz-runtime.ts';
import { changedTables } from '../helpers/fuzz/snapshot.ts';
import { findByReference } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';

// OWASP ASVS 4.0.3 V4.2.2 (CSRF) on every state-changing form, V13.2.3 (the cookie does not open the
// JSON API) and V13.1.5 / V13.2.5 (the JSON API takes JSON only).
let f: FuzzRuntime;
let bearer: string;
let staff: { cookie: string; csrf: string };
let logoutStaff: { cookie: string; csrf: string };
let subject: { cookie: string; csrf: string };
/** Route pattern → a concrete path and a body that would succeed with the right token. */
let forms: Record<string, { path: string; fields: Record<string, string>; staff?: boolean }>;
let params: Record<string, string>;

beforeAll(async () => {
  f = await createFuzzRuntime();
  const { rt } = f;
  const dpo = await createStaff(rt, { role: 'dpo' });
  bearer = await bearerFor(rt, dpo);
  const unverified = await fileRequest(rt);
  const another = await fileRequest(rt);
  const pending = await fileVerified(rt);
  const awaiting = await fileVerified(rt, { type: 'erase', law: 'uk-gdpr' });
  await staffAct(rt, bearer, awaiting.reference, 'request-info', { message: 'Which account?' });
  const rectify = await fileVerified(rt, {
    type: 'rectify',
    law: 'gdpr',
    corrections: [{ field: 'name', value: 'A' }],
  });
  const delivered = await deliveredExport(rt, bearer);
  const [bundle] = await bundlesOf(rt, delivered.id);
  staff = await staffBrowser(f.client, dpo);
  logoutStaff = await staffBrowser(f.client, dpo);
  subject = await openBrowser(f.client);
  const v = async (reference: string) => String((await findByReference(rt.database.db, reference)).version);
  params = { reference: pending.reference, bundleId: bundle!.id, token: delivered.downloadToken };
  forms = {
    'POST /requests': {
      path: '/requests',
      fields: { type: 'access', region: 'eu', email: 'csrf@example.org' },
    },
    'POST /verify/resend': { path: '/verify/resend', fields: { token: another.verifyToken! } },
    'POST /verify/:token': { path: `/verify/${unverified.verifyToken}`, fields: {} },
    'POST /status/:token/resend': { path: `/status/${another.statusToken}/resend`, fields: {} },
    'POST /status/:token/cancel': {
      path: `/status/${unverified.statusToken}/cancel`,
      fields: { version: await v(unverified.reference) },
    },
    'POST /status/:token/reply': {
      path: `/status/${awaiting.statusToken}/reply`,
      fields: { version: await v(awaiting.reference), reply: 'The newsletter account.' },
    },
    'POST /download/:token/code': { path: `/download/${delivered.downloadToken}/code`, fields: {} },
    'POST /download/:token/copy': { path: `/download/${delivered.downloadToken}/copy`, fields: {} },
    'POST /download/:token': { path: `/download/${delivered.downloadToken}`, fields: { code: '123456' } },
    'POST /staff/login': { path: '/staff/login', fields: { email: dpo.email, password: dpo.password } },
    'POST /staff/queue/bulk': {
      path: '/staff/queue/bulk',
      fields: { action: 'assign-to-me', selected: `${pending.reference}@${await v(pending.reference)}` },
      staff: true,
    },
    'POST /staff/requests/:reference/:action': {
      path: `/staff/requests/${rectify.reference}/note`,
      fields: { version: await v(rectify.reference), message: 'A note.' },
      staff: true,
    },
    'POST /staff/requests/:reference/corrections': {
      path: `/staff/requests/${rectify.reference}/corrections`,
      fields: { index: '0', decision: 'rejected' },
      staff: true,
    },
    'POST /staff/requests/:reference/exports/rebuild': {
      path: `/staff/requests/${delivered.reference}/exports/rebuild`,
      fields: {},
      staff: true,
    },
    'POST /staff/requests/:reference/exports/:bundleId/release': {
      path: `/staff/requests/${delivered.reference}/exports/${bundle!.id}/release`,
      fields: {},
      staff: true,
    },
    'POST /staff/requests/:reference/exports/:bundleId/revoke': {
      path: `/staff/requests/${delivered.reference}/exports/${bundle!.id}/revoke`,
      fields: {},
      staff: true,
    },
    'POST /staff/support/:reference/note': {
      path: `/staff/support/${pending.reference}/note`,
      fields: { message: 'Told them the due date.' },
      staff: true,
    },
    'POST /staff/logout': { path: '/staff/logout', fields: {}, staff: true },
  };
}, 120_000);

afterAll(async () => {
  await f?.dispose();
});

const post = (path: string, cookie: string, body: Record<string, string>): Promise<Got> =>
  f.client.send({
    method: 'POST',
    path,
    headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(body).toString(),
  });

describe('V4.2.2 CSRF on every state-changing form', () => {
  it('the forms checked here → every POST route outside the JSON API, except the two that cannot carry a token', () => {
    const forms = registeredRoutes(f.rt.app as never).filter(
      (r) => r.startsWith('POST ') && !r.startsWith('POST /api/'),
    );
    // Also exempt when the demo runs: POST /demo/newsletter/hook, a signed machine-to-machine call.
    expect(forms.filter((r) => !csrfFormRoutes.includes(r))).toEqual([
      'POST /unsubscribe/:token', // RFC 8058 one-click: mail providers post without cookies
    ]);
    expect(forms.length).toBeGreaterThanOrEqual(csrfFormRoutes.length);
  });

  it.each(csrfFormRoutes)(
    '%s: no token, a wrong token, another browser’s token, or no cookie → 403 and nothing stored; the right token → past the check',
    async (route) => {
      const form = forms[route]!;
      const browser = route === 'POST /staff/logout' ? logoutStaff : form.staff ? staff : subject;
      const other = await openBrowser(f.client);
      const before = await f.snapshot();
      await f.beforeEach?.();
      const refused = [
        await post(form.path, browser.cookie, form.fields),
        await post(form.path, browser.cookie, { ...form.fields, _csrf: `${browser.csrf.slice(0, -2)}xx` }),
        await post(form.path, browser.cookie.replace(/rd_csrf=[^;]+/, other.cookie), {
          ...form.fields,
          _csrf: browser.csrf,
        }),
        await post(form.path, browser.cookie.replace(/rd_csrf=[^;]+;?\s*/, ''), {
          ...form.fields,
          _csrf: browser.csrf,
        }),
      ];
      for (const got of refused) expect(got.status, got.text.slice(0, 200)).toBe(403);
      expect(changedTables(before, await f.snapshot())).toEqual([]);
      const accepted = await post(form.path, browser.cookie, { ...form.fields, _csrf: browser.csrf });
      expect(accepted.status, accepted.text.slice(0, 300)).not.toBe(403);
      expect(accepted.status).toBeLessThan(500);
    },
  );
});

describe('V13.2.3 V13.1.5 the JSON API', () => {
  it('V13.2.3 a signed-in browser’s cookie alone → 401 on the staff API (no cookie-authenticated API to forge)', async () => {
    const before = await f.snapshot();
    const got = await f.client.send({
      method: 'POST',
      path: `/api/v1/staff/requests/${params.reference}/note`,
      headers: { 'content-type': 'application/json', cookie: staff.cookie },
      body: JSON.stringify({ version: 1, message: 'forged' }),
    });
    expect(got.status).toBe(401);
    expect(changedTables(before, await f.snapshot())).toEqual([]);
  });

  // Callbacks read their raw body themselves and refuse other types with 415 too (http-callbacks.test.ts).
  const jsonRoutes = [...publicApiRoutes, ...staffApiRoutes].filter(
    (r) => /^(POST|PUT) \/api\//.test(r) && r !== 'POST /api/v1/callbacks/:source',
  );

  it.each(jsonRoutes)(
    'V13.1.5 V13.2.5 %s: a form-encoded or text body (what a cross-site form can send) → 415 and nothing stored',
    async (route) => {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern
        .replace(':reference', params.reference!)
        .replace(':bundleId', params.bundleId!)
        .replace(':action', 'note');
      for (const [type, body] of [
        [
          'application/x-www-form-urlencoded',
          'type=access&law=gdpr&email=cross-site%40example.org&version=2&message=x',
        ],
        ['text/plain', '{"type":"access","law":"gdpr","email":"cross-site@example.org"}'],
        [
          'multipart/form-data; boundary=x',
          '--x\r\nContent-Disposition: form-data; name="type"\r\n\r\naccess\r\n--x--',
        ],
      ] as const) {
        const before = await f.snapshot();
        const got = await f.client.send({
          method,
          path,
          headers: { 'content-type': type, authorization: bearer },
          body,
        });
        expect(got.status, `${type}: ${got.text.slice(0, 200)}`).toBe(415);
        expect(got.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(changedTables(before, await f.snapshot())).toEqual([]);
      }
    },
  );

  it('V13.1.5 the same bodies as JSON → accepted (the 415 is about the type, not the content)', async () => {
    const got = await f.client.send({
      method: 'POST',
      path: '/api/v1/requests',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'access', law: 'gdpr', email: 'cross-site@example.org' }),
    });
    expect(got.status).toBe(202);
  });
});
