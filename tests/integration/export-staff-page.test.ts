import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestEvents } from '../../src/audit/audit-service.ts';
import { bundlesOf, fileVerifiedAccess, sha256 } from '../helpers/exports.ts';
import { findByReference, generousLimits, pageText } from '../helpers/intake.ts';
import { browserSessionFor, type StaffBrowser } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// The "Export bundles" section of the DPO's request page (EXPORT_REVIEW=on: each bundle waits for release).
let rt: TestRuntime;
let dpo: StaffBrowser;
let support: StaffBrowser;

beforeAll(async () => {
  rt = await createTestRuntime({ env: { ...generousLimits, EXPORT_REVIEW: 'on' } });
  dpo = await browserSessionFor(rt, 'dpo');
  support = await browserSessionFor(rt, 'support');
});
afterAll(async () => {
  await rt?.dispose();
});

const open = (browser: StaffBrowser, reference: string, query = '') =>
  browser.agent.get(`/staff/requests/${reference}${query}`).set('Accept', 'text/html');

const post = (browser: StaffBrowser, path: string, fields: Record<string, string> = {}) =>
  browser.agent
    .post(`/staff/requests/${path}`)
    .type('form')
    .set('Accept', 'text/html')
    .send({ _csrf: browser.csrf, ...fields });

const statusOf = async (reference: string) => (await findByReference(rt.database.db, reference)).status;
const exportsSection = (html: string) => {
  const start = html.indexOf('id="exports"');
  expect(start, 'section #exports').toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
};

/** An access request approved through the page's form, whose bundle waits for release. */
async function awaitingReview(email: string) {
  const { reference, id } = await fileVerifiedAccess(rt, email);
  await post(dpo, `${reference}/approve`, { version: '2' }).expect(303);
  const bundle = await eventually(async () => (await bundlesOf(rt, id))[0]);
  return { reference, id, bundle };
}

describe('export bundles on the DPO’s request page', () => {
  it('lists the bundle awaiting review with Preview, Release and Revoke; the Preview link streams the ZIP', async () => {
    const { reference, id, bundle } = await awaitingReview('page-export-1@example.org');
    const page = await open(dpo, reference).expect(200);
    const html = exportsSection(page.text);
    expect(html).toContain('<caption>');
    expect(html).toContain('<th scope="col">State</th>');
    expect(pageText(html)).toMatch(/Bundle 1 .*Awaiting your release/);
    const base = `/staff/requests/${reference}/exports/${bundle.id}`;
    expect(html).toContain(`href="${base}/preview"`);
    expect(html).toContain(`action="${base}/release"`);
    expect(html).toContain(`action="${base}/revoke"`);
    expect(html).toContain('Release bundle 1 to the subject');
    expect(html).not.toContain('/exports/rebuild');

    const zip = await dpo.agent
      .get(`${base}/preview`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200)
      .expect('Content-Type', 'application/zip');
    const bytes = zip.body as Buffer;
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(sha256(bytes)).toBe(bundle.sha256);
    const kinds = (await listRequestEvents(rt.database.db, id)).map((e) => e.kind);
    expect(kinds).toContain('export.previewed');
  });

  it('Release through the form → 303 with a notice, the request completes; releasing again → 409 on the page', async () => {
    const { reference, bundle } = await awaitingReview('page-export-2@example.org');
    const res = await post(dpo, `${reference}/exports/${bundle.id}/release`).expect(303);
    expect(res.headers.location).toBe(`/staff/requests/${reference}?done=export-release#exports`);
    expect(await statusOf(reference)).toBe('completed');
    const page = await open(dpo, reference, '?done=export-release').expect(200);
    expect(pageText(page.text)).toContain('Export released');
    const html = exportsSection(page.text);
    expect(pageText(html)).toMatch(/Released/);
    expect(html).not.toContain(`/exports/${bundle.id}/release"`);
    expect(html).toContain(`/exports/${bundle.id}/revoke"`);

    const again = await post(dpo, `${reference}/exports/${bundle.id}/release`).expect(409);
    expect(pageText(again.text)).toContain('This export was already released.');
  });

  it('Revoke through the form → bundle revoked, Rebuild offered; revoking again → 409 with the problem', async () => {
    const { reference, id, bundle } = await awaitingReview('page-export-3@example.org');
    await post(dpo, `${reference}/exports/${bundle.id}/revoke`).expect(303);
    const [row] = await bundlesOf(rt, id);
    expect(row!.revokedAt).not.toBeNull();
    const page = await open(dpo, reference, '?done=export-revoke').expect(200);
    const html = exportsSection(page.text);
    expect(pageText(html)).toMatch(/Revoked/);
    expect(html).not.toContain(`/exports/${bundle.id}/release"`);
    expect(html).not.toContain(`/exports/${bundle.id}/revoke"`);
    expect(html).toContain(`action="/staff/requests/${reference}/exports/rebuild"`);

    const again = await post(dpo, `${reference}/exports/${bundle.id}/revoke`).expect(409);
    expect(pageText(again.text)).toContain('This export was already revoked or deleted.');

    await post(dpo, `${reference}/exports/rebuild`).expect(303);
    await eventually(async () => (await bundlesOf(rt, id))[1]);
  });

  it('support → 403 on the page, the preview and every form; no CSRF token → 403', async () => {
    const { reference, id, bundle } = await awaitingReview('page-export-4@example.org');
    const base = `${reference}/exports/${bundle.id}`;
    await open(support, reference).expect(403);
    await support.agent.get(`/staff/requests/${base}/preview`).expect(403);
    await post(support, `${base}/release`).expect(403);
    await post(support, `${base}/revoke`).expect(403);
    await post(support, `${reference}/exports/rebuild`).expect(403);
    for (const action of ['release', 'revoke']) {
      await dpo.agent
        .post(`/staff/requests/${base}/${action}`)
        .type('form')
        .set('Accept', 'text/html')
        .send({})
        .expect(403);
    }
    const [row] = await bundlesOf(rt, id);
    expect(row).toMatchObject({ releasedAt: null, revokedAt: null });
    expect(await statusOf(reference)).toBe('processing');
  });
});
