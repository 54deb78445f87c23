import { existsSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestEvents } from '../../src/audit/audit-service.ts';
import { downloadCodes, exportBundles } from '../../src/db/schema.ts';
import {
  bundlesOf,
  codeIn,
  codesOf,
  downloadPathIn,
  fileVerifiedAccess,
  mailsOf,
  openDownload,
  sha256,
} from '../helpers/exports.ts';
import { findByReference, generousLimits, pageText } from '../helpers/intake.ts';
import { bearerFor, createStaff, type StaffAccount } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// The delivery of an access request's export, end to end on the real builder and file store: the
// worker builds the bundle, the completion email links to it, the subject asks for a code, gets it
// by email and downloads the decrypted ZIP. Only the clock is ours (to expire links).
let rt: TestRuntime;
let offsetMs = 0;
const day = 86_400_000;
const accounts = {} as Record<'dpo' | 'support', StaffAccount>;

beforeAll(async () => {
  rt = await createTestRuntime({ env: generousLimits, now: () => new Date(Date.now() + offsetMs) });
  accounts.dpo = await createStaff(rt, { role: 'dpo' });
  accounts.support = await createStaff(rt, { role: 'support' });
});
afterAll(async () => {
  await rt?.dispose();
});

const api = () => request(rt.app);
// Signed in afresh each time: the clock moves, and sessions expire with it.
const staff = async (role: 'dpo' | 'support', method: 'get' | 'post', url: string, body?: object) => {
  const req = api()
    [method](`/api/v1/staff/requests/${url}`)
    .set('Authorization', await bearerFor(rt, accounts[role]));
  return body ? req.send(body) : req;
};

/** An approved access request whose bundle the worker has built: the request, its bundle and link. */
async function delivered(email: string) {
  const { reference, id } = await fileVerifiedAccess(rt, email);
  expect((await staff('dpo', 'post', `${reference}/approve`, { version: 2 })).status).toBe(200);
  await eventually(async () => (await findByReference(rt.database.db, reference)).status === 'completed');
  const [bundle] = await bundlesOf(rt, id);
  const completion = (await mailsOf(rt, id)).find((m) => /is complete/.test(m.subject))!;
  return { reference, id, bundle: bundle!, completion, link: downloadPathIn(completion.text)! };
}

/** Asks for a code on the page and reads it from the email that arrives. */
async function askCode(d: Awaited<ReturnType<typeof openDownload>>, requestId: string) {
  const before = (await mailsOf(rt, requestId)).length;
  const res = await d.post('/code');
  expect(res.status).toBe(200);
  const mails = await mailsOf(rt, requestId);
  expect(mails).toHaveLength(before + 1);
  const mail = mails.at(-1)!;
  expect(mail.subject).toMatch(/download code/);
  return { res, code: codeIn(mail.text)!, mail };
}

const fileOf = (storageKey: string) => path.join(rt.config.dataDir, storageKey);

