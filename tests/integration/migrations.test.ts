import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, migrationsFolder } from '../../src/db/migrate.ts';

const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
  entries: unknown[];
};

import { createJobs } from '../../src/jobs/jobs.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-db.ts';

describe(`migrations on ${onPostgres ? 'PostgreSQL' : 'PGlite'}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('empty database → app tables and the job schema exist', async () => {
    await migrateDatabase(t.database);
    const jobs = createJobs(t.database, createLogger('silent'), { supervise: false });
    await jobs.start();
    await jobs.stop();
    const { rows } = await t.database.executeSql(
      "select table_schema || '.' || table_name as name from information_schema.tables where table_schema in ('public', 'pgboss') order by 1",
    );
    const names = rows.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['public.requests', 'public.audit_events', 'public.outbox', 'pgboss.job']),
    );
  });

  it('migrating twice → no error and no duplicate migration rows', async () => {
    await migrateDatabase(t.database);
    await migrateDatabase(t.database);
    const { rows } = await t.database.executeSql(
      'select count(*)::int as n from drizzle.__drizzle_migrations',
    );
    expect(Number(rows[0]?.n)).toBe(journal.entries.length);
  });

  it('requests table → has the lifecycle, clock and concurrency columns', async () => {
    const { rows } = await t.database.executeSql(
      "select column_name as c from information_schema.columns where table_schema = 'public' and table_name = 'requests'",
    );
    const columns = rows.map((r) => r.c);
    for (const c of [
      'reference',
      'status',
      'received_at',
      'due_by',
      'safe_due_by',
      'extended_due_by',
      'version',
    ]) {
      expect(columns).toContain(c);
    }
  });
});
