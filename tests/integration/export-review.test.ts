import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestEvents } from '../../src/audit/audit-service.ts';
import { downloadUrl } from '../../src/exports/download-link.ts';
import { runExportBuild } from '../../src/exports/export-build.ts';
import { listTasks } from '../../src/fulfilment/tasks-repo.ts';
import {
  bundlesOf,
  codeIn,
  downloadPathIn,
  fileVerifiedAccess,
  mailsOf,
  openDownload,
  sha256,
} from '../helpers/exports.ts';
import { findByReference, generousLimits, pageText } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// EXPORT_REVIEW=on: the DPO previews each bundle and releases it; nothing reaches the subject before.
// Also: a build that fails past its retries leaves the request failed, and staff can recover it.
let rt: TestRuntime;
let dpo: string;

beforeAll(async () => {
  rt = await createTestRuntime({ env: { ...generousLimits, EXPORT_REVIEW: 'on' } });
  dpo = await bearerFor(rt, await createStaff(rt, { role: 'dpo' }));
});
afterAll(async () => {
  await rt?.dispose();
});

const staff = (method: 'get' | 'post', url: string, body?: object) => {
  const req = request(rt.app)[method](`/api/v1/staff/requests/${url}`).set('Authorization', dpo);
  return body ? req.send(body) : req;
};
const statusOf = async (reference: string) => (await findByReference(rt.database.db, reference)).status;
const linksIn = async (requestId: string) =>
  (await mailsOf(rt, requestId)).map((m) => downloadPathIn(m.text)).filter(Boolean);

/** An approved access request whose bundle waits for review. */
async function awaitingReview(email: string) {
  const { reference, id } = await fileVerifiedAccess(rt, email);
  await staff('post', `${reference}/approve`, { version: 2 }).expect(200);
  const bundle = await eventually(async () => (await bundlesOf(rt, id))[0]);
  return { reference, id, bundle };
}

