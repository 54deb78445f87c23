import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { asc, eq, inArray } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAuditChain, verifyAuditChain } from '../../src/audit/audit-service.ts';
import {
  auditEvents,
  clockEvents,
  collectedRecords,
  downloadCodes,
  exportBundles,
  fulfilmentTasks,
  outbox,
  requestNotes,
  requests,
  verificationTokens,
} from '../../src/db/schema.ts';
import { insertBundle } from '../../src/exports/exports-repo.ts';
import { buildMetricsReport } from '../../src/reports/metrics-service.ts';
import { retentionCutoff, runRecordsRetention } from '../../src/retention/retention-service.ts';
import { bundlesOf, downloadPathIn, fileVerifiedAccess, openDownload } from '../helpers/exports.ts';
import { findByReference, generousLimits } from '../helpers/intake.ts';
import { bearerFor, createStaff, type StaffAccount } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// Records retention on the real worker's output: an access request with its bundle, collected records
// and emails, a denied one with a note, one closed recently and one still open. Only the clock is ours.
let rt: TestRuntime;
let offsetMs = 0;
const month = 31 * 86_400_000;
let dpo: StaffAccount;

beforeAll(async () => {
  rt = await createTestRuntime({ env: generousLimits, now: () => new Date(Date.now() + offsetMs) });
  dpo = await createStaff(rt, { role: 'dpo' });
});
afterAll(async () => {
  await rt?.dispose();
});

const act = async (reference: string, action: string, body: object) =>
  request(rt.app)
    .post(`/api/v1/staff/requests/${reference}/${action}`)
    .set('Authorization', await bearerFor(rt, dpo))
    .send(body);

const retention = () =>
  runRecordsRetention({
    db: rt.database.db,
    now: () => new Date(Date.now() + offsetMs),
    store: rt.exports.store,
    retentionMonths: rt.config.recordsRetentionMonths,
  });

/** What §7102 metrics and the accountability record are made of: nothing personal. */
const record = () =>
  rt.database.db
    .select({
      reference: requests.reference,
      type: requests.type,
      law: requests.law,
      status: requests.status,
      receivedAt: requests.receivedAt,
      closedAt: requests.closedAt,
      dueBy: requests.dueBy,
      extendedDueBy: requests.extendedDueBy,
      verifiedAt: requests.verifiedAt,
    })
    .from(requests)
    .orderBy(asc(requests.reference));

const countWhere = async (
  table: typeof outbox | typeof requestNotes | typeof verificationTokens,
  ids: string[],
) => (await rt.database.db.select().from(table).where(inArray(table.requestId, ids))).length;

