import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { type NewRequestRow, requests } from '../../src/db/schema.ts';
import { newReference } from '../../src/requests/reference.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// "Today" for the queue is the UTC date of the runtime's clock: 2026-03-10; due soon = up to 2026-03-13.
const now = new Date('2026-03-10T12:00:00.000Z');
let n = 0;

type Seed = Partial<NewRequestRow> & { safeDueBy: string | null };

/** Inserts requests straight into the table (the queue only reads); subject data is recognisable. */
async function seed(db: Db, rows: Seed[]) {
  const values = rows.map((r) => {
    const i = ++n;
    return {
      reference: newReference(),
      type: 'access' as const,
      law: 'gdpr',
      status: 'pending_review' as const,
      subjectEmail: `subject-${i}@example.org`,
      subjectName: `Subject Name ${i}`,
      details: `secret details ${i}`,
      receivedAt: new Date('2026-02-01T10:00:00Z'),
      timeZone: 'UTC',
      receivedOn: '2026-02-01',
      dueBy: r.safeDueBy,
      ...r,
    };
  });
  return db.insert(requests).values(values).returning();
}

describe('queue API: GET /api/v1/staff/requests and /counts', () => {
  let rt: TestRuntime;
  let dpo: string;
  let support: string;
  const list = (query: string, auth = dpo) =>
    request(rt.app).get(`/api/v1/staff/requests?${query}`).set('Authorization', auth);

  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false, now: () => now });
    dpo = await bearerFor(rt, 'dpo');
    support = await bearerFor(rt, 'support');
  });
  afterAll(async () => rt?.dispose());

  it('a list across laws → sorted by safeDueBy ascending, ties by id, dateless last', async () => {
    const group = randomUUID();
    const rows = await seed(rt.database.db, [
      { law: 'ccpa', safeDueBy: '2026-04-01', assignee: group },
      { law: 'gdpr', safeDueBy: '2026-03-12', assignee: group },
      { law: 'uk-gdpr', safeDueBy: null, assignee: group },
      { law: 'caloppa', safeDueBy: '2026-03-01', assignee: group },
      { law: 'gdpr', safeDueBy: '2026-03-12', assignee: group },
    ]);
    const res = await list(`assignee=${group}`).expect(200);
    const tied = rows.filter((r) => r.safeDueBy === '2026-03-12').sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(res.body.items.map((i: { reference: string }) => i.reference)).toEqual([
      rows[3]!.reference,
      ...tied.map((r) => r.reference),
      rows[0]!.reference,
      rows[2]!.reference,
    ]);
    expect(res.body.nextCursor).toBeNull();
  });

  it('status, type and law filters (one value or a comma list) → only matching requests', async () => {
    const group = randomUUID();
    await seed(rt.database.db, [
      { law: 'gdpr', type: 'erase', status: 'approved', safeDueBy: '2026-03-20', assignee: group },
      { law: 'ccpa', type: 'access', status: 'pending_review', safeDueBy: '2026-03-21', assignee: group },
      { law: 'uk-gdpr', type: 'rectify', status: 'failed', safeDueBy: '2026-03-22', assignee: group },
      { law: 'gdpr', type: 'access', status: 'completed', safeDueBy: '2026-03-23', assignee: group },
    ]);
    const pick = async (q: string) =>
      (await list(`assignee=${group}&${q}`).expect(200)).body.items.map(
        (i: { law: string; type: string; status: string }) => `${i.law}/${i.type}/${i.status}`,
      );
    expect(await pick('law=gdpr')).toEqual(['gdpr/erase/approved']);
    expect(await pick('law=gdpr&status=all')).toEqual(['gdpr/erase/approved', 'gdpr/access/completed']);
    expect(await pick('law=gdpr,uk-gdpr')).toEqual(['gdpr/erase/approved', 'uk-gdpr/rectify/failed']);
    expect(await pick('type=access&status=all')).toEqual([
      'ccpa/access/pending_review',
      'gdpr/access/completed',
    ]);
    expect(await pick('status=pending_review&status=failed')).toEqual([
      'ccpa/access/pending_review',
      'uk-gdpr/rectify/failed',
    ]);
    expect(await pick('status=completed')).toEqual(['gdpr/access/completed']);
  });

  it('no status given → the open queue only; status=all adds closed requests', async () => {
    const group = randomUUID();
    await seed(rt.database.db, [
      { status: 'completed', safeDueBy: '2026-03-01', assignee: group },
      { status: 'awaiting_subject', safeDueBy: '2026-03-02', assignee: group },
      { status: 'denied', safeDueBy: '2026-03-03', assignee: group },
    ]);
    expect((await list(`assignee=${group}`)).body.items.map((i: { status: string }) => i.status)).toEqual([
      'awaiting_subject',
    ]);
    expect((await list(`assignee=${group}&status=all`)).body.items).toHaveLength(3);
  });

  it('overdue=true → open requests whose safeDueBy is before today (UTC); overdue=false → the rest', async () => {
    const group = randomUUID();
    const rows = await seed(rt.database.db, [
      { safeDueBy: '2026-03-09', assignee: group },
      { safeDueBy: '2026-03-10', assignee: group },
      { safeDueBy: '2026-02-01', status: 'completed', assignee: group },
      { safeDueBy: null, assignee: group },
    ]);
    const refs = async (q: string) =>
      (await list(`assignee=${group}&${q}`).expect(200)).body.items.map(
        (i: { reference: string }) => i.reference,
      );
    expect(await refs('overdue=true')).toEqual([rows[0]!.reference]);
    expect(await refs('overdue=true&status=all')).toEqual([rows[0]!.reference]);
    expect(await refs('overdue=false')).toEqual([rows[1]!.reference, rows[3]!.reference]);
  });

  it('assignee=me and assignee=none → the caller’s requests / unassigned ones', async () => {
    const me = await createStaff(rt, { role: 'dpo' });
    const auth = await bearerFor(rt, me);
    const rows = await seed(rt.database.db, [
      { law: 'pipeda', safeDueBy: '2026-03-15', assignee: me.id },
      { law: 'pipeda', safeDueBy: '2026-03-16' },
      { law: 'pipeda', safeDueBy: '2026-03-17', assignee: randomUUID() },
    ]);
    const refs = async (q: string) =>
      (await list(`law=pipeda&${q}`, auth).expect(200)).body.items.map(
        (i: { reference: string }) => i.reference,
      );
    expect(await refs('assignee=me')).toEqual([rows[0]!.reference]);
    expect(await refs('assignee=none')).toEqual([rows[1]!.reference]);
  });

  it('q as a reference typed in lowercase without dashes → that request, whatever its status', async () => {
    const [row] = await seed(rt.database.db, [{ status: 'completed', safeDueBy: '2026-01-05' }]);
    const typed = row!.reference.toLowerCase().replaceAll('-', '');
    const res = await list(`q=${typed}`).expect(200);
    expect(res.body.items.map((i: { reference: string }) => i.reference)).toEqual([row!.reference]);
    expect((await list(`q=${encodeURIComponent(` ${row!.reference} `)}`)).body.items).toHaveLength(1);
  });

  it('q as an email in any case → that subject’s requests; the email is not in the answer', async () => {
    const rows = await seed(rt.database.db, [
      { safeDueBy: '2026-03-18', subjectEmail: 'Findable.Person@Example.org' },
      { safeDueBy: '2026-03-19', status: 'cancelled', subjectEmail: 'findable.person@example.org' },
    ]);
    for (const auth of [dpo, support]) {
      const res = await list('q=FINDABLE.person%40example.ORG', auth).expect(200);
      expect(res.body.items.map((i: { reference: string }) => i.reference)).toEqual(
        rows.map((r) => r.reference),
      );
      expect(res.text.toLowerCase()).not.toContain('findable');
    }
  });

  it('keyset pagination over 3 pages (ties and a dateless row) → every request once, in order', async () => {
    const group = randomUUID();
    const dates = ['2026-03-11', '2026-03-11', '2026-03-11', '2026-03-12', '2026-03-14', null, null];
    await seed(
      rt.database.db,
      dates.map((safeDueBy) => ({ safeDueBy, assignee: group })),
    );
    const all = (await list(`assignee=${group}`).expect(200)).body.items.map(
      (i: { reference: string }) => i.reference,
    );
    expect(all).toHaveLength(7);
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await list(
        `assignee=${group}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      pages.push(res.body.items.map((i: { reference: string }) => i.reference));
      cursor = res.body.nextCursor as string | null;
      expect(cursor === null || /^[A-Za-z0-9_-]+$/.test(cursor)).toBe(true);
    } while (cursor && pages.length < 5);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(all);
  });

  it.each([
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('["2026-01-01","x"]').toString('base64url')}`, 'cursor'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['status=open,lost', 'status'],
    ['law=mars', 'law'],
    ['type=everything', 'type'],
    ['overdue=yes', 'overdue'],
    ['assignee=bob', 'assignee'],
    ['q=neither', 'q'],
    ['sort=desc', 'sort'],
  ])('%s → 400 problem+json naming %s', async (query, parameter) => {
    const res = await list(query).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([parameter]);
    expect(res.body.detail).toContain(`${parameter}:`);
  });

  it('items → exactly the contract fields, no subject data anywhere in the JSON', async () => {
    const [row] = await seed(rt.database.db, [{ safeDueBy: '2026-03-10', law: 'lgpd' }]);
    const res = await list(`q=${row!.reference}`).expect(200);
    expect(Object.keys(res.body.items[0]).sort()).toEqual(
      [
        'reference',
        'type',
        'law',
        'status',
        'receivedAt',
        'acknowledgeBy',
        'dueBy',
        'safeDueBy',
        'extendedDueBy',
        'assignee',
        'version',
      ].sort(),
    );
    const wide = await list('status=all&limit=100').expect(200);
    expect(wide.body.items.length).toBeGreaterThan(10);
    expect(wide.text).not.toMatch(/@example\.org|Subject Name|secret details/);
  });

  it('support role → may list, and gets exactly the items a DPO gets', async () => {
    const ours = await list('status=all&limit=100').expect(200);
    const theirs = await list('status=all&limit=100', support).expect(200);
    expect(theirs.body).toEqual(ours.body);
  });

  it('no token, a malformed token or a cookie from nowhere → 401 problem+json', async () => {
    for (const req of [
      request(rt.app).get('/api/v1/staff/requests'),
      request(rt.app).get('/api/v1/staff/requests').set('Authorization', 'Bearer abc.def.ghi'),
      request(rt.app).get('/api/v1/staff/requests/counts').set('Cookie', 'rd_staff=abc'),
    ]) {
      const res = await req.expect(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
  });

  it('counts → requests per status (every status present) and open overdue / due-soon totals', async () => {
    const before = (
      await request(rt.app).get('/api/v1/staff/requests/counts').set('Authorization', support).expect(200)
    ).body;
    await seed(rt.database.db, [
      { status: 'pending_review', safeDueBy: '2026-03-01' }, // overdue
      { status: 'approved', safeDueBy: '2026-03-13' }, // due soon (last day)
      { status: 'approved', safeDueBy: '2026-03-14' }, // neither
      { status: 'completed', safeDueBy: '2026-03-01' }, // closed: never overdue
    ]);
    const after = (
      await request(rt.app).get('/api/v1/staff/requests/counts').set('Authorization', dpo).expect(200)
    ).body;
    expect(Object.keys(after.byStatus)).toHaveLength(10);
    expect(after.byStatus.pending_review - before.byStatus.pending_review).toBe(1);
    expect(after.byStatus.approved - before.byStatus.approved).toBe(2);
    expect(after.byStatus.completed - before.byStatus.completed).toBe(1);
    expect(after.byStatus.expired).toBe(before.byStatus.expired);
    expect(after.open - before.open).toBe(3);
    expect(after.overdue - before.overdue).toBe(1);
    expect(after.dueSoon - before.dueSoon).toBe(1);
    expect(after.today).toBe('2026-03-10');
  });
});
