import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoNewsletterSecret } from '../../src/fulfilment/demo/demo-sources.ts';
import { SIGNATURE_HEADER, signBody } from '../../src/fulfilment/http/signature.ts';
import { findTask, insertTasks, settleTask, startAttempt } from '../../src/fulfilment/tasks-repo.ts';
import type { Got } from '../helpers/fuzz/client.ts';
import { fileVerified, openBrowser, staffAct } from '../helpers/fuzz/fixtures.ts';
import { createFuzzRuntime, type FuzzRuntime } from '../helpers/fuzz/fuzz-runtime.ts';
import { attemptCounters, changedTables } from '../helpers/fuzz/snapshot.ts';
import { findByReference } from '../helpers/intake.ts';
import { bearerFor } from '../helpers/staff.ts';

// What the fuzz found, pinned down: each of these answered 500 (or stored a request) before its fix.
let f: FuzzRuntime;
let bearer: string;

beforeAll(async () => {
  f = await createFuzzRuntime({ DEMO_SOURCES: 'on' });
  bearer = await bearerFor(f.rt, 'dpo');
}, 120_000);

afterAll(async () => {
  await f?.dispose();
});

const json = (path: string, body: unknown) =>
  f.client.send({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', authorization: bearer },
    body: JSON.stringify(body),
  });
const problem = (got: Got) => JSON.parse(got.text) as { code: string; errors?: { path: string }[] };

