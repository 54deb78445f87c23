import { describe, expect, it } from 'vitest';
import {
  appendAuditEvent,
  GENESIS_HASH,
  listRequestEvents,
  sealAuditChain,
  verifyAuditChain,
} from '../../src/audit/audit-service.ts';
import { onPostgres, useAuditTestDatabase } from '../helpers/test-db.ts';

const t = useAuditTestDatabase();

async function insertRequest(reference: string): Promise<string> {
  const { rows } = await t.database.executeSql(
    `insert into requests (reference, type, law, status, subject_email, received_at, time_zone, received_on)
     values ($1, 'access', 'gdpr', 'pending_review', 'subject@example.org', now(), 'Europe/Warsaw', current_date)
     returning id`,
    [reference],
  );
  return String(rows[0]?.id);
}

/** Sealed events in chain order. */
async function chain() {
  const { rows } = await t.database.executeSql(
    'select id, seq, prev_hash, hash from audit_events where seq is not null order by seq',
  );
  return rows.map((r) => ({
    id: Number(r.id),
    seq: Number(r.seq),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  }));
}

async function countEvents(): Promise<number> {
  const { rows } = await t.database.executeSql('select count(*)::int as n from audit_events');
  return Number(rows[0]?.n);
}

/** Every sealed event links to the one before, with seqs 1..n. */
function expectLinked(events: Awaited<ReturnType<typeof chain>>): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  events.forEach((e, i) => {
    expect(e.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]?.hash);
  });
}

const at = (ms: number) => new Date(Date.UTC(2026, 0, 9, 18, 0, 0, ms));

describe(`audit chain appends (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('empty table → chain verifies with 0 events, the genesis hash and nothing unsealed', async () => {
    expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 0 });
    expect(await verifyAuditChain(t.database.db)).toEqual({
      ok: true,
      events: 0,
      lastHash: GENESIS_HASH,
      unsealed: 0,
    });
  });

  it('events appended in transactions → unsealed until sealed, then each links to the one before', async () => {
    const requestId = await insertRequest('RD-CHAIN-1');
    const first = await t.database.db.transaction((tx) =>
      appendAuditEvent(tx, { requestId, kind: 'request.received', actor: 'subject', at: at(1) }),
    );
    const second = await t.database.db.transaction((tx) =>
      appendAuditEvent(tx, { kind: 'settings.changed', actor: 'staff:1', data: { key: 'x' }, at: at(2) }),
    );
    expect(first).toMatchObject({ requestId, data: {}, seq: null, prevHash: null, hash: null });
    expect(first.at.toISOString()).toBe('2026-01-09T18:00:00.001Z');
    expect(second).toMatchObject({ requestId: null, data: { key: 'x' }, seq: null });
    expect(await verifyAuditChain(t.database.db)).toEqual({
      ok: true,
      events: 0,
      lastHash: GENESIS_HASH,
      unsealed: 2,
    });

    expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 2 });
    const events = await chain();
    expect(events.map((e) => e.id)).toEqual([first.id, second.id]);
    expectLinked(events);
    expect(await verifyAuditChain(t.database.db)).toEqual({
      ok: true,
      events: 2,
      lastHash: events[1]?.hash,
      unsealed: 0,
    });
    expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 0 });
  });

  it('rolled-back transaction → no event; later events chain on from the last sealed one', async () => {
    await appendAuditEvent(t.database.db, { kind: 'a', actor: 'system', at: at(1) });
    await sealAuditChain(t.database.db);
    await expect(
      t.database.db.transaction(async (tx) => {
        await appendAuditEvent(tx, { kind: 'lost', actor: 'system', at: at(2) });
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    expect(await countEvents()).toBe(1);
    await appendAuditEvent(t.database.db, { kind: 'b', actor: 'system', at: at(3) });
    expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 1 });
    expectLinked(await chain());
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 2, unsealed: 0 });
  });

  it('more events than one batch → sealed in several batches, seqs contiguous', async () => {
    await t.database.db.transaction(async (tx) => {
      for (let i = 0; i < 20; i++)
        await appendAuditEvent(tx, { kind: 'k', actor: 'system', data: { i }, at: at(i) });
    });
    expect(await sealAuditChain(t.database.db, { batchSize: 7 })).toEqual({ sealed: 20 });
    const events = await chain();
    expectLinked(events);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    expect(await verifyAuditChain(t.database.db, { pageSize: 3 })).toMatchObject({ ok: true, events: 20 });
    await expect(sealAuditChain(t.database.db, { batchSize: 0 })).rejects.toThrow(RangeError);
  });

  it('t.database handle instead of a transaction → plain insert, sealed like the others', async () => {
    const first = await appendAuditEvent(t.database.db, { kind: 'a', actor: 'system', at: at(1) });
    const second = await appendAuditEvent(t.database.db, { kind: 'b', actor: 'system', at: at(2) });
    expect(second.id).toBeGreaterThan(first.id);
    await sealAuditChain(t.database.db);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 2 });
  });

  it('data jsonb reorders and renumbers (unicode, floats, big numbers, nesting) → still verifies', async () => {
    const data = {
      zeta: 'Zażółć gęślą jaźń 😀 日本語 "quoted" \\ \n',
      numbers: [0, -0, 0.1, 1e21, 1e-7, -1.5, 2 ** 53, 123456789.123, 1.0],
      nested: { b: [{ y: true, x: null }], a: {} },
      'key with spaces': 1,
      skipped: undefined,
    };
    const row = await t.database.db.transaction((tx) =>
      appendAuditEvent(tx, { kind: 'weird', actor: 'system', data, at: at(999) }),
    );
    expect(row.data).not.toHaveProperty('skipped');
    const { rows } = await t.database.executeSql(
      'select data::text as text from audit_events where id = $1',
      [row.id],
    );
    expect(String(rows[0]?.text)).toContain('"nested": {"a": {}');
    await sealAuditChain(t.database.db);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 1, unsealed: 0 });
  });

  it('data that JSON cannot carry (a Date) → throws and writes nothing', async () => {
    await expect(
      t.database.db.transaction((tx) =>
        appendAuditEvent(tx, { kind: 'bad', actor: 'system', data: { when: new Date() }, at: at(1) }),
      ),
    ).rejects.toThrow(/\$\.when/);
    expect(await countEvents()).toBe(0);
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
      await t.database.db.transaction((tx) =>
        appendAuditEvent(tx, { requestId, kind, actor: 'system', at: at(1) }),
      );
    }
    const timeline = await listRequestEvents(t.database.db, mine);
    expect(timeline.map((e) => e.kind)).toEqual(['request.received', 'request.verified', 'request.approved']);
    expect(timeline.every((e, i) => i === 0 || e.id > timeline[i - 1]!.id)).toBe(true);
  });
});
