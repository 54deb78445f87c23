import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_BROKEN_EXIT_CODE, registerAuditCommand } from '../../src/audit/audit-command.ts';
import {
  appendAuditEvent,
  computeAuditHash,
  GENESIS_HASH,
  verifyAuditChain,
} from '../../src/audit/audit-service.ts';
import type { Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { type AuditEventRow, auditEvents } from '../../src/db/schema.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-db.ts';

let testDb: TestDatabase;
let database: Database;

/** n events through the real append path, in one transaction (fast on both backends). */
async function appendMany(n: number): Promise<AuditEventRow[]> {
  return database.db.transaction(async (tx) => {
    const rows: AuditEventRow[] = [];
    for (let i = 0; i < n; i++) {
      const at = new Date(Date.UTC(2026, 0, 1) + i * 1000);
      rows.push(await appendAuditEvent(tx, { kind: 'test.event', actor: 'system', data: { i }, at }));
    }
    return rows;
  });
}

/** A long chain built in memory and inserted 500 rows a statement: ~1 s instead of 2 500 appends. */
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
    const row = { ...event, prevHash, hash };
    prevHash = hash;
    return row;
  });
  for (let i = 0; i < n; i += 500) await database.db.insert(auditEvents).values(rows.slice(i, i + 500));
  return prevHash;
}

async function runVerify() {
  const out: string[] = [];
  const err: string[] = [];
  let closed = 0;
  const program = new Command('rightsdesk')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerAuditCommand(program, async () => ({
    db: database.db,
    close: async () => {
      closed++;
    },
  }));
  let exitCode = 0;
  try {
    await program.parseAsync(['audit', 'verify'], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode;
  }
  return { exitCode, out: out.join(''), err: err.join(''), closed };
}

describe(`audit chain verification (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
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

  it("a row's data changed with raw SQL → hash_mismatch at that row", async () => {
    const rows = await appendMany(5);
    await database.executeSql(`update audit_events set data = jsonb_set(data, '{i}', '99') where id = $1`, [
      rows[2]!.id,
    ]);
    expect(await verifyAuditChain(database.db)).toEqual({
      ok: false,
      events: 2,
      brokenAt: { id: rows[2]!.id, reason: 'hash_mismatch' },
    });
  });

  it("a row's time moved by one millisecond → hash_mismatch at that row", async () => {
    const rows = await appendMany(3);
    await database.executeSql(`update audit_events set at = at + interval '1 millisecond' where id = $1`, [
      rows[0]!.id,
    ]);
    expect(await verifyAuditChain(database.db)).toMatchObject({
      ok: false,
      brokenAt: { id: rows[0]!.id, reason: 'hash_mismatch' },
    });
  });

  it('a middle row deleted → prev_hash_mismatch at the next row', async () => {
    const rows = await appendMany(5);
    await database.executeSql('delete from audit_events where id = $1', [rows[2]!.id]);
    expect(await verifyAuditChain(database.db)).toEqual({
      ok: false,
      events: 2,
      brokenAt: { id: rows[3]!.id, reason: 'prev_hash_mismatch' },
    });
  });

  it('a row rewritten with a recomputed hash → prev_hash_mismatch at the row after it', async () => {
    const rows = await appendMany(4);
    const forged = { ...rows[1]!, data: { i: 42 } };
    await database.executeSql('update audit_events set data = $1::jsonb, hash = $2 where id = $3', [
      JSON.stringify(forged.data),
      computeAuditHash(forged),
      forged.id,
    ]);
    expect(await verifyAuditChain(database.db)).toMatchObject({
      ok: false,
      brokenAt: { id: rows[2]!.id, reason: 'prev_hash_mismatch' },
    });
  });

  it('2500 events over several pages (uneven, exact and oversized page sizes) → verifies every time', async () => {
    const lastHash = await insertChain(2500);
    const expected = { ok: true, events: 2500, lastHash };
    expect(await verifyAuditChain(database.db)).toEqual(expected);
    for (const pageSize of [7, 500, 2500, 10_000]) {
      expect(await verifyAuditChain(database.db, { pageSize })).toEqual(expected);
    }
  });

  it('a tampered row on a later page → found, with the count of events before it', async () => {
    const rows = await appendMany(25);
    await database.executeSql(`update audit_events set kind = 'forged' where id = $1`, [rows[23]!.id]);
    expect(await verifyAuditChain(database.db, { pageSize: 10 })).toEqual({
      ok: false,
      events: 23,
      brokenAt: { id: rows[23]!.id, reason: 'hash_mismatch' },
    });
  });

  it('page size that is not a positive integer → RangeError', async () => {
    await expect(verifyAuditChain(database.db, { pageSize: 0 })).rejects.toThrow(RangeError);
  });

  it('rightsdesk audit verify on an intact chain → "audit chain ok" with the full last hash, exit 0', async () => {
    const rows = await appendMany(3);
    const { exitCode, out, err, closed } = await runVerify();
    expect({ exitCode, err, closed }).toEqual({ exitCode: 0, err: '', closed: 1 });
    expect(out).toBe(`audit chain ok: 3 events, last hash ${rows[2]!.hash}\n`);
  });

  it('rightsdesk audit verify on a tampered chain → "BROKEN at event N", exit 3, database closed', async () => {
    const rows = await appendMany(3);
    await database.executeSql(`update audit_events set actor = 'someone else' where id = $1`, [rows[1]!.id]);
    const { exitCode, out, err, closed } = await runVerify();
    expect(exitCode).toBe(AUDIT_BROKEN_EXIT_CODE);
    expect(exitCode).toBe(3);
    expect(out).toBe('');
    expect(err).toBe(`audit chain BROKEN at event ${rows[1]!.id}: hash mismatch\n`);
    expect(closed).toBe(1);
  });
});
