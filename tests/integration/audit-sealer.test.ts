import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { AUDIT_CHAIN_LOCK_KEY } from '../../src/audit/audit-repo.ts';
import {
  appendAuditEvent,
  GENESIS_HASH,
  sealAuditChain,
  startAuditSealer,
  verifyAuditChain,
} from '../../src/audit/audit-service.ts';
import { auditEvents } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { onPostgres, useAuditTestDatabase } from '../helpers/test-db.ts';

const t = useAuditTestDatabase();

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

/** Every sealed event links to the one before, with seqs 1..n. */
function expectLinked(events: Awaited<ReturnType<typeof chain>>): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  events.forEach((e, i) => {
    expect(e.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]?.hash);
  });
}

const at = (ms: number) => new Date(Date.UTC(2026, 0, 9, 18, 0, 0, ms));

/** A promise and the function that resolves it, to hold a transaction open. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe(`audit chain sealing (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('20 concurrent transactions appending → after sealing, seqs 1..20 in one chain that verifies', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.database.db.transaction(async (tx) => {
          // Work before and after the append widens the window in which transactions overlap.
          await tx.execute(sql`select pg_sleep(0.01)`);
          const row = await appendAuditEvent(tx, {
            kind: 'concurrent',
            actor: 'system',
            data: { i },
            at: at(i),
          });
          await tx.execute(sql`select pg_sleep(0.01)`);
          return row;
        }),
      ),
    );
    expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 20 });
    const events = await chain();
    expect(events).toHaveLength(20);
    expectLinked(events);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 20, unsealed: 0 });
  });

  it('two sealers at the same time → every event sealed exactly once, chain verifies', async () => {
    await t.database.db.transaction(async (tx) => {
      for (let i = 0; i < 50; i++)
        await appendAuditEvent(tx, { kind: 'k', actor: 'system', data: { i }, at: at(i) });
    });
    const results = await Promise.all([
      sealAuditChain(t.database.db, { batchSize: 7 }),
      sealAuditChain(t.database.db, { batchSize: 7 }),
    ]);
    // The one that finds the lock taken gives up; whatever each sealed adds up to every event.
    expect(results[0]!.sealed + results[1]!.sealed).toBe(50);
    const events = await chain();
    expect(events).toHaveLength(50);
    expectLinked(events);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 50, unsealed: 0 });
  });

  it.runIf(onPostgres)(
    'sealing lock held by another transaction → returns at once, seals nothing',
    async () => {
      await appendAuditEvent(t.database.db, { kind: 'k', actor: 'system', at: at(1) });
      const taken = latch();
      const release = latch();
      const holder = t.database.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(AUDIT_CHAIN_LOCK_KEY.toString())})`);
        taken.open();
        await release.promise;
      });
      await taken.promise;
      try {
        expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 0 });
      } finally {
        release.open();
        await holder;
      }
      expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 1 });
    },
  );

  it('event whose id was taken before a later event was sealed → gets the next seq, chain verifies', async () => {
    // What a slow transaction does: take its id early, become visible after a later id was sealed.
    const { rows } = await t.database.executeSql(
      `select nextval(pg_get_serial_sequence('audit_events', 'id'))::int as id`,
    );
    const lateId = Number(rows[0]?.id);
    const early = await appendAuditEvent(t.database.db, { kind: 'early', actor: 'system', at: at(2) });
    expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 1 });
    await t.database.db.insert(auditEvents).values({ id: lateId, kind: 'late', actor: 'system', at: at(1) });
    expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 1 });
    const events = await chain();
    expect(events.map((e) => e.id)).toEqual([early.id, lateId]);
    expect(lateId).toBeLessThan(early.id);
    expectLinked(events);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 2, unsealed: 0 });
  });

  it.runIf(onPostgres)(
    'transaction committing after a later event was sealed → next seq, verifies',
    async () => {
      const appended = latch();
      const commit = latch();
      const slow = t.database.db.transaction(async (tx) => {
        const row = await appendAuditEvent(tx, { kind: 'slow', actor: 'system', at: at(1) });
        appended.open();
        await commit.promise;
        return row;
      });
      await appended.promise;
      const fast = await appendAuditEvent(t.database.db, { kind: 'fast', actor: 'system', at: at(2) });
      // The slow event is not committed yet: invisible to the sealer, which does not wait for it.
      expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 1 });
      commit.open();
      const late = await slow;
      expect(late.id).toBeLessThan(fast.id);
      expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 1 });
      const events = await chain();
      expect(events.map((e) => e.id)).toEqual([fast.id, late.id]);
      expectLinked(events);
      expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 2, unsealed: 0 });
    },
  );

  it('sealer started, then stopped → seals on its timer, and once more on stop', async () => {
    for (let i = 0; i < 3; i++)
      await appendAuditEvent(t.database.db, { kind: 'k', actor: 'system', at: at(i) });
    const sealer = startAuditSealer(t.database.db, createLogger('silent'), { intervalMs: 20 });
    try {
      await expect
        .poll(async () => (await verifyAuditChain(t.database.db)).unsealed, { timeout: 10_000 })
        .toBe(0);
      for (let i = 3; i < 5; i++)
        await appendAuditEvent(t.database.db, { kind: 'k', actor: 'system', at: at(i) });
    } finally {
      await sealer.stop();
    }
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 5, unsealed: 0 });
    // Stopped means stopped: a later event stays unsealed.
    await appendAuditEvent(t.database.db, { kind: 'after', actor: 'system', at: at(9) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true, events: 5, unsealed: 1 });
    await sealer.stop();
  });
});
