import { randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { quoteIdent } from '../../src/db/create-database.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { staffAccounts } from '../../src/db/schema.ts';
import { onPostgres } from '../helpers/test-db.ts';

// PostgreSQL only: PGlite has no wire protocol, so nothing is prepared there.
describe.skipIf(!onPostgres)('PostgreSQL: drizzle queries run as named prepared statements', () => {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `rd_test_prepared_${randomBytes(4).toString('hex')}`;
  let database: Database;

  beforeAll(async () => {
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${quoteIdent(name)}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    // One connection: pg_prepared_statements shows that session's statements.
    database = await openDatabase({ url: url.toString(), max: 1 });
    await migrateDatabase(database);
  });
  afterAll(async () => {
    await database?.close();
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
    await admin.end();
  });

  const prepared = async (fragment: string) => {
    const { rows } = await database.executeSql(
      'select statement from pg_prepared_statements where statement like $1',
      [`%${fragment}%`],
    );
    return rows.length;
  };
  const account = (email: string) => ({ email, passwordHash: 'x', role: 'dpo' as const });

  it('a query outside and inside a transaction → one prepared statement each, reused, results unchanged', async () => {
    const { db } = database;
    await db.insert(staffAccounts).values(account('a@example.org'));
    const find = (email: string) => db.select().from(staffAccounts).where(eq(staffAccounts.email, email));
    expect(await find('a@example.org')).toHaveLength(1);
    expect(await find('nobody@example.org')).toHaveLength(0);
    const inTx = await db.transaction(async (tx) => {
      await tx.insert(staffAccounts).values(account('b@example.org'));
      return tx.select().from(staffAccounts).where(eq(staffAccounts.email, 'b@example.org'));
    });
    expect(inTx).toHaveLength(1);
    expect(await prepared('insert into "staff_accounts"')).toBe(1);
    expect(await prepared('from "staff_accounts" where "staff_accounts"."email" = $1')).toBe(1);
  });

  it('a failing transaction and a rolled-back savepoint → nothing of theirs is kept', async () => {
    const { db } = database;
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(staffAccounts).values(account('c@example.org'));
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    await db.transaction(async (tx) => {
      await tx.insert(staffAccounts).values(account('d@example.org'));
      await tx
        .transaction(async (inner) => {
          await inner.insert(staffAccounts).values(account('e@example.org'));
          throw new Error('inner');
        })
        .catch(() => {});
    });
    const emails = (await db.select({ email: staffAccounts.email }).from(staffAccounts)).map((r) => r.email);
    expect(emails.sort()).toEqual(['a@example.org', 'b@example.org', 'd@example.org']);
  });

  it('a long IN list (one statement text per list length) → not kept as a named statement', async () => {
    const { db } = database;
    const emails = Array.from({ length: 100 }, (_, i) => `list-${i}@example.org`);
    expect(await db.select().from(staffAccounts).where(inArray(staffAccounts.email, emails))).toEqual([]);
    expect(await prepared('"staff_accounts"."email" in ($1')).toBe(0);
    const few = emails.slice(0, 3);
    await db.select().from(staffAccounts).where(inArray(staffAccounts.email, few));
    expect(await prepared('"staff_accounts"."email" in ($1, $2, $3)')).toBe(1);
  });
});
