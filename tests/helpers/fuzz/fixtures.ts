import { asc, eq } from 'drizzle-orm';
import request from 'supertest';
import { outbox } from '../../../src/db/schema.ts';
import { runExportBuild } from '../../../src/exports/export-build.ts';
import { runTask } from '../../../src/fulfilment/task-runner.ts';
import { listTasks } from '../../../src/fulfilment/tasks-repo.ts';
import { unsubscribeToken } from '../../../src/suppression/suppression-service.ts';
import { bundlesOf } from '../exports.ts';
import { findByReference } from '../intake.ts';
import { bearerFor, createStaff, type StaffAccount } from '../staff.ts';
import type { TestRuntime } from '../test-runtime.ts';
import { cookiesOf, type RawClient } from './client.ts';

/*
 * Requests in the states the fuzz needs (unverified, pending review, awaiting the subject, completed
 * with a released export), made through the real HTTP API and the same functions the workers run, in
 * a runtime without a worker: nothing moves in the background while the fuzz compares snapshots.
 */

export type Filed = {
  reference: string;
  id: string;
  email: string;
  /** The token of the verification link (none for opt-outs). */
  verifyToken: string | undefined;
  statusToken: string;
};

let counter = 0;

const linkToken = (text: string, kind: 'verify' | 'status' | 'download') =>
  new RegExp(`/${kind}/([A-Za-z0-9_.-]+)`).exec(text)?.[1];

async function mailsOf(rt: TestRuntime, requestId: string) {
  return rt.database.db
    .select()
    .from(outbox)
    .where(eq(outbox.requestId, requestId))
    .orderBy(asc(outbox.createdAt));
}

export async function fileRequest(
  rt: TestRuntime,
  body: Record<string, unknown> = { type: 'access', law: 'gdpr' },
): Promise<Filed> {
  const email = `fuzz-subject-${++counter}@example.org`;
  const res = await request(rt.app)
    .post('/api/v1/requests')
    .send({ ...body, email });
  if (res.status !== 202) throw new Error(`filing failed: ${res.status} ${res.text}`);
  const row = await findByReference(rt.database.db, res.body.reference);
  const [mail] = await mailsOf(rt, row.id);
  const statusToken = linkToken(mail?.text ?? '', 'status');
  if (!statusToken) throw new Error(`no status link for ${row.reference}`);
  return {
    reference: row.reference,
    id: row.id,
    email,
    verifyToken: linkToken(mail?.text ?? '', 'verify'),
    statusToken,
  };
}

export async function fileVerified(rt: TestRuntime, body?: Record<string, unknown>): Promise<Filed> {
  const filed = await fileRequest(rt, body);
  const res = await request(rt.app).post('/api/v1/verifications').send({ token: filed.verifyToken });
  if (res.status !== 200) throw new Error(`verification failed: ${res.status} ${res.text}`);
  return filed;
}

export async function staffAct(
  rt: TestRuntime,
  bearer: string,
  reference: string,
  action: string,
  body: Record<string, unknown> = {},
) {
  const { version } = await findByReference(rt.database.db, reference);
  const res = await request(rt.app)
    .post(`/api/v1/staff/requests/${reference}/${action}`)
    .set('Authorization', bearer)
    .send({ version, ...body });
  if (res.status !== 200) throw new Error(`${action} ${reference}: ${res.status} ${res.text}`);
}

/** A verified access request approved, its tasks run and its export built and released: the download link. */
export async function deliveredExport(rt: TestRuntime, bearer: string) {
  const filed = await fileVerified(rt, { type: 'access', law: 'gdpr' });
  await staffAct(rt, bearer, filed.reference, 'approve');
  for (const task of await listTasks(rt.database.db, filed.id)) await runTask(rt.fulfilment, task.id, 0);
  const outcome = await runExportBuild(rt.exports, filed.id, 0);
  if (outcome !== 'built') throw new Error(`export of ${filed.reference}: ${outcome}`);
  const mails = await mailsOf(rt, filed.id);
  const downloadToken = mails.map((m) => linkToken(m.text, 'download')).find(Boolean);
  if (!downloadToken) throw new Error(`no download link for ${filed.reference}`);
  const { status } = await findByReference(rt.database.db, filed.reference);
  return { ...filed, downloadToken, status };
}

