import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoNewsletterSecret } from '../../src/fulfilment/demo/demo-sources.ts';
import { createLogger } from '../../src/logger.ts';
import { codeIn, downloadPathIn } from '../helpers/exports.ts';
import { startBouncingSink } from '../helpers/fuzz/bouncing-sink.ts';
import { type RawClient, rawClient } from '../helpers/fuzz/client.ts';
import { openBrowser, staffBrowser, unsubscribeTokenFor } from '../helpers/fuzz/fixtures.ts';
import { createLoggedRuntime, leaksIn } from '../helpers/fuzz/logged-runtime.ts';
import { findByReference, linkIn, waitForMail } from '../helpers/intake.ts';
import type { SmtpSink } from '../helpers/smtp-sink.ts';
import { createStaff } from '../helpers/staff.ts';
import { eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// ASVS 4.0.3 V7.1.1 and V7.1.2: realistic flows with every log line captured at trace level, then
// every line searched for the personal data, passwords, tokens, codes and keys those flows used.
let rt: TestRuntime & { logs: { lines: string[] } };
let sink: SmtpSink;
let server: Server;
let client: RawClient;
/** label → value that must never reach a log line. */
const secrets: Record<string, string> = {};
const keep = (label: string, value: string | undefined) => {
  if (!value) throw new Error(`no value for ${label}`);
  secrets[label] = value;
  // A JWT's signature alone is enough to find a token cut short or re-encoded.
  const parts = value.split('.');
  if (parts.length === 3 && parts[2]!.length >= 20) secrets[`${label} (signature)`] = parts[2]!;
  return value;
};

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const api = () => request(rt.app);
const form = (path: string, browser: { cookie: string; csrf: string }, fields: Record<string, string>) =>
  client.send({
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      cookie: browser.cookie,
    },
    body: new URLSearchParams({ _csrf: browser.csrf, ...fields }).toString(),
  });

/** Files through the API and returns the links of the first email. */
async function file(body: Record<string, unknown>, email: string) {
  const res = await api()
    .post('/api/v1/requests')
    .send({ ...body, email });
  expect(res.status).toBe(202);
  const mail = await waitForMail(sink, email, /privacy request|opted out/);
  const status = keep(`status token of ${email}`, linkIn(mail, 'status').token);
  const verify =
    body.type === 'opt_out' ? undefined : keep(`verify token of ${email}`, linkIn(mail, 'verify').token);
  return { reference: res.body.reference as string, status, verify };
}

const versionOf = async (reference: string) => (await findByReference(rt.database.db, reference)).version;
const statusOf = async (reference: string) => (await findByReference(rt.database.db, reference)).status;

beforeAll(async () => {
  sink = await startBouncingSink();
  const port = await freePort();
  rt = await createLoggedRuntime({
    SMTP_URL: sink.url,
    DEMO_SOURCES: 'on',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    INTAKE_LIMIT_PER_IP: '1000',
    INTAKE_LIMIT_PER_EMAIL: '1000',
  });
  server = rt.app.listen(port, '127.0.0.1');
  client = await rawClient(rt.app);
  keep('SECRET_KEY', rt.config.secretKey);
  keep('demo newsletter secret', demoNewsletterSecret(rt.config.secretKey));
}, 120_000);

afterAll(async () => {
  await client?.close();
  await new Promise((resolve) => server?.close(resolve));
  await rt?.dispose();
  await sink?.close();
});