describe('records retention', () => {
  it('cutoff: calendar months back, clamped at month ends', () => {
    expect(retentionCutoff(new Date('2028-03-31T10:00:00Z'), 24).toISOString()).toBe(
      '2026-03-31T10:00:00.000Z',
    );
    expect(retentionCutoff(new Date('2026-03-31T10:00:00Z'), 1).toISOString()).toBe(
      '2026-02-28T10:00:00.000Z',
    );
  });

  it('after 24 months closed requests lose their personal data; the record, the metrics inputs and the audit chain stay', async () => {
    // Two requests that will be past retention: an access with its export, and a denial with a note.
    const access = await fileVerifiedAccess(rt, 'keep-me-not@example.org');
    expect((await act(access.reference, 'approve', { version: 2 })).status).toBe(200);
    await eventually(
      async () => (await findByReference(rt.database.db, access.reference)).status === 'completed',
    );
    const [bundle] = await bundlesOf(rt, access.id);
    const completion = (
      await rt.database.db.select().from(outbox).where(eq(outbox.requestId, access.id))
    ).find((m) => downloadPathIn(m.text));
    const link = downloadPathIn(completion!.text)!;
    expect(existsSync(path.join(rt.config.dataDir, bundle!.storageKey))).toBe(true);

    const denied = await request(rt.app)
      .post('/api/v1/requests')
      .send({
        type: 'erase',
        law: 'gdpr',
        email: 'deny-me@example.org',
        name: 'Dana Deny',
        details: 'acct 991',
      })
      .expect(202);
    const deniedRow = await findByReference(rt.database.db, denied.body.reference);
    const [verifyMail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, deniedRow.id));
    const token = /\/verify\/([^\s"<]+)/.exec(verifyMail!.text)![1];
    await request(rt.app).post('/api/v1/verifications').send({ token }).expect(200);
    const noted = await act(denied.body.reference, 'note', {
      version: 2,
      message: 'called from +48 600 000 000',
    });
    expect(noted.status).toBe(200);
    const extended = await act(denied.body.reference, 'extend', {
      version: noted.body.version,
      reason: 'Dana sent 4 boxes of paper records to scan',
    });
    expect(extended.status).toBe(200);
    const deny = await act(denied.body.reference, 'deny', {
      version: extended.body.version,
      reason: 'unverifiable',
      message: 'No proof.',
    });
    expect(deny.status).toBe(200);

    // Then, 23 months later, one that closes recently, and one still open.
    offsetMs = 23 * month;
    const recent = await request(rt.app)
      .post('/api/v1/requests')
      .send({ type: 'access', law: 'gdpr', email: 'recent@example.org' })
      .expect(202);
    expect((await act(recent.body.reference, 'cancel', { version: 1 })).status).toBe(200);
    const open = await fileVerifiedAccess(rt, 'still-open@example.org');

    offsetMs = 25 * month;
    await sealAuditChain(rt.database.db);
    const before = await record();
    const year = new Date(Date.now()).getUTCFullYear();
    const metrics = async () =>
      Promise.all(
        [year, year + 1, year + 2].map((y) =>
          buildMetricsReport(
            {
              db: rt.database.db,
              now: () => new Date(Date.now() + offsetMs),
              timeZone: rt.config.clock.orgTimeZone,
            },
            { year: y, law: 'all' },
          ).then(({ generatedAt: _, ...report }) => report),
        ),
      );
    const metricsBefore = await metrics();
    expect(metricsBefore[0]?.types.erase).toMatchObject({ received: 1, denied: 1 });
    expect(
      await runRecordsRetention(
        {
          db: rt.database.db,
          now: () => new Date(Date.now() + offsetMs),
          store: rt.exports.store,
          retentionMonths: 24,
        },
        { dryRun: true },
      ),
    ).toMatchObject({ erased: 0, pending: 2 });

    expect(await retention()).toMatchObject({ erased: 2 });

    const erasedIds = [access.id, deniedRow.id];
    for (const id of erasedIds) {
      const [row] = await rt.database.db.select().from(requests).where(eq(requests.id, id));
      expect(row).toMatchObject({
        subjectEmail: '',
        subjectName: null,
        details: null,
        corrections: null,
        infoRequestedMessage: null,
        subjectReply: null,
        personalDataErasedAt: expect.any(Date),
      });
    }
    expect(await countWhere(outbox, erasedIds)).toBe(0);
    expect(await countWhere(requestNotes, erasedIds)).toBe(0);
    expect(await countWhere(verificationTokens, erasedIds)).toBe(0);
    const tasks = await rt.database.db
      .select()
      .from(fulfilmentTasks)
      .where(eq(fulfilmentTasks.requestId, access.id));
    expect(tasks.length).toBeGreaterThan(0);
    expect(
      await rt.database.db
        .select()
        .from(collectedRecords)
        .where(
          inArray(
            collectedRecords.taskId,
            tasks.map((t) => t.id),
          ),
        ),
    ).toEqual([]);
    const [purged] = await rt.database.db
      .select()
      .from(exportBundles)
      .where(eq(exportBundles.id, bundle!.id));
    expect(purged?.purgedAt).toBeInstanceOf(Date);
    expect(existsSync(path.join(rt.config.dataDir, bundle!.storageKey))).toBe(false);
    expect(
      await rt.database.db.select().from(downloadCodes).where(eq(downloadCodes.bundleId, bundle!.id)),
    ).toEqual([]);

    // The recent and the open request keep everything.
    expect((await findByReference(rt.database.db, recent.body.reference)).subjectEmail).toBe(
      'recent@example.org',
    );
    expect((await findByReference(rt.database.db, open.reference)).subjectEmail).toBe(
      'still-open@example.org',
    );
    expect(await countWhere(outbox, [open.id])).toBeGreaterThan(0);

    // Nothing a metric or the accountability record needs has changed, and the chain still verifies.
    expect(await record()).toEqual(before);
    expect(await metrics()).toEqual(metricsBefore);
    await sealAuditChain(rt.database.db);
    expect(await verifyAuditChain(rt.database.db)).toMatchObject({ ok: true, unsealed: 0 });
    const events = await rt.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.kind, 'request.personal_data_erased'));
    expect(events.map((e) => e.requestId).sort()).toEqual([...erasedIds].sort());
    // Only what the events say, not their hashes: a hex digest can contain "991" by chance (a CI run hit it).
    expect(JSON.stringify(events.map((e) => e.data))).not.toMatch(/@example\.org|Dana|acct 991/);
    // The deny reason (a metric's breakdown) is in the chain, not on the erased row.
    const denials = await rt.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.kind, 'request.deny'));
    expect(denials.find((e) => e.requestId === deniedRow.id)?.data).toMatchObject({ reason: 'unverifiable' });

    // Support finds nothing by the old address; the staff view says the data is gone.
    const lookup = await request(rt.app)
      .get('/api/v1/staff/requests?q=deny-me@example.org')
      .set('Authorization', await bearerFor(rt, dpo));
    expect(lookup.body.items).toEqual([]);
    const detail = await request(rt.app)
      .get(`/api/v1/staff/requests/${denied.body.reference}`)
      .set('Authorization', await bearerFor(rt, dpo));
    expect(detail.body.subject).toMatchObject({ email: '', name: null, erasedAt: expect.any(String) });

    // Free text around the record goes too: staff's extension reason, a source's own receipt body.
    const clock = await rt.database.db
      .select()
      .from(clockEvents)
      .where(eq(clockEvents.requestId, deniedRow.id));
    expect(clock.some((e) => e.kind === 'extended')).toBe(true);
    expect(clock.map((e) => e.reason)).toEqual(clock.map(() => null));
    for (const task of await rt.database.db
      .select()
      .from(fulfilmentTasks)
      .where(eq(fulfilmentTasks.requestId, access.id))) {
      expect(task.receipt ?? {}).not.toHaveProperty('external');
    }

    // Nothing can bring data back: no new copy from the old link, no rebuild, no new note.
    const copy = await openDownload(rt.app, link);
    expect((await copy.post('/copy')).status).toBe(409);
    expect(await bundlesOf(rt, access.id)).toHaveLength(1);
    const rebuild = await act(access.reference, 'exports/rebuild', {});
    expect(rebuild.status).toBe(409);
    expect(rebuild.body.code).toBe('REQUEST_CLOSED');
    const detailNow = await request(rt.app)
      .get(`/api/v1/staff/requests/${denied.body.reference}`)
      .set('Authorization', await bearerFor(rt, dpo));
    const late = await act(denied.body.reference, 'note', {
      version: detailNow.body.version,
      message: 'too late',
    });
    expect(late.status).toBe(409);
    expect(await countWhere(requestNotes, [deniedRow.id])).toBe(0);

    // Idempotent: a second run finds nothing to do.
    expect(await retention()).toMatchObject({ erased: 0 });
  });

  it('a request whose export file cannot be deleted is skipped and logged; the others are still erased, and it is next time', async () => {
    offsetMs = 0;
    const file = async (email: string) => {
      const res = await request(rt.app)
        .post('/api/v1/requests')
        .send({ type: 'access', law: 'gdpr', email })
        .expect(202);
      expect((await act(res.body.reference, 'cancel', { version: 1 })).status).toBe(200);
      return findByReference(rt.database.db, res.body.reference);
    };
    const stuck = await file('stuck@example.org');
    const fine = await file('fine@example.org');
    // A real filesystem failure: the bundle's key names a directory with a file in it, which rm refuses.
    const key = `exports/${stuck.id}/blocked.zip.enc`;
    mkdirSync(path.join(rt.config.dataDir, key), { recursive: true });
    writeFileSync(path.join(rt.config.dataDir, key, 'inside'), 'x');
    await insertBundle(rt.database.db, {
      requestId: stuck.id,
      storageKey: key,
      keyId: 'k',
      size: 1,
      sha256: '0'.repeat(64),
      manifest: {},
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    offsetMs = 25 * month;
    const errors: unknown[] = [];
    const run = () =>
      runRecordsRetention({
        db: rt.database.db,
        now: () => new Date(Date.now() + offsetMs),
        store: rt.exports.store,
        retentionMonths: 24,
        logger: { error: (obj: unknown) => errors.push(obj) },
      });
    expect(await run()).toMatchObject({ erased: 1, failed: 1 });
    expect((await findByReference(rt.database.db, fine.reference)).subjectEmail).toBe('');
    expect((await findByReference(rt.database.db, stuck.reference)).subjectEmail).toBe('stuck@example.org');
    expect(JSON.stringify(errors)).toContain(stuck.id);
    expect(JSON.stringify(errors)).not.toContain('stuck@example.org');

    rmSync(path.join(rt.config.dataDir, key), { recursive: true });
    expect(await run()).toMatchObject({ erased: 1 });
    expect((await findByReference(rt.database.db, stuck.reference)).subjectEmail).toBe('');
  });
});