/** The ids both staff fuzz files fuzz path parameters and bodies with. */
export type StaffFuzzIds = {
  dpoId: string;
  /** References of requests in several states (unverified, pending review, awaiting, completed…). */
  references: string[];
  bundleIds: string[];
};

/**
 * A DPO (and its API bearer) and a request in each state the staff pages and API treat differently:
 * the setup the staff JSON API fuzz and the staff form fuzz share. `correctedName` is the name the
 * rectify request asks for.
 */
export async function staffFuzzRequests(
  rt: TestRuntime,
  correctedName: string,
): Promise<StaffFuzzIds & { dpo: StaffAccount; bearer: string }> {
  const dpo = await createStaff(rt, { role: 'dpo' });
  const bearer = await bearerFor(rt, dpo);
  const awaiting = await fileVerified(rt, { type: 'erase', law: 'uk-gdpr' });
  await staffAct(rt, bearer, awaiting.reference, 'request-info', { message: 'Which account?' });
  const delivered = await deliveredExport(rt, bearer);
  const requests = [
    await fileRequest(rt),
    await fileVerified(rt, { type: 'access', law: 'ccpa' }),
    await fileVerified(rt, { type: 'erase', law: 'gdpr' }),
    await fileVerified(rt, {
      type: 'rectify',
      law: 'gdpr',
      corrections: [{ field: 'name', value: correctedName }],
    }),
    awaiting,
    delivered,
  ];
  const bundleIds = (await bundlesOf(rt, delivered.id)).map((b) => b.id);
  return { dpo, bearer, dpoId: dpo.id, references: requests.map((r) => r.reference), bundleIds };
}

export const unsubscribeTokenFor = (rt: TestRuntime, email: string) =>
  unsubscribeToken(rt.config.secretKey, email);

/** Every rate-limit window forgotten: the fuzz is about inputs, not about how many there are. */
export async function clearRateLimits(rt: TestRuntime): Promise<void> {
  await rt.database.executeSql('delete from rate_limits');
}

/** Opens a page as a new browser would: the CSRF cookie it is given and the page's hidden token. */
export async function openBrowser(
  client: RawClient,
  path = '/',
  cookie?: string,
): Promise<{ cookie: string; csrf: string; status: number }> {
  const got = await client.send({ method: 'GET', path, headers: { accept: 'text/html', cookie } });
  const fresh = cookiesOf(got);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(got.text)?.[1];
  if (!csrf) throw new Error(`no CSRF token on ${path}: ${got.status}`);
  const jar = [...(cookie ? cookie.split('; ') : []), ...fresh];
  return { cookie: jar.join('; '), csrf, status: got.status };
}

/**
 * A staff browser signed in through the login form over the raw client: its cookie header (CSRF and
 * session cookies) and the session-bound token of the staff forms.
 */
export async function staffBrowser(client: RawClient, account: { email: string; password: string }) {
  const login = await openBrowser(client, '/staff/login');
  const body = new URLSearchParams({ _csrf: login.csrf, email: account.email, password: account.password });
  const signedIn = await client.send({
    method: 'POST',
    path: '/staff/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: login.cookie },
    body: body.toString(),
  });
  const session = cookiesOf(signedIn).find((c) => c.startsWith('rd_staff='));
  if (signedIn.status !== 303 || !session)
    throw new Error(`staff login: ${signedIn.status} ${signedIn.text}`);
  return openBrowser(client, '/staff', `${login.cookie}; ${session}`);
}