describe('export review (EXPORT_REVIEW=on)', () => {
  it('no link before release: the bundle waits, the request stays processing; the DPO previews, then releases', async () => {
    const { reference, id, bundle } = await awaitingReview('review-1@example.org');
    expect(bundle.releasedAt).toBeNull();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await statusOf(reference)).toBe('processing');
    expect(await linksIn(id)).toEqual([]);
    expect((await mailsOf(rt, id)).some((m) => /is complete/.test(m.subject))).toBe(false);

    // Even a correctly signed link to it shows "not ready" and sends no code.
    const early = downloadUrl(rt.config, bundle.id, bundle.expiresAt).replace(rt.config.publicUrl, '');
    const d = await openDownload(rt.app, early);
    expect(d.page.status).toBe(200);
    expect(pageText(d.page.html)).toMatch(/Your data is not ready yet/);
    expect(d.page.html).not.toContain('Email me a code');
    const before = (await mailsOf(rt, id)).length;
    await d.post('/code');
    expect(await mailsOf(rt, id)).toHaveLength(before);

    const list = await staff('get', `${reference}/exports`).expect(200);
    expect(list.body).toMatchObject({ review: true, items: [{ id: bundle.id, state: 'awaiting_review' }] });
    const preview = await staff('get', `${reference}/exports/${bundle.id}/preview`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(sha256(preview.body as Buffer)).toBe(bundle.sha256);

    const released = await staff('post', `${reference}/exports/${bundle.id}/release`).expect(200);
    expect(released.body).toMatchObject({ id: bundle.id, state: 'released', releasedAt: expect.any(String) });
    expect(await statusOf(reference)).toBe('completed');
    const [link] = await linksIn(id);
    expect(link).toBeDefined();
    const completion = (await mailsOf(rt, id)).find((m) => /is complete/.test(m.subject))!;
    expect(downloadPathIn(completion.text)).toBe(link);
    const kinds = (await listRequestEvents(rt.database.db, id)).map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['export.previewed', 'export.released', 'request.complete']),
    );

    const open = await openDownload(rt.app, link!);
    expect(open.page.status).toBe(200);
    await open.post('/code');
    const code = codeIn((await mailsOf(rt, id)).at(-1)!.text)!;
    const zip = await open.download(code);
    expect(zip.status).toBe(200);
    expect(sha256(zip.body as Buffer)).toBe(bundle.sha256);

    const again = await staff('post', `${reference}/exports/${bundle.id}/release`);
    expect(again.status).toBe(409);
  });

  it('revoked before release → rebuild → a new bundle for review; a new copy asked by the subject also waits for release', async () => {
    const { reference, id, bundle } = await awaitingReview('review-2@example.org');
    await staff('post', `${reference}/exports/${bundle.id}/revoke`).expect(200);
    expect((await staff('post', `${reference}/exports/${bundle.id}/release`)).status).toBe(410);
    expect(await statusOf(reference)).toBe('processing');

    await staff('post', `${reference}/exports/rebuild`).expect(202);
    const second = await eventually(async () => (await bundlesOf(rt, id))[1]);
    expect(second.releasedAt).toBeNull();
    expect((await staff('post', `${reference}/exports/rebuild`)).status).toBe(409);
    await staff('post', `${reference}/exports/${second.id}/release`).expect(200);
    expect(await statusOf(reference)).toBe('completed');
    const [link] = await linksIn(id);

    // The DPO withdraws the released link; the subject asks for a new copy: built, held for review.
    await staff('post', `${reference}/exports/${second.id}/revoke`).expect(200);
    const d = await openDownload(rt.app, link!);
    expect(d.page.status).toBe(410);
    const asked = await d.post('/copy');
    expect(asked.status).toBe(202);
    const third = await eventually(async () => (await bundlesOf(rt, id))[2]);
    expect(third.releasedAt).toBeNull();
    expect(await linksIn(id)).toHaveLength(1);
    await staff('post', `${reference}/exports/${third.id}/release`).expect(200);
    const mails = await mailsOf(rt, id);
    const copy = mails.find((m) => /is ready to download/.test(m.subject))!;
    expect(copy).toBeDefined();
    expect(mails.filter((m) => /is complete/.test(m.subject))).toHaveLength(1);
    const nd = await openDownload(rt.app, downloadPathIn(copy.text)!);
    expect(nd.page.status).toBe(200);
  });

  it('a build failing past its retries → request failed (stage export); a staff retry alone builds it again', async () => {
    const { reference, id } = await fileVerifiedAccess(rt, 'review-3@example.org');
    // A plain file where the store wants this request's directory: every write of its bundle fails.
    const blocker = path.join(rt.config.dataDir, 'exports', id);
    mkdirSync(path.dirname(blocker), { recursive: true });
    writeFileSync(blocker, 'not a directory');
    try {
      await staff('post', `${reference}/approve`, { version: 2 }).expect(200);
      await eventually(async () => (await listTasks(rt.database.db, id)).every((t) => t.status === 'done'));
      // Attempts before the last ask pg-boss to retry; the last one gives up.
      await expect(runExportBuild(rt.exports, id, 0)).rejects.toThrow(/will retry/);
      expect(await statusOf(reference)).toBe('processing');
      expect(await runExportBuild(rt.exports, id, rt.exports.retryLimit)).toBe('failed');
      expect(await statusOf(reference)).toBe('failed');
      expect(await bundlesOf(rt, id)).toHaveLength(0);
      const events = await listRequestEvents(rt.database.db, id);
      expect(events.find((e) => e.kind === 'request.fail')?.data).toMatchObject({ stage: 'export' });
      expect(events.some((e) => e.kind === 'export.failed')).toBe(true);
      // A stray job for a request no longer processing does nothing.
      expect(await runExportBuild(rt.exports, id, 0)).toBe('skipped');
    } finally {
      rmSync(blocker, { force: true });
    }
    const version = (await findByReference(rt.database.db, reference)).version;
    await staff('post', `${reference}/retry`, { version }).expect(200);
    const bundle = await eventually(async () => (await bundlesOf(rt, id))[0]);
    await staff('post', `${reference}/exports/${bundle.id}/release`).expect(200);
    expect(await statusOf(reference)).toBe('completed');
  });
});
