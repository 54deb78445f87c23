import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { type HttpSourceServer, startHttpSource } from '../helpers/http-source.ts';
import { findByReference, generousLimits, pageText, submitApi } from '../helpers/intake.ts';
import {
  productSource,
  type SourceDb,
  seededProductDatabase,
  writeSourcesFile,
} from '../helpers/source-db.ts';
import { browserSessionFor, type StaffBrowser } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// The DPO's request page with real data sources: the product database (a PGlite directory, or a
// fresh PostgreSQL database with TEST_DATABASE_URL), an http "newsletter" system and Rightsdesk itself.

const secret = 'newsletter-shared-secret-0123456789abcdef';
let rt: TestRuntime;
let newsletter: HttpSourceServer;
let sourceDb: SourceDb | undefined;
let dpo: StaffBrowser;
let support: StaffBrowser;

const newsletterSource = (url: string) => ({
  name: 'newsletter',
  kind: 'http',
  url,
  secretEnv: 'NEWSLETTER_SECRET',
  holds: ['contact', 'marketing'],
  actions: ['access', 'erase', 'opt_out'],
  // Generous: the pages show attempt counts ("Done 1"), and a loaded CI machine once took longer than 2 s
  // to answer, so the task ran twice. No test here is about timeouts (failures answer 500 at once).
  timeoutMs: 15_000,
});

beforeAll(async () => {
  newsletter = await startHttpSource({ secret, now: () => new Date() });
  const product = await seededProductDatabase();
  sourceDb = product.db;
  const file = writeSourcesFile([productSource(product.url), newsletterSource(newsletter.url)]);
  rt = await createTestRuntime({
    env: { ...generousLimits, SOURCES_FILE: file, NEWSLETTER_SECRET: secret },
  });
  dpo = await browserSessionFor(rt, 'dpo');
  support = await browserSessionFor(rt, 'support');
});
afterAll(async () => {
  await rt?.dispose();
  await newsletter?.close();
  await sourceDb?.drop();
});
beforeEach(() => {
  newsletter.answer(() => ({ status: 200, body: { receipt: { erased: true } } }));
});

