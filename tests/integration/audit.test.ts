import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appendAuditEvent,
  GENESIS_HASH,
  listRequestEvents,
  verifyAuditChain,
} from '../../src/audit/audit-service.ts';
import type { Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-db.ts';

let testDb: TestDatabase;
let database: Database;

async function insertRequest(reference: string): Promise<string> {
  const { rows } = await database.executeSql(
    `insert into requests (reference, type, law, status, subject_email, received_at, time_zone, received_on)
     values ($1, 'access', 'gdpr', 'pending_review', 'subject@example.org', now(), 'Europe/Warsaw', current_date)
     returning id`,
    [reference],
  );
  return String(rows[0]?.id);
}

async function allEvents() {
  const { rows } = await database.executeSql('select id, prev_hash, hash from audit_events order by id');
  return rows.map((r) => ({ id: Number(r.id), prevHash: String(r.prev_hash), hash: String(r.hash) }));
}

const at = (ms: number) => new Date(Date.UTC(2026, 0, 9, 18, 0, 0, ms));

describe(`audit chain appends (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = testDb.database;
    await migrateDatabase(database);
  });
  afterAll(async () => {
    await testDb?.drop();
  });
  beforeEach(async () => {
    await database.executeSql('delete from audit_events');
  });

  it('empty table → chain verifies with 0 events and the genesis hash', async () => {
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, events: 0, lastHash: GENESIS_HASH });
  });

  it('events appended in transactions → each links to the one before, chain verifies', async () => {
    const requestId = await insertRequest('RD-CHAIN-1');
    const first = await database.db.transaction((tx) =>
      appendAuditEvent(tx, { requestId, kind: 'request.received', actor: 'subject', at: at(1) }),
    );
    const second = await database.db.transaction((tx) =>
      appendAuditEvent(tx, { kind: 'settings.changed', actor: 'staff:1', data: { key: 'x' }, at: at(2) }),
    );
    expect(first).toMatchObject({ requestId, prevHash: GENESIS_HASH, data: {} });
    expect(first.at.toISOString()).toBe('2026-01-09T18:00:00.001Z');
    expect(second).toMatchObject({ requestId: null, prevHash: first.hash, data: { key: 'x' } });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, events: 2, lastHash: second.hash });
  });

  it('rolled-back transaction → no event, the next append links to the last committed one', async () => {
    const kept = await database.db.transaction((tx) =>
      appendAuditEvent(tx, { kind: 'a', actor: 'system', at: at(1) }),
    );
    await expect(
      database.db.transaction(async (tx) => {
        await appendAuditEvent(tx, { kind: 'lost', actor: 'system', at: at(2) });
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    expect(await allEvents()).toHaveLength(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, events: 1, lastHash: kept.hash });
    // The rollback used up a sequence value: ids have a gap, the chain does not.
    const next = await database.db.transaction((tx) =>
      appendAuditEvent(tx, { kind: 'b', actor: 'system', at: at(3) }),
    );
    expect(next.prevHash).toBe(kept.hash);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, events: 2 });
  });

  it('20 concurrent transactions appending → one linear chain that verifies', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        database.db.transaction(async (tx) => {
          // Work before the append widens the window in which transactions overlap.
          await tx.execute(sql`select pg_sleep(0.01)`);
          return appendAuditEvent(tx, { kind: 'concurrent', actor: 'system', data: { i }, at: at(i) });
        }),
      ),
    );
    const events = await allEvents();
    expect(events).toHaveLength(20);
    expect(events[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < events.length; i++) expect(events[i]?.prevHash).toBe(events[i - 1]?.hash);
    expect(new Set(events.map((e) => e.prevHash)).size).toBe(20);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, events: 20 });
  });

  it('database handle instead of a transaction → the append opens its own and still chains', async () => {
    const first = await appendAuditEvent(database.db, { kind: 'a', actor: 'system', at: at(1) });
    const second = await appendAuditEvent(database.db, { kind: 'b', actor: 'system', at: at(2) });
    expect(second.prevHash).toBe(first.hash);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, events: 2 });
  });

  it('data jsonb reorders and renumbers (unicode, floats, big numbers, nesting) → still verifies', async () => {
    const data = {
      zeta: 'Zażółć gęślą jaźń 😀 日本語 "quoted" \\ \n',
      numbers: [0, -0, 0.1, 1e21, 1e-7, -1.5, 2 ** 53, 123456789.123, 1.0],
      nested: { b: [{ y: true, x: null }], a: {} },
      'key with spaces': 1,
      skipped: undefined,
    };
    const row = await database.db.transaction((tx) =>
      appendAuditEvent(tx, { kind: 'weird', actor: 'system', data, at: at(999) }),
    );
    expect(row.data).not.toHaveProperty('skipped');
    const { rows } = await database.executeSql('select data::text as text from audit_events where id = $1', [
      row.id,
    ]);
    expect(String(rows[0]?.text)).toContain('"nested": {"a": {}');
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, events: 1, lastHash: row.hash });
  });

  it('data that JSON cannot carry (a Date) → throws and writes nothing', async () => {
    await expect(
      database.db.transaction((tx) =>
        appendAuditEvent(tx, { kind: 'bad', actor: 'system', data: { when: new Date() }, at: at(1) }),
      ),
    ).rejects.toThrow(/\$\.when/);
    expect(await allEvents()).toHaveLength(0);
  });

  it("request timeline → only that request's events, in the order they happened", async () => {
    const mine = await insertRequest('RD-TIMELINE-1');
    const other = await insertRequest('RD-TIMELINE-2');
    for (const [requestId, kind] of [
      [mine, 'request.received'],
      [other, 'request.received'],
      [mine, 'request.verified'],
      [null, 'settings.changed'],
      [mine, 'request.approved'],
    ] as const) {
      await database.db.transaction((tx) =>
        appendAuditEvent(tx, { requestId, kind, actor: 'system', at: at(1) }),
      );
    }
    const timeline = await listRequestEvents(database.db, mine);
    expect(timeline.map((e) => e.kind)).toEqual(['request.received', 'request.verified', 'request.approved']);
    expect(timeline.every((e, i) => i === 0 || e.id > timeline[i - 1]!.id)).toBe(true);
  });
});
