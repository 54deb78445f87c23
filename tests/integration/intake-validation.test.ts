import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countRows,
  findByReference,
  generousLimits,
  openPage,
  postForm,
  quietSweep,
  referenceFromRedirect,
  referenceShape,
  submitApi,
  submitForm,
  waitForMail,
} from '../helpers/intake.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

const valid = { type: 'access', law: 'gdpr', email: 'valid@example.org' };
const hostile = '<script>alert(1)</script>';

describe('intake: invalid, forged and hostile submissions', () => {
  let sink: SmtpSink;
  let rt: TestRuntime;

  beforeAll(async () => {
    sink = await startSmtpSink();
    rt = await createTestRuntime({
      env: { ...generousLimits, ...quietSweep, SMTP_URL: sink.url },
      now: () => new Date('2026-01-09T18:00:00.000Z'),
    });
  });
  afterAll(async () => {
    await rt.dispose();
    await sink.close();
  });

  const invalidBodies: [string, Record<string, unknown>, string][] = [
    ['type missing', { law: 'gdpr', email: 'a@example.org' }, 'type'],
    ['unknown type', { ...valid, type: 'delete_everything' }, 'type'],
    ['unknown law', { ...valid, law: 'mars' }, 'law'],
    ['email not an address', { ...valid, email: 'not-an-email' }, 'email'],
    ['email over 254 characters', { ...valid, email: `${'a'.repeat(250)}@example.org` }, 'email'],
    ['email with a control character', { ...valid, email: 'a\u0000b@example.org' }, 'email'],
    ['unknown field', { ...valid, isAdmin: true }, 'isAdmin'],
    ['rectify without corrections', { ...valid, type: 'rectify' }, 'corrections'],
    ['rectify with empty corrections', { ...valid, type: 'rectify', corrections: [] }, 'corrections'],
    [
      'correction with an unknown key',
      { ...valid, type: 'rectify', corrections: [{ field: 'a', value: 'b', x: 1 }] },
      'corrections.0.x',
    ],
    [
      '21 corrections',
      { ...valid, type: 'rectify', corrections: Array(21).fill({ field: 'a', value: 'b' }) },
      'corrections',
    ],
    ['name with a NUL', { ...valid, name: 'Ana\u0000Nowak' }, 'name'],
    ['name with an escape character', { ...valid, name: 'Ana\u001b[31m' }, 'name'],
    ['name over 200 characters', { ...valid, name: 'x'.repeat(201) }, 'name'],
    ['details over 5000 characters', { ...valid, details: 'x'.repeat(5001) }, 'details'],
    ['details with a bell character', { ...valid, details: 'ring\u0007' }, 'details'],
    ['locale not a language code', { ...valid, locale: 'english' }, 'locale'],
    ['name not a string', { ...valid, name: { first: 'Ana' } }, 'name'],
  ];

  for (const [label, body, path] of invalidBodies) {
    it(`API: ${label} → 400 problem+json naming "${path}", nothing stored or sent`, async () => {
      const before = await countRows(rt.database.db);
      const res = await submitApi(rt.app, body).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(Array.isArray(res.body.errors)).toBe(true);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      for (const e of res.body.errors) expect(Object.keys(e).sort()).toEqual(['message', 'path']);
      expect(await countRows(rt.database.db)).toEqual(before);
    });
  }

  it('API: details with line breaks and tabs, a name with accents → accepted', async () => {
    const res = await submitApi(rt.app, { ...valid, name: 'Zoë Ł. Ñúñez', details: 'line 1\r\n\tline 2' });
    expect(res.status).toBe(202);
    const row = await findByReference(rt.database.db, res.body.reference);
    expect(row.details).toBe('line 1\r\n\tline 2');
  });

  it('API: broken JSON → 400 BAD_JSON; JSON array → 400; nothing stored', async () => {
    const before = await countRows(rt.database.db);
    const broken = await request(rt.app)
      .post('/api/v1/requests')
      .set('Content-Type', 'application/json')
      .send('{"type":"access",');
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('BAD_JSON');
    await submitApi(rt.app, [valid]).expect(400);
    expect(await countRows(rt.database.db)).toEqual(before);
  });

  it('API: body over 64 KB → 413 problem+json, nothing stored', async () => {
    const before = await countRows(rt.database.db);
    const res = await submitApi(rt.app, { ...valid, details: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await countRows(rt.database.db)).toEqual(before);
  });

  it('form: body over 64 KB → 413 page, nothing stored', async () => {
    const before = await countRows(rt.database.db);
    const res = await submitForm(rt.app, {
      type: 'access',
      region: 'eu',
      email: 'big@example.org',
      details: 'x'.repeat(70 * 1024),
    });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(await countRows(rt.database.db)).toEqual(before);
  });

  it('form: CSRF token missing, cookie missing, or from another browser → 403, nothing stored or sent', async () => {
    const before = await countRows(rt.database.db);
    const fields = { type: 'access', region: 'eu', email: 'csrf@example.org' };
    const page = await openPage(rt.app, '/');
    const other = await openPage(rt.app, '/');
    const noToken = await postForm(rt.app, '/requests', fields, { cookie: page.cookie, csrf: '' });
    expect(noToken.status).toBe(403);
    expect(noToken.headers['content-type']).toMatch(/^text\/html/);
    expect((await postForm(rt.app, '/requests', fields, null)).status).toBe(403);
    expect((await postForm(rt.app, '/requests', fields, { cookie: '', csrf: page.csrf })).status).toBe(403);
    expect(
      (await postForm(rt.app, '/requests', fields, { cookie: other.cookie, csrf: page.csrf })).status,
    ).toBe(403);
    expect(await countRows(rt.database.db)).toEqual(before);
  });

  it('form: honeypot filled → the same 303 to the received page, nothing stored, nothing sent', async () => {
    const before = await countRows(rt.database.db);
    const bot = await submitForm(rt.app, {
      type: 'access',
      region: 'eu',
      email: 'bot@example.org',
      website: 'http://spam.example',
    });
    const human = await submitForm(rt.app, { type: 'access', region: 'eu', email: 'human@example.org' });
    expect(bot.status).toBe(303);
    expect(bot.status).toBe(human.status);
    const shape = (location: string | undefined) => location?.replace(/RD-[A-Z0-9]{4}-[A-Z0-9]{4}/, 'REF');
    expect(shape(bot.headers.location)).toBe(shape(human.headers.location));
    expect(referenceFromRedirect(bot.headers.location)).toMatch(referenceShape);
    const after = await countRows(rt.database.db);
    expect(after.requests - before.requests).toBe(1); // the human's only
    expect(after.outbox - before.outbox).toBe(1);
    await waitForMail(sink, 'human@example.org', /Confirm/);
    expect(sink.messages.some((m) => m.text?.includes(referenceFromRedirect(bot.headers.location)))).toBe(
      false,
    );
  });

  it('form: invalid email and no region → 400 re-render with error summary, aria-invalid and the values kept', async () => {
    const before = await countRows(rt.database.db);
    const res = await submitForm(rt.app, {
      type: 'rectify',
      email: 'not-an-email',
      name: 'Ana Nowak',
      details: 'my account 42',
      correctionField: ['Surname', ''],
      correctionValue: ['Kowalska', ''],
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.text;
    expect(html).toMatch(/<div class="error-summary" role="alert"[^>]*>/);
    const summary = html.slice(
      html.indexOf('error-summary'),
      html.indexOf('</div>', html.indexOf('error-summary')),
    );
    // Links to the fields in form order: region before email.
    expect([...summary.matchAll(/href="#([a-z]+-field)"/g)].map((m) => m[1])).toEqual([
      'region-field',
      'email-field',
    ]);
    expect(html).toContain('id="region-field"');
    expect(html).toMatch(/<input type="email" id="email"[^>]*value="not-an-email"[^>]*aria-invalid="true"/);
    expect(html).toContain('id="email-error"');
    expect(html).toMatch(/<input type="text" id="name"[^>]*value="Ana Nowak"/);
    expect(html).not.toMatch(/id="name"[^>]*aria-invalid/);
    expect(html).toContain('>my account 42</textarea>');
    expect(html).toMatch(/id="type-rectify" value="rectify"[^>]*checked/);
    expect(html).toMatch(/id="correction-field-1"[^>]*value="Surname"/);
    expect(html).toMatch(/id="correction-value-1"[^>]*value="Kowalska"/);
    expect(html).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{20,}"/);
    expect(await countRows(rt.database.db)).toEqual(before);
  });

  it('form: rectify without any correction row → 400, the corrections error, other values kept', async () => {
    const before = await countRows(rt.database.db);
    const res = await submitForm(rt.app, {
      type: 'rectify',
      region: 'uk',
      email: 'Rect@Example.org',
      name: 'Bo',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('href="#corrections-field"');
    expect(res.text).toContain('id="corrections-error"');
    expect(res.text).toMatch(/id="region-uk" value="uk"[^>]*checked/);
    expect(res.text).toMatch(/id="email"[^>]*value="rect@example.org"/i);
    expect(await countRows(rt.database.db)).toEqual(before);
  });

  it('form: a control character or 201 characters in the name → 400 with the name marked invalid, nothing stored', async () => {
    const before = await countRows(rt.database.db);
    for (const name of ['Ana\u0000Nowak', 'x'.repeat(201)]) {
      const res = await submitForm(rt.app, { type: 'access', region: 'eu', email: 'ctl@example.org', name });
      expect(res.status).toBe(400);
      expect(res.text).toContain('href="#name-field"');
      expect(res.text).toMatch(/id="name"[^>]*aria-invalid="true"/);
    }
    expect(await countRows(rt.database.db)).toEqual(before);
  });

  it('form: <script> in name, details and corrections → escaped on the re-rendered page', async () => {
    const res = await submitForm(rt.app, {
      type: 'rectify',
      region: 'eu',
      email: 'bad',
      name: hostile,
      details: `</textarea>${hostile}`,
      correctionField: ['"><img src=x onerror=alert(1)>'],
      correctionValue: [hostile],
    });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).not.toContain('<img src=x');
    expect(res.text).not.toContain('</textarea><script');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  });

  it('API: <script> in the name → stored as typed, escaped in the HTML email', async () => {
    const email = 'hostile@example.org';
    const res = await submitApi(rt.app, { ...valid, email, name: hostile }).expect(202);
    expect((await findByReference(rt.database.db, res.body.reference)).subjectName).toBe(hostile);
    const mail = await waitForMail(sink, email, /Confirm/);
    expect(mail.html).toBeTruthy();
    expect(String(mail.html)).not.toContain('<script>');
    expect(String(mail.html)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.text).toContain(`Hello ${hostile},`);
  });

  it('received page with a forged ?ref= → the reference is not echoed', async () => {
    const res = await request(rt.app)
      .get(`/requests/received?ref=${encodeURIComponent(hostile)}`)
      .expect(200);
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).not.toContain('Your reference is');
  });
});