describe('found by the fuzz', () => {
  it.each(['gzip', 'deflate', 'br'])(
    'a body declared %s that does not decompress → 415 (was 500), nothing stored',
    async (encoding) => {
      const before = await f.snapshot();
      const api = await f.client.send({
        method: 'POST',
        path: '/api/v1/requests',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: '{"type":"access","law":"gdpr","email":"a@example.org"}',
      });
      expect(api.status).toBe(415);
      expect(problem(api).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const browser = await openBrowser(f.client);
      const page = await f.client.send({
        method: 'POST',
        path: '/requests',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-encoding': encoding,
          cookie: browser.cookie,
          accept: 'text/html',
        },
        body: `_csrf=${browser.csrf}&type=access`,
      });
      expect(page.status).toBe(415);
      expect(page.type).toBe('text/html');
      expect(changedTables(before, await f.snapshot())).toEqual([]);
    },
  );

  it('a form with more than 200 fields → 413 (was 500: body-parser’s parameters.too.many was not mapped)', async () => {
    const browser = await openBrowser(f.client);
    const fields = Array.from({ length: 201 }, (_, i) => `f${i}=1`).join('&');
    const got = await f.client.send({
      method: 'POST',
      path: '/requests',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: browser.cookie,
        accept: 'application/json',
      },
      body: `_csrf=${browser.csrf}&${fields}`,
    });
    expect(got.status).toBe(413);
    expect(problem(got).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['a status link', '/status/%E0%A4%A', {}],
    ['a verify link', '/verify/%ED%A0%80', {}],
    ['the staff API', '/api/v1/staff/requests/%FF', { authorization: '' }],
    ['a callback', '/api/v1/callbacks/%C0%AF', {}],
  ])('%s whose path does not percent-decode → 404 (was 500)', async (_label, path, headers) => {
    const method = path.startsWith('/api/v1/callbacks') ? 'POST' : 'GET';
    const auth = 'authorization' in headers ? { authorization: bearer } : {};
    const got = await f.client.send({ method, path, headers: { accept: 'text/html', ...auth } });
    expect(got.status).toBe(404);
  });

  it('an unknown field in a JSON body → errors[].path names that field (was "(body)"), nested ones with their path', async () => {
    const got = await f.client.send({
      method: 'POST',
      path: '/api/v1/requests',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'rectify',
        law: 'gdpr',
        email: 'a@example.org',
        isAdmin: true,
        corrections: [{ field: 'name', value: 'A', x: 1 }],
      }),
    });
    expect(got.status).toBe(400);
    const paths = problem(got).errors!.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['isAdmin', 'corrections.0.x']));
    expect(paths).not.toContain('(body)');
  });

  it('a JSON API given a urlencoded form (a cross-site form can send one) → 415 (was 202, and the request was stored)', async () => {
    const before = await f.snapshot();
    const got = await f.client.send({
      method: 'POST',
      path: '/api/v1/requests',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'type=access&law=gdpr&email=forged%40example.org',
    });
    expect(got.status).toBe(415);
    expect(changedTables(before, await f.snapshot())).toEqual([]);
  });

  it('a NUL character in a sign-in email, a note, an extension reason or a support search → 400 naming the field (was 500 on PostgreSQL)', async () => {
    const filed = await fileVerified(f.rt);
    const version = (await findByReference(f.rt.database.db, filed.reference)).version;
    const before = await f.snapshot();
    const answers = [
      [
        'email',
        await json('/api/v1/staff/login', { email: 'dpo\u0000@example.org', password: 'x-password-123' }),
      ],
      [
        'message',
        await json(`/api/v1/staff/requests/${filed.reference}/note`, { version, message: 'a\u0000b' }),
      ],
      [
        'reason',
        await json(`/api/v1/staff/requests/${filed.reference}/extend`, {
          version,
          reason: 'more time\u0000 please',
        }),
      ],
      [
        'q',
        await f.client.send({
          method: 'GET',
          path: '/api/v1/staff/support?q=a%00@example.org',
          headers: { authorization: bearer },
        }),
      ],
    ] as const;
    for (const [field, got] of answers) {
      expect(got.status, got.text.slice(0, 200)).toBe(400);
      expect(problem(got).errors!.map((e) => e.path)).toContain(field);
    }
    expect(changedTables(before, await f.snapshot(), attemptCounters.rateLimits)).toEqual([]);
  });

  it('a NUL character in the subject’s reply on the status page → 400 page (was 500 on PostgreSQL), nothing stored', async () => {
    const awaiting = await fileVerified(f.rt, { type: 'erase', law: 'uk-gdpr' });
    await staffAct(f.rt, bearer, awaiting.reference, 'request-info', { message: 'Which account?' });
    const page = await openBrowser(f.client, `/status/${awaiting.statusToken}`);
    const version = (await findByReference(f.rt.database.db, awaiting.reference)).version;
    const before = await f.snapshot();
    const got = await f.client.send({
      method: 'POST',
      path: `/status/${awaiting.statusToken}/reply`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: page.cookie,
        accept: 'text/html',
      },
      body: `_csrf=${encodeURIComponent(page.csrf)}&version=${version}&reply=a%00b`,
    });
    expect(got.status).toBe(400);
    expect(changedTables(before, await f.snapshot(), attemptCounters.rateLimits)).toEqual([]);
  });

  it('a signed callback whose records hold a NUL, for a waiting task → 400 and the task still waits (was 500 on PostgreSQL)', async () => {
    const filed = await fileVerified(f.rt);
    const now = new Date();
    const taskId = randomUUID();
    const db = f.rt.database.db;
    await insertTasks(db, [
      { id: taskId, requestId: filed.id, source: 'demo_newsletter', action: 'access', now },
    ]);
    await startAttempt(db, taskId, now, now);
    await settleTask(db, taskId, ['running'], { status: 'waiting' }, now);
    const text = JSON.stringify({
      reference: filed.reference,
      action: 'access',
      status: 'done',
      records: { subscriptions: [{ list: 'weekly\u0000' }] },
    });
    const got = await f.client.send({
      method: 'POST',
      path: '/api/v1/callbacks/demo_newsletter',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signBody(demoNewsletterSecret(f.rt.config.secretKey), text, new Date()),
      },
      body: text,
    });
    expect(got.status, got.text).toBe(400);
    // Named where it is (a fuzz run once got "(body)", which names no field).
    expect(JSON.parse(got.text).errors).toContainEqual({
      path: 'records.subscriptions.0.list',
      message: 'must not contain the NUL character (U+0000)',
    });
    expect((await findTask(db, taskId))!.status).toBe('waiting');
  });
});
