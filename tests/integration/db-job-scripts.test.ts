import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { staffAccounts } from '../../src/db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';

// pg-boss runs its maintenance and migrations as parameterless scripts that open and commit their own
// transaction ("BEGIN; SET LOCAL …; lock; …; COMMIT;"). One that fails midway must not leave the
// connection inside an aborted transaction: on PGlite that is the only connection, and on PostgreSQL
// the pool would hand the poisoned one to the next request until it was recycled.
const lockedScript = (body: string) => `
    BEGIN;
    SET LOCAL lock_timeout = '30s';
    SELECT pg_advisory_xact_lock(42);
    ${body};
    COMMIT;
  `;

describe('job-system scripts with their own transaction', () => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    // One connection, so the next query surely runs where the script ran.
    testDb = await createTestDatabase({ max: 1 });
    database = testDb.database;
    await migrateDatabase(database);
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  it('a script failing inside its BEGIN … COMMIT → it rejects, and the next queries (raw and drizzle) work', async () => {
    await expect(database.executeSql(lockedScript('SELECT 1/0'))).rejects.toThrow(/division by zero/);
    const { rows } = await database.executeSql('select 1 as ok');
    expect(rows).toEqual([{ ok: 1 }]);
    expect(await database.db.select().from(staffAccounts)).toEqual([]);
  });

  it('a script failing after a write → the write is rolled back, not left pending or committed', async () => {
    await database.executeSql('create table if not exists script_probe (n int)');
    await expect(
      database.executeSql(lockedScript("INSERT INTO script_probe VALUES (1); SELECT 'x'::int")),
    ).rejects.toThrow(/invalid input syntax/);
    const { rows } = await database.executeSql('select count(*)::int as n from script_probe');
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('a script that succeeds → its writes are committed and its SET LOCAL does not outlive it', async () => {
    const before = await database.executeSql('show lock_timeout');
    await database.executeSql(lockedScript('INSERT INTO script_probe VALUES (2)'));
    const { rows } = await database.executeSql('select n from script_probe');
    expect(rows).toEqual([{ n: 2 }]);
    expect((await database.executeSql('show lock_timeout')).rows).toEqual(before.rows);
  });

  it('a parameterless script without a transaction of its own → runs every statement, answers the last one', async () => {
    const { rows } = await database.executeSql('select 1 as a; select 2 as b');
    expect(rows).toEqual([{ b: 2 }]);
  });
});