/** Files a request through the API and confirms it the way the subject would (the emailed link). */
async function fileVerifiedIn(runtime: TestRuntime, body: Record<string, unknown>): Promise<string> {
  const res = await submitApi(runtime.app, { law: 'gdpr', ...body }).expect(202);
  const row = await findByReference(runtime.database.db, res.body.reference);
  const [mail] = await runtime.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
  const token = /\/verify\/([^\s"<]+)/.exec(mail!.text)![1]!;
  await request(runtime.app).post('/api/v1/verifications').send({ token }).expect(200);
  return res.body.reference as string;
}
const fileVerified = (body: Record<string, unknown>) => fileVerifiedIn(rt, body);

const open = (browser: StaffBrowser, reference: string, query = '') =>
  browser.agent.get(`/staff/requests/${reference}${query}`).set('Accept', 'text/html');

const post = (browser: StaffBrowser, reference: string, action: string, fields: Record<string, string>) =>
  browser.agent
    .post(`/staff/requests/${reference}/${action}`)
    .type('form')
    .set('Accept', 'text/html')
    .send({ _csrf: browser.csrf, ...fields });

const statusOf = async (reference: string) => (await findByReference(rt.database.db, reference)).status;
const versionIn = (html: string) => /name="version" value="(\d+)"/.exec(html)?.[1];
/** The page's text from the element with this id to the end of its section. */
const section = (html: string, id: string) => {
  const start = html.indexOf(`id="${id}"`);
  expect(start, `section #${id}`).toBeGreaterThan(-1);
  return pageText(html.slice(start, html.indexOf('</section>', start)));
};

describe('erasure on the DPO’s request page', () => {
  it('pending erase → the dry run per source, with the kept field and its basis, before the Approve form; approve → tasks done with receipts', async () => {
    const reference = await fileVerified({ type: 'erase', email: 'alice@example.org' });
    const page = await open(dpo, reference).expect(200);
    const plan = section(page.text, 'erasure-plan');
    expect(plan).toContain('product (postgres): what erasure would do');
    expect(plan).toMatch(/invoices amount financial Keep 1 tax law — 5 years/);
    expect(plan).toMatch(/accounts email contact Replace with a keyed hash 1/);
    expect(plan).toMatch(/sessions user_agent device Delete row 3/);
    expect(plan).toMatch(/accounts display_name identity Set empty 1/);
    expect(plan).toContain('asks newsletter to erase what it holds (contact, marketing)');
    expect(plan).toMatch(/rightsdesk \(builtin\).*requests whole record account Keep 1 Accountability/);
    // Read first: the dry run comes before the Approve button, which points back at it.
    const approveAt = page.text.indexOf(`action="/staff/requests/${reference}/approve"`);
    expect(approveAt).toBeGreaterThan(page.text.indexOf('id="erasure-plan"'));
    expect(page.text).toContain('<a href="#erasure-plan">erasure dry run above</a>');
    expect(page.text).toMatch(/<table class="plan">\s*<caption>/);
    expect(page.text).toContain('<th scope="col">Why it is kept</th>');
    expect(page.text).not.toContain('id="fulfilment"');

    await post(dpo, reference, 'approve', { version: versionIn(page.text)! }).expect(303);
    await eventually(async () => (await statusOf(reference)) === 'completed');
    const done = await open(dpo, reference).expect(200);
    expect(done.text).not.toContain('id="erasure-plan"');
    const tasks = section(done.text, 'fulfilment');
    expect(tasks).toMatch(/product erase Done 1 .+ .+ 3 rows deleted, 4 masked, 1 kept \(tax law, 5 years\)/);
    expect(tasks).toMatch(/newsletter erase Done 1/);
    expect(tasks).toMatch(/rightsdesk erase Done 1/);
    expect(tasks).toContain('product: rows per collection');
    expect(tasks).toMatch(/sessions 3 3 — — —/);
    expect(tasks).toMatch(/invoices 1 — 1 — 1/);
    expect(tasks).toContain('kept: invoices.amount — tax law — 5 years');
    expect(tasks).toContain('kept: requests (whole record) — Accountability');
    expect(tasks).toContain('newsletter: the receipt the source answered with');
    expect(tasks).not.toContain('A data source failed');
    expect(done.text).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">/);
  });

  it('a source failing past its retries → its error highlighted with the Retry hint; Retry reruns it → done', async () => {
    newsletter.answer(() => ({ status: 500, body: { error: 'down for maintenance' } }));
    const reference = await fileVerified({ type: 'erase', email: 'alice@example.com' });
    const page = await open(dpo, reference).expect(200);
    await post(dpo, reference, 'approve', { version: versionIn(page.text)! }).expect(303);
    await eventually(async () => (await statusOf(reference)) === 'failed');

    const failed = await open(dpo, reference).expect(200);
    const tasks = section(failed.text, 'fulfilment');
    expect(tasks).toContain('A data source failed: newsletter');
    expect(tasks).toContain('it reruns only the failed sources');
    expect(tasks).toMatch(/newsletter erase Failed 2 .+ Error: .*newsletter answered 500/);
    expect(tasks).toMatch(/product erase Done 1/);
    expect(failed.text).toMatch(/<tr class="task task-failed has-error">/);
    expect(failed.text).toMatch(/<p class="field-error task-error">Error: /);
    expect(failed.text).toContain(`action="/staff/requests/${reference}/retry"`);
    expect(pageText(failed.text)).toContain('Reruns only the failed sources (newsletter)');

    newsletter.answer(() => ({ status: 200, body: { receipt: { erased: true } } }));
    await post(dpo, reference, 'retry', { version: versionIn(failed.text)! }).expect(303);
    await eventually(async () => (await statusOf(reference)) === 'completed');
    const after = section((await open(dpo, reference).expect(200)).text, 'fulfilment');
    expect(after).toMatch(/newsletter erase Done 1/);
    expect(after).not.toContain('A data source failed');
  });
});

describe('rectification on the DPO’s request page', () => {
  const corrections = [
    { field: 'Display name', value: 'Robert Brown' },
    { field: 'phone', value: '+48 600 111 222' },
    { field: 'Billing name', value: 'Robert B. Brown' },
  ];

  it('pending rectify → current → proposed per source row, unchangeable fields said; accept edited, reject, stale → 409, empty → 400', async () => {
    const reference = await fileVerified({ type: 'rectify', email: 'bob@example.org', corrections });
    const page = await open(dpo, reference).expect(200);
    const review = section(page.text, 'rectification');
    expect(review).toMatch(/1 Display name Robert Brown Not decided yet/);
    expect(review).toMatch(/product accounts 2 display_name 1 Bob B\. → Robert Brown yes/);
    expect(review).toMatch(/product accounts 2 phone 2 \+48 600 000 002 → \+48 600 111 222 yes/);
    expect(review).toMatch(
      /product invoices 2 billing_name 3 Bob Brown → Robert B\. Brown not changeable here/,
    );
    expect(page.text).toContain('<caption>What would change (current → proposed)</caption>');
    expect(page.text.indexOf('id="rectification"')).toBeLessThan(page.text.indexOf('/approve"'));
    const forms = [...page.text.matchAll(/action="\/staff\/requests\/[^/]+\/corrections"/g)];
    expect(forms).toHaveLength(3);
    expect(page.text).toContain('<label for="correction-0-value">');
    expect(page.text).toMatch(/id="correction-0-value" name="value" value="Robert Brown"/);
    expect(versionIn(page.text)).toBe('2');

    // Accept the first with an edited value.
    const accepted = await post(dpo, reference, 'corrections', {
      version: '2',
      index: '0',
      value: 'Bob Brown',
      decision: 'accepted',
    }).expect(303);
    expect(accepted.headers.location).toBe(`/staff/requests/${reference}?done=corrections`);
    const afterAccept = await dpo.agent.get(accepted.headers.location as string).expect(200);
    expect(pageText(afterAccept.text)).toContain('Decision saved.');
    expect(section(afterAccept.text, 'rectification')).toMatch(
      /1 Display name Robert Brown Accepted with an edited value: “Bob Brown”/,
    );
    expect(afterAccept.text).toMatch(/id="correction-0-value" name="value" value="Bob Brown"/);
    expect(versionIn(afterAccept.text)).toBe('3');

    // Reject the second (the value box is ignored on a rejection).
    await post(dpo, reference, 'corrections', {
      version: '3',
      index: '1',
      value: '+48 600 111 222',
      decision: 'rejected',
    }).expect(303);
    const row = await findByReference(rt.database.db, reference);
    expect(row.version).toBe(4);
    expect(row.corrections).toEqual([
      { field: 'Display name', value: 'Bob Brown', decision: 'accepted', proposed: 'Robert Brown' },
      { field: 'phone', value: '+48 600 111 222', decision: 'rejected' },
      { field: 'Billing name', value: 'Robert B. Brown' },
    ]);

    // A form rendered before someone else decided: 409 and the page as it is now.
    const stale = await post(dpo, reference, 'corrections', {
      version: '3',
      index: '2',
      value: 'x',
      decision: 'accepted',
    }).expect(409);
    expect(pageText(stale.text)).toContain('Someone else changed this request');
    expect(section(stale.text, 'rectification')).toContain('Rejected: not applied');
    expect(versionIn(stale.text)).toBe('4');

    // Accepting an empty value: 400, the message at the box, what was typed kept.
    const empty = await post(dpo, reference, 'corrections', {
      version: '4',
      index: '2',
      value: '  ',
      decision: 'accepted',
    }).expect(400);
    expect(empty.text).toMatch(/id="correction-2-value-error">.*an edited value cannot be empty/);
    expect(empty.text).toMatch(/aria-describedby="correction-2-value-hint correction-2-value-error"/);
    expect((await findByReference(rt.database.db, reference)).version).toBe(4);

    // Approval applies what was not rejected; the receipt says what the source could not change.
    await post(dpo, reference, 'approve', { version: '4' }).expect(303);
    await eventually(async () => (await statusOf(reference)) === 'completed');
    const done = await open(dpo, reference).expect(200);
    expect(done.text).not.toContain('id="rectification"');
    expect(section(done.text, 'fulfilment')).toMatch(
      /product rectify Done 1 .+ 1 field updated; 'billing_name' cannot be changed here/,
    );
    expect(section(done.text, 'fulfilment')).toMatch(/accounts 1 — — 1 —/);
  });

  it('support → 403 on the page and on the corrections form; no CSRF token → 403', async () => {
    const reference = await fileVerified({ type: 'rectify', email: 'bob@example.org', corrections });
    await open(support, reference).expect(403);
    await post(support, reference, 'corrections', { version: '2', index: '0', decision: 'rejected' }).expect(
      403,
    );
    await dpo.agent
      .post(`/staff/requests/${reference}/corrections`)
      .type('form')
      .set('Accept', 'text/html')
      .send({ version: '2', index: '0', decision: 'rejected' })
      .expect(403);
    expect((await findByReference(rt.database.db, reference)).version).toBe(2);
  });

  it('a form naming no correction or no decision → 400 with the problem at the top, nothing changed', async () => {
    const reference = await fileVerified({ type: 'rectify', email: 'bob@example.org', corrections });
    const res = await post(dpo, reference, 'corrections', {
      version: '2',
      index: '7',
      decision: 'maybe',
    }).expect(400);
    expect(pageText(res.text)).toMatch(/That did not work decision: must be accepted or rejected/);
    const unknown = await post(dpo, reference, 'corrections', {
      version: '2',
      index: '7',
      decision: 'rejected',
    }).expect(400);
    expect(pageText(unknown.text)).toContain('index: the request has 3 corrections');
    expect((await findByReference(rt.database.db, reference)).version).toBe(2);
  });
});

describe('a source whose dry run fails', () => {
  let broken: TestRuntime;
  let browser: StaffBrowser;
  beforeAll(async () => {
    const file = writeSourcesFile([
      productSource('postgres://rightsdesk:nothing@127.0.0.1:1/nowhere', {
        collections: [
          {
            name: 'accounts',
            table: 'accounts',
            subject: { emailColumn: 'email' },
            fields: { email: { category: 'contact', erase: { strategy: 'hash' } } },
          },
        ],
      }),
    ]);
    broken = await createTestRuntime({ worker: false, env: { ...generousLimits, SOURCES_FILE: file } });
    browser = await browserSessionFor(broken, 'dpo');
  });
  afterAll(async () => {
    await broken?.dispose();
  });

  it('→ the page names the source and its error; the others still show their plan', async () => {
    const reference = await fileVerifiedIn(broken, { type: 'erase', email: 'erin@example.org' });
    const page = await browser.agent
      .get(`/staff/requests/${reference}`)
      .set('Accept', 'text/html')
      .expect(200);
    const plan = section(page.text, 'erasure-plan');
    expect(plan).toMatch(/product \(postgres\): the dry run failed .*(ECONNREFUSED|connect)/i);
    expect(plan).toContain('check the source before approving');
    expect(plan).toContain('rightsdesk (builtin): what erasure would do');
    expect(page.text).toContain(`action="/staff/requests/${reference}/approve"`);
  });
});
