import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { quoteIdent } from '../../src/db/create-database.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

export type TestDatabase = { database: Database; url: string | undefined; drop(): Promise<void> };

/**
 * A fresh database per test file: in-memory PGlite by default; with TEST_DATABASE_URL a newly
 * created PostgreSQL database on that server, dropped afterwards (CI shares the server).
 */
export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const database = await openDatabase({ dataDir: 'memory' });
    return { database, url: undefined, drop: () => database.close() };
  }
  const name = `rd_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${quoteIdent(name)}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), max: options.max ?? 5 });
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close().catch(() => {});
      const sql = postgres(base, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
      await sql.end();
    },
  };
}

/**
 * A migrated test database for the whole file with an empty audit trail before each test; `database`
 * is read through the returned object once the file's hooks have run.
 */
export function useAuditTestDatabase(): { readonly database: Database } {
  let testDb: TestDatabase | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    await migrateDatabase(testDb.database);
  });
  afterAll(async () => {
    await testDb?.drop();
  });
  beforeEach(async () => {
    await testDb!.database.executeSql('delete from audit_events');
  });
  return {
    get database() {
      if (!testDb) throw new Error('test database not created yet');
      return testDb.database;
    },
  };
}