describe('export delivery', () => {
  it('approve → bundle built → link in the completion email → code by email → wrong code refused → ZIP streams; a used code is refused', async () => {
    const { reference, id, bundle, completion, link } = await delivered('export-1@example.org');
    expect(bundle).toMatchObject({ releasedAt: expect.any(Date), revokedAt: null, purgedAt: null });
    expect(bundle.expiresAt.getTime() - bundle.createdAt.getTime()).toBe(7 * day);
    expect(existsSync(fileOf(bundle.storageKey))).toBe(true);
    expect(completion.text).toMatch(/ready to download until/);
    expect(link).toMatch(/^\/download\//);
    const events = (await listRequestEvents(rt.database.db, id)).map((e) => e.kind);
    expect(events).toEqual(expect.arrayContaining(['export.built', 'request.complete']));
    const built = (await listRequestEvents(rt.database.db, id)).find((e) => e.kind === 'export.built')!;
    expect(built.data).toMatchObject({ bundleId: bundle.id, size: bundle.size, sha256: bundle.sha256 });
    expect(JSON.stringify(built.data)).not.toContain('@');

    const d = await openDownload(rt.app, link);
    expect(d.page.status).toBe(200);
    const text = pageText(d.page.html);
    expect(text).toContain(reference);
    expect(text).toMatch(/Link valid until/);
    expect(d.page.html).toContain('Email me a code');
    // Opening the page changed nothing: no code, no email.
    expect(await codesOf(rt, bundle.id)).toHaveLength(0);

    // Without the form's CSRF token nothing happens.
    await api().post(`${link}/code`).type('form').send('').expect(403);
    const { res, code, mail } = await askCode(d, id);
    expect(pageText(res.text)).toMatch(/We have emailed you a code/);
    expect(mail.to).toBe('export-1@example.org');
    expect(code).toMatch(/^\d{6}$/);
    const [stored] = await codesOf(rt, bundle.id);
    expect(stored!.codeHash).not.toContain(code);
    expect(stored!.expiresAt.getTime() - stored!.createdAt.getTime()).toBe(15 * 60_000);

    const wrong = code === '000000' ? '111111' : '000000';
    const refused = await d.post('', { code: wrong });
    expect(refused.status).toBe(400);
    expect(pageText(refused.text)).toMatch(/That code is not right. Tries left with this code: 4/);
    expect((await codesOf(rt, bundle.id))[0]!.attempts).toBe(1);
    const malformed = await d.post('', { code: '12ab' });
    expect(malformed.status).toBe(400);
    expect(pageText(malformed.text)).toMatch(/Enter the 6 digits/);

    const zip = await d.download(`${code.slice(0, 3)} ${code.slice(3)}`);
    expect(zip.status).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.headers['content-disposition']).toBe(`attachment; filename="rightsdesk-${reference}.zip"`);
    expect(zip.headers['cache-control']).toBe('no-store');
    expect(Number(zip.headers['content-length'])).toBe(bundle.size);
    const bytes = zip.body as Buffer;
    expect(bytes.length).toBe(bundle.size);
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(sha256(bytes)).toBe(bundle.sha256);
    const downloaded = (await listRequestEvents(rt.database.db, id)).filter(
      (e) => e.kind === 'export.downloaded',
    );
    expect(downloaded.map((e) => e.data)).toEqual([{ bundleId: bundle.id }]);

    const again = await d.download(code);
    expect(again.status).toBe(400);
    expect(again.headers['content-type']).toMatch(/html/);
    expect(pageText(String(again.body))).toMatch(/no valid code/);
  });

  it('a new code voids the previous one; five wrong tries end a code', async () => {
    const { id, bundle, link } = await delivered('export-2@example.org');
    const d = await openDownload(rt.app, link);
    const first = await askCode(d, id);
    const second = await askCode(d, id);
    const codes = await codesOf(rt, bundle.id);
    expect(codes).toHaveLength(2);
    if (first.code !== second.code) {
      const old = await d.post('', { code: first.code });
      expect(old.status).toBe(400);
    }
    for (let i = 0; i < 5; i++) {
      const guess = String((Number(second.code) + 1 + i) % 1_000_000).padStart(6, '0');
      expect((await d.post('', { code: guess })).status).toBe(400);
    }
    const late = await d.download(second.code);
    expect(late.status).toBe(400);
    expect(pageText(String(late.body))).toMatch(/tried too many times|no valid code/);
    // Codes are limited per bundle and hour: the sixth within the hour is refused.
    for (let i = 0; i < 3; i++) expect((await d.post('/code')).status).toBe(200);
    const limited = await d.post('/code');
    expect(limited.status).toBe(429);
    expect(pageText(limited.text)).toMatch(/several codes in the last hour/);
  });

  it('expired link → a clear page offering a new copy → a new link by email, downloadable; one copy per hour', async () => {
    const { reference, id, bundle } = await delivered('export-3@example.org');
    const completion = (await mailsOf(rt, id)).find((m) => /is complete/.test(m.subject))!;
    const link = downloadPathIn(completion.text)!;
    offsetMs += 8 * day;
    try {
      const d = await openDownload(rt.app, link);
      expect(d.page.status).toBe(410);
      expect(pageText(d.page.html)).toMatch(/This download link has expired/);
      expect(d.page.html).toContain(`action="${link}/copy"`);
      expect(d.page.html).not.toContain('Email me a code');
      // The code form of an expired link sends nothing.
      expect((await d.post('/code')).status).toBe(410);

      const asked = await d.post('/copy');
      expect(asked.status).toBe(202);
      expect(pageText(asked.text)).toMatch(/We are preparing a new copy/);
      const fresh = await eventually(async () => (await bundlesOf(rt, id))[1]);
      expect(fresh.id).not.toBe(bundle.id);
      const mail = await eventually(async () =>
        (await mailsOf(rt, id)).find((m) => /is ready to download/.test(m.subject)),
      );
      // The request stays completed: no second completion email.
      expect((await findByReference(rt.database.db, reference)).status).toBe('completed');
      expect((await mailsOf(rt, id)).filter((m) => /is complete/.test(m.subject))).toHaveLength(1);
      const newLink = downloadPathIn(mail.text)!;
      expect(newLink).not.toBe(link);

      const nd = await openDownload(rt.app, newLink);
      expect(nd.page.status).toBe(200);
      const { code } = await askCode(nd, id);
      const zip = await nd.download(code);
      expect(zip.status).toBe(200);
      expect(sha256(zip.body as Buffer)).toBe(fresh.sha256);

      const twice = await d.post('/copy');
      expect(twice.status).toBe(429);
      expect(pageText(twice.text)).toMatch(/less than an hour ago/);
      expect(await bundlesOf(rt, id)).toHaveLength(2);
    } finally {
      offsetMs -= 8 * day;
    }
  });

  it('revoked link → revoked page; support may not touch exports; the DPO previews and lists them', async () => {
    const { reference, id, bundle, link } = await delivered('export-4@example.org');
    const d = await openDownload(rt.app, link);
    const { code } = await askCode(d, id);

    for (const [method, url] of [
      ['get', `${reference}/exports`],
      ['get', `${reference}/exports/${bundle.id}/preview`],
      ['post', `${reference}/exports/${bundle.id}/revoke`],
      ['post', `${reference}/exports/${bundle.id}/release`],
      ['post', `${reference}/exports/rebuild`],
    ] as const) {
      const res = await staff('support', method, url);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }

    const preview = await api()
      .get(`/api/v1/staff/requests/${reference}/exports/${bundle.id}/preview`)
      .set('Authorization', await bearerFor(rt, accounts.dpo))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(preview.status).toBe(200);
    expect(sha256(preview.body as Buffer)).toBe(bundle.sha256);

    const revoked = await staff('dpo', 'post', `${reference}/exports/${bundle.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: bundle.id, state: 'revoked', revokedAt: expect.any(String) });
    expect((await staff('dpo', 'post', `${reference}/exports/${bundle.id}/revoke`)).status).toBe(409);
    const kinds = (await listRequestEvents(rt.database.db, id)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['export.previewed', 'export.revoked']));

    // The code asked for before the revocation no longer downloads anything.
    const refused = await d.download(code);
    expect(refused.status).toBe(410);
    expect(pageText(String(refused.body))).toMatch(/This download link has been withdrawn/);
    const page = await openDownload(rt.app, link);
    expect(page.page.status).toBe(410);
    expect(pageText(page.page.html)).toMatch(/withdrew this link/);
    expect(page.page.html).toContain('Send me a new copy');

    const list = await staff('dpo', 'get', `${reference}/exports`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      reference,
      review: false,
      items: [{ id: bundle.id, state: 'revoked' }],
    });
    expect((await staff('dpo', 'get', 'RD-2222-2222/exports')).status).toBe(404);
    expect((await staff('dpo', 'post', `${reference}/exports/not-a-uuid/revoke`)).status).toBe(404);
  });

  it('purge job: files of expired and revoked bundles leave the disk, rows stay marked; the pages still render', async () => {
    const kept = await delivered('export-5@example.org');
    const revoked = await delivered('export-6@example.org');
    await staff('dpo', 'post', `${revoked.reference}/exports/${revoked.bundle.id}/revoke`);
    const d = await openDownload(rt.app, kept.link);
    await askCode(d, kept.id);

    // Only the revoked one goes now.
    await rt.jobs.enqueue(rt.database.db, 'exports.purge', {});
    await eventually(async () => {
      const [row] = await bundlesOf(rt, revoked.id);
      return row?.purgedAt;
    });
    expect(existsSync(fileOf(revoked.bundle.storageKey))).toBe(false);
    expect(existsSync(fileOf(kept.bundle.storageKey))).toBe(true);

    // A week and a day later every bundle so far has expired: all their files go, codes too.
    offsetMs += 8 * day;
    try {
      await rt.jobs.enqueue(rt.database.db, 'exports.purge', {});
      await eventually(async () => (await bundlesOf(rt, kept.id))[0]?.purgedAt);
      expect(existsSync(fileOf(kept.bundle.storageKey))).toBe(false);
      const open = await rt.database.db
        .select()
        .from(exportBundles)
        .where(eq(exportBundles.requestId, kept.id));
      expect(open[0]!.purgedAt).toBeInstanceOf(Date);
      expect(
        await rt.database.db.select().from(downloadCodes).where(eq(downloadCodes.bundleId, kept.bundle.id)),
      ).toHaveLength(0);
      const purged = (await listRequestEvents(rt.database.db, kept.id)).find(
        (e) => e.kind === 'export.purged',
      );
      expect(purged?.data).toEqual({ bundleId: kept.bundle.id, reason: 'expired' });

      const page = await openDownload(rt.app, kept.link);
      expect(page.page.status).toBe(410);
      expect(pageText(page.page.html)).toMatch(/This download link has expired/);
      const gone = await openDownload(rt.app, revoked.link);
      expect(gone.page.status).toBe(410);
      expect(pageText(gone.page.html)).toMatch(/withdrawn/);
      const preview = await staff('dpo', 'get', `${kept.reference}/exports/${kept.bundle.id}/preview`);
      expect(preview.status).toBe(410);
      expect(preview.body.code).toBe('EXPORT_GONE');
      // Running again is harmless.
      await rt.jobs.enqueue(rt.database.db, 'exports.purge', {});
    } finally {
      offsetMs -= 8 * day;
    }
  });

  it('an invalid or forged link → a readable page, not a storage error', async () => {
    const { link } = await delivered('export-7@example.org');
    const forged = `${link.slice(0, -3)}${link.endsWith('aaa') ? 'bbb' : 'aaa'}`;
    for (const url of ['/download/nonsense', forged]) {
      const res = await api().get(url).set('Accept', 'text/html');
      expect(res.status).toBe(400);
      expect(pageText(res.text)).toMatch(/This link is not valid/);
    }
  });

  it('the staff export API is in the OpenAPI document', async () => {
    const res = await api().get('/api/openapi.json').expect(200);
    const base = '/api/v1/staff/requests/{reference}/exports';
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        base,
        `${base}/rebuild`,
        `${base}/{bundleId}/release`,
        `${base}/{bundleId}/revoke`,
        `${base}/{bundleId}/preview`,
      ]),
    );
    expect(res.body.paths[base].get.responses['403']).toBeDefined();
  });

  it('a duplicate build job for a request with a live bundle builds nothing', async () => {
    const { id } = await delivered('export-8@example.org');
    await rt.jobs.enqueue(rt.database.db, 'exports.build', { requestId: id });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await bundlesOf(rt, id)).toHaveLength(1);
  });
});