describe('no personal data or secrets in the logs', () => {
  it('V7.1.1 V7.1.2 intake, verification, staff work, download with a code, callbacks, unsubscribe and errors → not one log line holds an email, name, text, password, token, code or key', async () => {
    // Subjects: one by API, one by the form; the demo people are in the demo sources.
    const lena = keep('subject email (API)', 'lena.kowalska@example.net');
    keep('subject name', 'Lena Kowalska-Wisniewska');
    keep('subject details', 'loyalty card 4929-SECRET-5678');
    const access = await file(
      { type: 'access', law: 'gdpr', name: secrets['subject name'], details: secrets['subject details'] },
      lena,
    );
    const home = await openBrowser(client);
    keep('CSRF form token', home.csrf);
    keep('CSRF cookie', home.cookie.split('=')[1]);
    const marta = keep('subject email (form)', 'marta.nowak@example.net');
    keep('subject name (form)', 'Marta Nowak-Formfield');
    const filed = await form('/requests', home, {
      type: 'rectify',
      region: 'eu',
      email: marta,
      name: secrets['subject name (form)']!,
      correctionField: 'surname',
      correctionValue: keep('correction value', 'Nowak-SECRET-CORRECTION'),
    });
    expect(filed.status).toBe(303);
    const rectify = {
      reference: new URL(String(filed.headers.location), 'http://x').searchParams.get('ref')!,
      verify: keep(
        'verify token (form)',
        linkIn(await waitForMail(sink, marta, /privacy request/), 'verify').token,
      ),
    };

    // Verification: the confirm page, then its form; the other by the JSON API.
    const confirm = await openBrowser(client, `/verify/${access.verify}`, home.cookie);
    expect((await form(`/verify/${access.verify}`, confirm, {})).status).toBe(200);
    await api().post('/api/v1/verifications').send({ token: rectify.verify }).expect(200);
    await client.send({ method: 'GET', path: `/status/${access.status}`, headers: { accept: 'text/html' } });

    // Staff: a wrong password, the API and the form sign-in.
    const dpo = await createStaff(rt, {
      role: 'dpo',
      email: keep('staff email', 'dpo.secretary@example.net'),
      password: keep('staff password', 'Tr0ub4dor&3-very-secret'),
    });
    await api()
      .post('/api/v1/staff/login')
      .send({ email: dpo.email, password: 'not-the-password-123' })
      .expect(401);
    const login = await api().post('/api/v1/staff/login').send({ email: dpo.email, password: dpo.password });
    const bearer = `Bearer ${keep('bearer token', login.body.token)}`;
    const staffPage = await staffBrowser(client, dpo);
    keep('staff session cookie', /rd_staff=([^;]+)/.exec(staffPage.cookie)?.[1]);
    keep('staff form token', staffPage.csrf);
    const act = async (reference: string, action: string, body: Record<string, unknown> = {}) =>
      api()
        .post(`/api/v1/staff/requests/${reference}/${action}`)
        .set('Authorization', bearer)
        .send({ version: await versionOf(reference), ...body })
        .expect(200);

    // Deny one, with words for the subject; a note by the staff form.
    const noted = await form(`/staff/requests/${rectify.reference}/note`, staffPage, {
      version: String(await versionOf(rectify.reference)),
      message: keep('staff note', 'Called Marta: SECRET-NOTE-TEXT'),
    });
    expect(noted.status).toBe(303);
    await act(rectify.reference, 'deny', {
      reason: 'other',
      message: keep('denial text', 'Declined because SECRET-DENIAL-TEXT'),
    });

    // Access: approved, fulfilled by the worker, downloaded with an emailed code.
    await act(access.reference, 'approve');
    const completion = await waitForMail(sink, lena, /is complete|ready to download/);
    const download = downloadPathIn(completion.text ?? '')!;
    keep('download token', download.split('/')[2]);
    const page = await openBrowser(client, download);
    expect((await form(`${download}/code`, page, {})).status).toBe(200);
    const code = keep('download code', codeIn((await waitForMail(sink, lena, /download code/)).text ?? ''));
    expect((await form(download, page, { code: '000000' === code ? '111111' : '000000' })).status).toBe(400);
    const zip = await form(download, page, { code });
    expect(zip.status).toBe(200);

    // A question to a demo person, their answer on the status page, then erasure with the newsletter's callback.
    const grace = keep('demo subject email', 'grace@example.com');
    const erase = await file({ type: 'erase', law: 'gdpr' }, grace);
    await api().post('/api/v1/verifications').send({ token: erase.verify }).expect(200);
    await act(erase.reference, 'request-info', {
      message: keep('question', 'Which account, SECRET-QUESTION?'),
    });
    const statusPage = await openBrowser(client, `/status/${erase.status}`);
    const replied = await form(`/status/${erase.status}/reply`, statusPage, {
      version: String(await versionOf(erase.reference)),
      reply: keep('subject reply', 'The one ending SECRET-REPLY-42'),
    });
    expect(replied.status).toBe(200);
    await act(erase.reference, 'approve');
    await eventually(async () => (await statusOf(erase.reference)) === 'completed', 30_000);

    // Marketing: an opt-out, the send check, the one-click unsubscribe.
    const ada = keep('opt-out email', 'ada@example.com');
    await file({ type: 'opt_out', law: 'ccpa' }, ada);
    await api()
      .post('/api/v1/marketing/recipients')
      .set('Authorization', bearer)
      .send({ emails: [ada, keep('mailer address', 'linus.recipient@example.org')] })
      .expect(200);
    const unsubscribe = keep('unsubscribe token', unsubscribeTokenFor(rt, 'linus.recipient@example.org'));
    await client.send({
      method: 'GET',
      path: `/unsubscribe/${unsubscribe}`,
      headers: { accept: 'text/html' },
    });
    const oneClick = await client.send({
      method: 'POST',
      path: `/unsubscribe/${unsubscribe}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);

    // Errors: a refused body full of personal data, a forged form, a tampered link, a bad bearer.
    await api()
      .post('/api/v1/requests')
      .send({
        type: 'access',
        law: 'mars',
        email: keep('invalid-request email', 'zofia.invalid@example.net'),
      })
      .expect(400);
    await form('/requests', { cookie: '', csrf: 'forged' }, { email: 'zofia.invalid@example.net' });
    await client.send({ method: 'GET', path: `/status/${access.status.slice(0, -3)}AAA` });
    await api().get('/api/v1/staff/requests').set('Authorization', `${bearer}x`).expect(401);
    await client.send({ method: 'GET', path: `/verify/${access.verify}/nothing-here?email=${lena}` });

    // Faults: a mailbox that does not exist (the SMTP answer names it), a query that fails mid-request.
    const bounce = keep('bounced email', 'bounce.kowalski@example.net');
    await api().post('/api/v1/requests').send({ type: 'access', law: 'gdpr', email: bounce }).expect(202);
    await eventually(async () => rt.logs.lines.some((l) => l.includes('mail delivery failed')), 30_000);
    await rt.database.executeSql('alter table requests rename to requests_moved');
    const failed = await api()
      .post('/api/v1/requests')
      .send({
        type: 'access',
        law: 'gdpr',
        email: keep('email in a failed query', 'zed.failedquery@example.net'),
        name: keep('name in a failed query', 'Zed Failedquery-Name'),
      });
    await rt.database.executeSql('alter table requests_moved rename to requests');
    expect(failed.status).toBeGreaterThanOrEqual(500);

    // Sign out both ways; then let the worker deliver everything queued.
    await api().post('/api/v1/staff/logout').set('Authorization', bearer).expect(204);
    expect((await form('/staff/logout', staffPage, {})).status).toBe(303);
    const sessions = await rt.database.executeSql('select id from staff_sessions');
    for (const [i, row] of sessions.rows.entries()) keep(`staff session id ${i}`, String(row.id));
    await eventually(async () => {
      const { rows } = await rt.database.executeSql(
        "select count(*)::int as n from outbox where status = 'pending' and \"to\" not like 'bounce%'",
      );
      return Number(rows[0]?.n) === 0;
    }, 30_000);

    const lines = rt.logs.lines;
    // The logs are not empty: requests, mail, jobs and the callback were all logged.
    const messages = new Set(lines.map((l) => JSON.parse(l).msg as string));
    expect(lines.length).toBeGreaterThan(50);
    for (const msg of [
      'request completed',
      'mail sent',
      'mail delivery failed; will retry',
      'fulfilment task ran',
      'export build ran',
      'unhandled error',
    ]) {
      expect(messages).toContain(msg);
    }
    expect(lines.some((l) => l.includes('/api/v1/callbacks/'))).toBe(true);
    expect(lines.some((l) => l.includes('"statusCode":400'))).toBe(true);
    expect(Object.keys(secrets).length).toBeGreaterThan(30);
    expect(leaksIn(lines, secrets)).toEqual([]);
  }, 120_000);

  it('V7.1.1 the logger censors Authorization, Cookie and Set-Cookie headers and password, token and email fields wherever they are logged', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'trace',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    logger.info({
      req: { headers: { authorization: 'Bearer abc.def.SECRET1', cookie: 'rd_staff=SECRET2' } },
      res: { headers: { 'set-cookie': 'rd_staff=SECRET3; HttpOnly' } },
      login: { password: 'SECRET4', token: 'SECRET5', email: 'secret6@example.org' },
      mail: { to: 'secret7@example.org' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/SECRET|secret6|secret7/);
    expect(lines[0]).toContain('[redacted]');
  });

  it('V7.1.1 requests with Authorization and cookies → logged with method, path and status only', async () => {
    const before = rt.logs.lines.length;
    await client.send({
      method: 'GET',
      path: '/staff?q=someone%40example.org',
      headers: {
        authorization: 'Bearer HEADER-SECRET-1',
        cookie: 'rd_staff=COOKIE-SECRET-2',
        accept: 'text/html',
      },
    });
    const logged = rt.logs.lines.slice(before);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toMatch(/HEADER-SECRET|COOKIE-SECRET|someone/);
    const completed = logged.map((l) => JSON.parse(l)).find((l) => l.msg === 'request completed');
    expect(completed.req).toEqual({ id: expect.any(String), method: 'GET', path: '/staff' });
  });
});
