import { describe, expect, it } from 'vitest';
import {
  appendAuditEvent,
  computeAuditHash,
  GENESIS_HASH,
  sealAuditChain,
  verifyAuditChain,
} from '../../src/audit/audit-service.ts';
import { auditEvents } from '../../src/db/schema.ts';
import { appendSealedEvents } from '../helpers/audit.ts';
import { onPostgres, useAuditTestDatabase } from '../helpers/test-db.ts';

const t = useAuditTestDatabase();

const appendMany = (n: number) => appendSealedEvents(t.database, n);

/** A long sealed chain built in memory and inserted 500 rows a statement: ~1 s instead of 2 500 seals. */
async function insertChain(n: number): Promise<string> {
  let prevHash = GENESIS_HASH;
  const rows = Array.from({ length: n }, (_, i) => {
    const event = {
      requestId: null,
      kind: 'bulk',
      actor: 'system',
      data: { i },
      at: new Date(1_767_225_600_000 + i),
    };
    const hash = computeAuditHash({ ...event, prevHash });
    const row = { ...event, seq: i + 1, prevHash, hash };
    prevHash = hash;
    return row;
  });
  for (let i = 0; i < n; i += 500) await t.database.db.insert(auditEvents).values(rows.slice(i, i + 500));
  return prevHash;
}

describe(`audit chain verification (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it("a row's data changed with raw SQL → hash_mismatch at that row", async () => {
    const rows = await appendMany(5);
    await t.database.executeSql(`update audit_events set data = jsonb_set(data, '{i}', '99') where id = $1`, [
      rows[2]!.id,
    ]);
    expect(await verifyAuditChain(t.database.db)).toEqual({
      ok: false,
      events: 2,
      brokenAt: { id: rows[2]!.id, reason: 'hash_mismatch' },
      unsealed: 0,
    });
  });

  it("a row's time moved by one millisecond → hash_mismatch at that row", async () => {
    const rows = await appendMany(3);
    await t.database.executeSql(`update audit_events set at = at + interval '1 millisecond' where id = $1`, [
      rows[0]!.id,
    ]);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({
      ok: false,
      brokenAt: { id: rows[0]!.id, reason: 'hash_mismatch' },
    });
  });

  it('a sealed middle row deleted → seq_gap at the next row', async () => {
    const rows = await appendMany(5);
    await t.database.executeSql('delete from audit_events where id = $1', [rows[2]!.id]);
    expect(await verifyAuditChain(t.database.db)).toEqual({
      ok: false,
      events: 2,
      brokenAt: { id: rows[3]!.id, reason: 'seq_gap' },
      unsealed: 0,
    });
  });

  it('a middle row deleted and later seqs renumbered to close the gap → prev_hash_mismatch', async () => {
    const rows = await appendMany(5);
    await t.database.executeSql('delete from audit_events where id = $1', [rows[2]!.id]);
    // One row at a time, lowest first: the unique index on seq is checked row by row.
    for (const seq of [4, 5])
      await t.database.executeSql('update audit_events set seq = $1 where seq = $2', [seq - 1, seq]);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({
      ok: false,
      events: 2,
      brokenAt: { id: rows[3]!.id, reason: 'prev_hash_mismatch' },
    });
  });

  it('a seal undone (seq set back to null) → seq_gap, even after sealing again', async () => {
    const rows = await appendMany(4);
    await t.database.executeSql('update audit_events set seq = null where id = $1', [rows[1]!.id]);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({
      ok: false,
      brokenAt: { id: rows[2]!.id, reason: 'seq_gap' },
      unsealed: 1,
    });
    // The resealed event moves to the end of the chain; its old place stays a gap.
    expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 1 });
    expect(await verifyAuditChain(t.database.db)).toMatchObject({
      ok: false,
      brokenAt: { id: rows[2]!.id, reason: 'seq_gap' },
      unsealed: 0,
    });
  });

  it('a row rewritten with a recomputed hash → prev_hash_mismatch at the row after it', async () => {
    const rows = await appendMany(4);
    const forged = { ...rows[1]!, prevHash: rows[1]!.prevHash!, data: { i: 42 } };
    await t.database.executeSql('update audit_events set data = $1::jsonb, hash = $2 where id = $3', [
      JSON.stringify(forged.data),
      computeAuditHash(forged),
      forged.id,
    ]);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({
      ok: false,
      brokenAt: { id: rows[2]!.id, reason: 'prev_hash_mismatch' },
    });
  });

  it('2500 events over several pages (uneven, exact and oversized page sizes) → verifies every time', async () => {
    const lastHash = await insertChain(2500);
    const expected = { ok: true, events: 2500, lastHash, unsealed: 0 };
    expect(await verifyAuditChain(t.database.db)).toEqual(expected);
    for (const pageSize of [7, 500, 2500, 10_000]) {
      expect(await verifyAuditChain(t.database.db, { pageSize })).toEqual(expected);
    }
  });

  it('a tampered row on a later page → found, with the count of events before it', async () => {
    const rows = await appendMany(25);
    await t.database.executeSql(`update audit_events set kind = 'forged' where id = $1`, [rows[23]!.id]);
    expect(await verifyAuditChain(t.database.db, { pageSize: 10 })).toEqual({
      ok: false,
      events: 23,
      brokenAt: { id: rows[23]!.id, reason: 'hash_mismatch' },
      unsealed: 0,
    });
  });

  it('events appended after the last seal → counted as unsealed, the sealed chain still verifies', async () => {
    const rows = await appendMany(3);
    for (const kind of ['late.1', 'late.2']) {
      await appendAuditEvent(t.database.db, { kind, actor: 'system', at: new Date() });
    }
    expect(await verifyAuditChain(t.database.db)).toEqual({
      ok: true,
      events: 3,
      lastHash: rows[2]!.hash,
      unsealed: 2,
    });
  });

  it('page size that is not a positive integer → RangeError', async () => {
    await expect(verifyAuditChain(t.database.db, { pageSize: 0 })).rejects.toThrow(RangeError);
  });
});
